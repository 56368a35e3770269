"""Outgoing email: the escalation to the support team, the agent's reply and the customer's
confirmation, and the transports that deliver them (SMTP, or a local mailbox folder).

Every header built from customer input goes through `clean_header_text`, and every finished
message is serialised and parsed back once to prove it has exactly the headers we set, so no
customer text can add a header (`Bcc:` and the like). Message-IDs are derived from stable ids,
so a retried job sends the same Message-ID and mail clients collapse the duplicate.

Transports raise `TemporaryMailError` for failures worth retrying (connection refused, timeouts,
4xx replies) and `PermanentMailError` (a `PermanentJobError`) for those that are not (5xx
replies, a refused login), so the job runner retries or dead-letters accordingly.
"""

from __future__ import annotations

import asyncio
import os
import re
import sys
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from email import policy
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import Policy
from email.utils import format_datetime
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlsplit

import aiosmtplib
from email_validator import EmailNotValidError, validate_email
from jinja2 import Environment, PackageLoader, StrictUndefined

from baton.domain.email_settings import EmailSettings, parse_single_address
from baton.runtime.jobs import PermanentJobError

MAX_HEADER_CHARS = 200
MAX_SUBJECT_CHARS = 250
MAX_REFERENCES = 20
MAX_DISPLAY_NAME_CHARS = 64
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22,}$")
# RFC 5322 msg-id with the characters of dot-atoms only: ids come back from inbound mail, so
# anything looser is dropped rather than echoed into our headers.
_MSG_ID = re.compile(
    r"^<[A-Za-z0-9!#$%&'*+/^_`{|}~.-]{1,200}@[A-Za-z0-9!#$%&'*+/^_`{|}~.-]{1,200}>$"
)
_ADDRESS_SPECIALS = re.compile(r'[(),:;<>@\[\]\\"]')
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
# Bidirectional overrides and isolates can make a header read differently from what it says.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SITE_SEPARATORS = (" | ", " — ", " – ", " - ", " · ", " :: ", " » ")
_REPLY_PREFIX = re.compile(r"^\s*(re|aw|sv|vs|antw|r|ref|tr)\s*:\s*", re.IGNORECASE)


class InvalidEmailError(PermanentJobError, ValueError):
    """The email cannot be built: a malformed customer address, reply token or header."""


class TemporaryMailError(Exception):
    """Delivery failed for now (server down, timeout, 4xx reply); the job runner retries it."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class PermanentMailError(PermanentJobError):
    """Delivery can never succeed as is (5xx reply, refused login); shown to the agent."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, slots=True)
class TranscriptLine:
    """One message of the conversation as the support team reads it."""

    at: datetime
    who: str
    text: str


@dataclass(frozen=True, slots=True)
class EscalationContent:
    """Everything the escalation email and the customer's confirmation say."""

    company_name: str
    customer_name: str | None
    customer_email: str | None
    page_title: str | None
    page_url: str | None
    transcript: Sequence[TranscriptLine]
    context: Sequence[tuple[str, str]]
    summary_line: str
    brief_topic: str
    promise_text: str
    console_url: str
    reply_token: str
    handoff_id: str
    timezone: tzinfo = field(default=UTC)
    # The team's emails only: the signed link that opens the Resolve page.
    resolve_url: str = ""


# --- sanitising -------------------------------------------------------------------------------


def one_line(value: str | None, limit: int = MAX_HEADER_CHARS) -> str:
    """Customer text on one line: no control characters, collapsed whitespace, capped length.

    Control characters (CR, LF, NUL, ...), line and paragraph separators, surrogates and bidi
    overrides become spaces.
    """
    if not value:
        return ""
    kept = [
        " " if unicodedata.category(ch) in ("Cc", "Zl", "Zp", "Cs") or ch in _BIDI_CONTROLS else ch
        for ch in value
    ]
    return _cap(" ".join("".join(kept).split()), limit)


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def clean_header_text(value: str | None, limit: int = MAX_HEADER_CHARS) -> str:
    """Customer text made safe for a header value (`one_line`, and "=?" broken up).

    "=?" is broken up because the header registry decodes it as an RFC 2047 encoded word when
    the value is assigned, and an encoded word can carry a line break past every other check.
    """
    return _cap(one_line(value, sys.maxsize).replace("=?", "= ?"), limit)


def display_name(value: str | None, limit: int = MAX_DISPLAY_NAME_CHARS) -> str:
    """A name for an address header: `clean_header_text` without the address specials.

    CPython's header folder drops the quotes around a long display name, so a name such as
    "a, b <evil@x>" could come out as extra addresses on the wire; without `,;:<>()[]@\\"` and
    kept short, a name always stays one phrase.
    """
    text = _ADDRESS_SPECIALS.sub(" ", clean_header_text(value, 500))
    return _cap(" ".join(text.split()), limit)


def clean_body_text(value: str) -> str:
    """Customer text for a body, kept verbatim except for control characters and surrogates."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = value.replace("\u2028", "\n").replace("\u2029", "\n\n")
    return "".join(
        ch for ch in value if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    )


def safe_id(value: str, limit: int = 100) -> str:
    """An id reduced to characters safe in a Message-ID local part or a file name."""
    return _ID_UNSAFE.sub("_", value).strip("_")[:limit] or "x"


def clean_message_id(value: str | None) -> str | None:
    """A Message-ID from inbound mail if it is a plain `<left@right>`, else None."""
    if not value:
        return None
    value = value.strip()
    if "=?" in value or not _MSG_ID.match(value):
        return None
    return value


def check_customer_address(email: str | None) -> str:
    """The customer's address normalised, or InvalidEmailError: it must never route elsewhere."""
    if not email:
        raise InvalidEmailError("no customer email address")
    try:
        checked = validate_email(email, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError as error:
        raise InvalidEmailError(f"customer email address is not valid: {error}") from None
    # Punycode for an internationalised domain: the message stays ASCII for any relay.
    return checked.ascii_email or checked.normalized


def check_reply_token(token: str) -> str:
    """The reply token if it has the expected shape, else InvalidEmailError."""
    if not TOKEN_PATTERN.match(token):
        raise InvalidEmailError("reply token must be 22 or more of A-Z, a-z, 0-9, '_' and '-'")
    return token


# --- names and ids ----------------------------------------------------------------------------


def page_name(title: str | None, url: str | None) -> str:
    """The page as the subject names it: "Pricing page" from "Pricing | Shop" or "/pricing"."""
    name = _name_from_title(title) or _name_from_url(url)
    if not name:
        return "Unknown page"
    if not name.lower().endswith("page"):
        name = f"{name} page"
    return clean_header_text(name, 80)


def _name_from_title(title: str | None) -> str:
    name = clean_header_text(title, 500)
    for separator in _SITE_SEPARATORS:
        head, found, _ = name.partition(separator)
        if found and head.strip():
            name = head
    return name.strip(" |—–-·:»")


def _name_from_url(url: str | None) -> str:
    if not url:
        return ""
    try:
        path = urlsplit(clean_header_text(url, 2000)).path
    except ValueError:
        return ""
    segments = [s for s in path.split("/") if s]
    if not segments:
        return "Home"
    segment = unquote(segments[-1])
    segment = re.sub(r"\.(html?|php|aspx?|jsp)$", "", segment, flags=re.IGNORECASE)
    if segment.lower() in ("", "index", "home", "default"):
        return "Home"
    words = " ".join(re.split(r"[-_+\s]+", segment)).strip()
    return clean_header_text(words[:1].upper() + words[1:], 80)


def escalation_subject(content: EscalationContent) -> str:
    """The seed's subject: "Chat escalation from [page name] — [brief topic]"."""
    page = page_name(content.page_title, content.page_url)
    topic = clean_header_text(content.brief_topic, 120) or "a question"
    return clean_header_text(f"Chat escalation from {page} — {topic}", MAX_SUBJECT_CHARS)


def reply_subject(subject: str) -> str:
    """`Re: subject`, without stacking prefixes ("Re: Re: AW: ...")."""
    text = clean_header_text(subject, MAX_SUBJECT_CHARS)
    while True:
        stripped = _REPLY_PREFIX.sub("", text, count=1)
        if stripped == text:
            break
        text = stripped
    return clean_header_text(f"Re: {text}" if text else "Re: your conversation", MAX_SUBJECT_CHARS)


def escalation_message_id(handoff_id: str, settings: EmailSettings) -> str:
    """The escalation email's Message-ID; the same on every retry of the same handoff."""
    return f"<escalation-{safe_id(handoff_id)}@{settings.reply_domain}>"


def team_update_message_id(handoff_id: str, after: int, settings: EmailSettings) -> str:
    """An update's Message-ID: the handoff and where its batch starts, the same on a retry."""
    return f"<update-{safe_id(handoff_id)}-{after}@{settings.reply_domain}>"


def confirmation_message_id(handoff_id: str, settings: EmailSettings) -> str:
    """The customer confirmation's Message-ID; agent replies to the customer thread under it."""
    return f"<confirmation-{safe_id(handoff_id)}@{settings.reply_domain}>"


def reply_message_id(message_key: str, settings: EmailSettings) -> str:
    """An agent reply's Message-ID, derived from the stored message's id."""
    return f"<reply-{safe_id(message_key)}@{settings.reply_domain}>"


def reply_address(token: str, settings: EmailSettings) -> Address:
    """The per-conversation address replies go to: `reply+<token>@<reply_domain>`."""
    return Address(username=f"reply+{check_reply_token(token)}", domain=settings.reply_domain)


def _from_mailbox(settings: EmailSettings, name: str | None = None) -> Address:
    address = parse_single_address(settings.from_address)
    shown = display_name(name if name is not None else address.display_name)
    return Address(display_name=shown, username=address.username, domain=address.domain)


def _first_name(name: str | None) -> str:
    parts = clean_header_text(name, 80).split()
    return parts[0] if parts else ""


# --- templates --------------------------------------------------------------------------------

_TEXT = Environment(
    loader=PackageLoader("baton.channels", "templates"),
    autoescape=False,  # plain text bodies: nothing is interpreted as markup
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    keep_trailing_newline=True,
)
_HTML = Environment(
    loader=PackageLoader("baton.channels", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def _web_link(url: str | None) -> str | None:
    """The URL if it is http(s), so a `javascript:` page URL never becomes a link."""
    if not url:
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in ("http", "https") else None


def _local(moment: datetime, tz: tzinfo) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz)


def _escalation_view(content: EscalationContent) -> dict[str, object]:
    tz = content.timezone
    lines = []
    previous_day = None
    for line in content.transcript:
        at = _local(line.at, tz)
        text = clean_body_text(line.text)
        day = at.strftime("%A %d %B %Y")
        lines.append(
            {
                "time": at.strftime("%H:%M"),
                # A conversation that runs past midnight names each new day as it starts.
                "new_day": day if previous_day is not None and day != previous_day else "",
                "who": one_line(line.who, 80) or "Unknown",
                "text": text,
                # Continuation lines indented under the speaker in the plain-text version.
                "text_block": text.replace("\n", "\n        "),
            }
        )
        previous_day = day
    first = _local(content.transcript[0].at, tz) if content.transcript else None
    zone = first.tzname() if first is not None else None
    return {
        "company_name": one_line(content.company_name, 200),
        "customer_name": one_line(content.customer_name, 200) or "not given",
        "customer_email": one_line(content.customer_email, 320) or "not given",
        "page": page_name(content.page_title, content.page_url),
        "page_url": one_line(content.page_url, 2000),
        "page_link": _web_link(one_line(content.page_url, 2000)),
        "transcript": lines,
        "transcript_date": first.strftime("%A %d %B %Y") if first else "",
        "zone": zone or "",
        "context": [(one_line(k, 200), one_line(v, 2000)) for k, v in content.context],
        "summary_line": one_line(content.summary_line, 1000),
        "promise_text": one_line(content.promise_text, 200),
        "console_url": content.console_url,
        "console_link": _web_link(content.console_url),
        "resolve_link": _web_link(content.resolve_url),
        "first_name": _first_name(content.customer_name),
    }


def _set_bodies(message: EmailMessage, text: str, html: str) -> None:
    # Quoted-printable keeps the text readable and survives any line length or 7-bit relay.
    message.set_content(text, subtype="plain", charset="utf-8", cte="quoted-printable")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")


# --- builders ---------------------------------------------------------------------------------


class _EncodedText(str):
    """A non-ASCII unstructured header value (the Subject) that encodes itself.

    `email.header.Header` splits RFC 2047 encoded words at character boundaries and keeps every
    space inside them; the policy's own folder can cut an encoded word in two or drop a space
    when it wraps a long mixed-script value. The message stores the object as is because it has
    a `name` (see `EmailPolicy.header_store_parse`), and it is already free of line breaks.
    """

    name: str

    def __new__(cls, name: str, value: str) -> _EncodedText:
        text = super().__new__(cls, value)
        text.name = name
        return text

    def fold(self, *, policy: Policy) -> str:
        encoded = Header(str(self), "utf-8", header_name=self.name).encode(linesep=policy.linesep)
        return f"{self.name}: {encoded}{policy.linesep}"


def _set_subject(message: EmailMessage, subject: str) -> None:
    message["Subject"] = subject if subject.isascii() else _EncodedText("Subject", subject)


def _new_message(message_id: str, sent_at: datetime | None) -> EmailMessage:
    message = EmailMessage(policy=policy.SMTP)
    message["Message-ID"] = message_id
    message["Date"] = format_datetime(_local(sent_at or datetime.now(UTC), UTC))
    return message


def _mark_automatic(message: EmailMessage) -> None:
    # RFC 3834: vacation responders must not answer; Exchange honours the second header.
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"


def _finish(message: EmailMessage) -> EmailMessage:
    """Serialise and parse back once: the bytes on the wire must carry exactly our headers."""
    expected = [name.lower() for name in message]
    try:
        parsed = BytesParser(policy=policy.default).parsebytes(message.as_bytes())
        same = [name.lower() for name in parsed] == expected and all(
            _addr_specs(parsed, name) == _addr_specs(message, name)
            for name in ("From", "To", "Cc", "Reply-To")
        )
    except Exception as error:  # the stdlib parser can fail in odd ways on odd input
        raise InvalidEmailError(f"email could not be serialised: {error!r}") from None
    if not same:
        raise InvalidEmailError("email headers changed when serialised; refusing to send it")
    return message


def _addr_specs(message: EmailMessage, name: str) -> list[str]:
    header = message.get(name)
    if header is None:
        return []
    return [address.addr_spec for address in header.addresses]


def build_escalation_email(
    content: EscalationContent, settings: EmailSettings, *, sent_at: datetime | None = None
) -> EmailMessage:
    """The email to the support team: who, where, the full transcript, context and summary.

    Replies to it go to `reply+<token>@<reply_domain>` and come back into the conversation.
    """
    message = _new_message(escalation_message_id(content.handoff_id, settings), sent_at)
    _set_subject(message, escalation_subject(content))
    message["From"] = _from_mailbox(settings)
    message["To"] = settings.support_address
    message["Reply-To"] = reply_address(content.reply_token, settings)
    _mark_automatic(message)
    view = _escalation_view(content)
    _set_bodies(
        message,
        _TEXT.get_template("escalation.txt").render(view),
        _HTML.get_template("escalation.html").render(view),
    )
    return _finish(message)


def build_team_update_email(
    content: EscalationContent,
    settings: EmailSettings,
    *,
    after: int,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """What the customer added after the escalation, in the escalation's thread ("Re:" its
    subject, In-Reply-To and References its Message-ID); `content.transcript` holds the new
    messages only. Replies go back into the conversation like replies to the escalation."""
    root = escalation_message_id(content.handoff_id, settings)
    message = _new_message(team_update_message_id(content.handoff_id, after, settings), sent_at)
    _set_subject(message, reply_subject(escalation_subject(content)))
    message["From"] = _from_mailbox(settings)
    message["To"] = settings.support_address
    message["Reply-To"] = reply_address(content.reply_token, settings)
    message["In-Reply-To"] = root
    message["References"] = root
    _mark_automatic(message)
    view = _escalation_view(content)
    _set_bodies(
        message,
        _TEXT.get_template("team_update.txt").render(view),
        _HTML.get_template("team_update.html").render(view),
    )
    return _finish(message)


def build_team_note(
    content: EscalationContent,
    settings: EmailSettings,
    *,
    key: str,
    text: str,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """A short note in the escalation's thread (such as who resolved it), plain text; `key`
    names the note in its Message-ID, so a retry sends the same one."""
    root = escalation_message_id(content.handoff_id, settings)
    message = _new_message(
        f"<{safe_id(key)}-{safe_id(content.handoff_id)}@{settings.reply_domain}>", sent_at
    )
    _set_subject(message, reply_subject(escalation_subject(content)))
    message["From"] = _from_mailbox(settings)
    message["To"] = settings.support_address
    message["Reply-To"] = reply_address(content.reply_token, settings)
    message["In-Reply-To"] = root
    message["References"] = root
    _mark_automatic(message)
    message.set_content(clean_body_text(text))
    return _finish(message)


def build_customer_confirmation(
    content: EscalationContent, settings: EmailSettings, *, sent_at: datetime | None = None
) -> EmailMessage:
    """The customer's confirmation: the team has the whole conversation and will reply by when.

    Raises InvalidEmailError when the customer's address is missing or malformed.
    """
    customer = check_customer_address(content.customer_email)
    company = clean_header_text(content.company_name, 80) or "Our team"
    message = _new_message(confirmation_message_id(content.handoff_id, settings), sent_at)
    promise = clean_header_text(content.promise_text, 100)
    subject = f"{company} will reply {promise}" if promise else f"{company} has your question"
    _set_subject(message, clean_header_text(subject, MAX_SUBJECT_CHARS))
    message["From"] = _from_mailbox(settings, company)
    message["To"] = Address(display_name=display_name(content.customer_name), addr_spec=customer)
    message["Reply-To"] = reply_address(content.reply_token, settings)
    _mark_automatic(message)
    view = _escalation_view(content)
    view["customer_email"] = customer
    _set_bodies(
        message,
        _TEXT.get_template("confirmation.txt").render(view),
        _HTML.get_template("confirmation.html").render(view),
    )
    return _finish(message)


def build_reply_email(
    *,
    text: str,
    customer_email: str,
    customer_name: str | None,
    subject: str,
    reply_token: str,
    message_key: str,
    company_name: str,
    settings: EmailSettings,
    agent_name: str | None = None,
    parent_message_id: str | None = None,
    parent_references: Sequence[str] = (),
    sent_at: datetime | None = None,
) -> EmailMessage:
    """An agent's reply to the customer, threaded under the previous email of the conversation.

    `parent_message_id` is the email being answered (e.g. `confirmation_message_id(...)` or the
    customer's last Message-ID) and `parent_references` its References; malformed ids from
    inbound mail are dropped. `message_key` (the stored message's id) makes the Message-ID
    stable across retries. Not marked Auto-Submitted: a person wrote it.
    """
    customer = check_customer_address(customer_email)
    company = clean_header_text(company_name, 80) or "Our team"
    agent = clean_header_text(agent_name, 80)
    message = _new_message(reply_message_id(message_key, settings), sent_at)
    _set_subject(message, reply_subject(subject))
    message["From"] = _from_mailbox(settings, f"{agent} at {company}" if agent else company)
    message["To"] = Address(display_name=display_name(customer_name), addr_spec=customer)
    message["Reply-To"] = reply_address(reply_token, settings)
    parent = clean_message_id(parent_message_id)
    if parent is not None:
        chain = [i for i in map(clean_message_id, parent_references) if i and i != parent]
        # The first id (the thread's root) and the most recent ones keep a long thread intact.
        if len(chain) > MAX_REFERENCES - 1:
            chain = chain[:1] + chain[-(MAX_REFERENCES - 2) :]
        message["In-Reply-To"] = parent
        message["References"] = " ".join([*dict.fromkeys(chain), parent])
    view = {
        "text": clean_body_text(text),
        "agent_name": agent,
        "company_name": company,
        "first_name": _first_name(customer_name),
    }
    _set_bodies(
        message,
        _TEXT.get_template("reply.txt").render(view),
        _HTML.get_template("reply.html").render(view),
    )
    return _finish(message)


# --- transports -------------------------------------------------------------------------------


class MailTransport(Protocol):
    """Delivers a built email; returns a short note of what happened for the outbox row."""

    async def send(self, message: EmailMessage) -> str: ...


class LocalMailbox:
    """Writes each email to `<folder>/<timestamp>-<message id>.eml` (the embedded default).

    The write is atomic (temp file, then rename) and a Message-ID already in the folder is not
    written twice, so a retried job leaves exactly one file.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, message: EmailMessage) -> str:
        return await asyncio.to_thread(self._write, message)

    def _write(self, message: EmailMessage) -> str:
        message_id = str(message.get("Message-ID", "")).strip("<> ")
        name = safe_id(message_id) if message_id else None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if name is not None:
                existing = sorted(self.folder.glob(f"*-{name}.eml"))
                if existing:
                    return f"already in mailbox as {existing[0]}"
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S.%fZ")
            target = self.folder / f"{stamp}-{name or safe_id(os.urandom(6).hex())}.eml"
            data = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
            handle, temp_name = tempfile.mkstemp(dir=self.folder, prefix=".tmp-", suffix=".eml")
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(data)
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temp_name, target)
            except BaseException:
                Path(temp_name).unlink(missing_ok=True)
                raise
        except OSError as error:
            raise TemporaryMailError(
                f"could not write to mailbox {self.folder}: {error}"
            ) from error
        return f"written to {target}"


class SmtpTransport:
    """Sends through an SMTP server with aiosmtplib (STARTTLS, implicit TLS or plain)."""

    def __init__(self, settings: EmailSettings) -> None:
        if settings.smtp_host is None:
            raise ValueError("SmtpTransport needs email.smtp_host")
        self.host = settings.smtp_host
        self.port = settings.smtp_port
        self.security = settings.smtp_security
        self.username = settings.smtp_username
        self.password = settings.smtp_password
        self.timeout = settings.smtp_timeout_seconds

    async def send(self, message: EmailMessage) -> str:
        where = f"{self.host}:{self.port}"
        try:
            refused, reply = await aiosmtplib.send(
                message,
                hostname=self.host,
                port=self.port,
                username=self.username or None,
                password=self.password.get_secret_value() if self.password else None,
                use_tls=self.security == "tls",
                start_tls=self.security == "starttls",
                timeout=self.timeout,
            )
        except Exception as error:
            raise classify_smtp_error(error, where) from error
        note = f"accepted by {where}: {reply}".strip()
        if refused:
            # Some recipients took it: a retry would duplicate it for them, so only note the rest.
            listed = ", ".join(f"{r} ({response.code})" for r, response in refused.items())
            note += f"; refused for {listed}"
        return note


def classify_smtp_error(error: Exception, where: str) -> Exception:
    """Map an SMTP failure to TemporaryMailError (retry) or PermanentMailError (give up)."""
    if isinstance(error, aiosmtplib.SMTPRecipientsRefused):
        codes = [r.code for r in error.recipients]
        detail = "; ".join(f"{r.code} {r.message}" for r in error.recipients)
        if codes and all(code >= 500 for code in codes):
            return PermanentMailError(f"{where} refused every recipient: {detail}", codes[0])
        return TemporaryMailError(f"{where} refused recipients for now: {detail}", codes[0])
    if isinstance(error, aiosmtplib.SMTPAuthenticationError):
        text = f"{where} refused the SMTP login: {error.code} {error.message}"
        if 400 <= error.code < 500:
            return TemporaryMailError(text, error.code)
        # A wrong password does not fix itself: retrying would only hammer the server.
        return PermanentMailError(text, error.code)
    if isinstance(error, aiosmtplib.SMTPResponseException):
        text = f"{where} answered {error.code} {error.message}"
        if error.code >= 500:
            return PermanentMailError(text, error.code)
        return TemporaryMailError(text, error.code if error.code > 0 else None)
    if isinstance(error, aiosmtplib.SMTPNotSupported) or (
        type(error) is aiosmtplib.SMTPException and "not supported" in str(error)
    ):
        # STARTTLS or AUTH asked for but not offered: a settings mismatch that retrying won't
        # fix, and sending without them would expose the mail or the password.
        return PermanentMailError(f"{where} does not support what the settings ask: {error}")
    if isinstance(error, aiosmtplib.SMTPException | OSError | TimeoutError):
        return TemporaryMailError(f"could not reach {where}: {error or type(error).__name__}")
    if isinstance(error, ValueError | TypeError | UnicodeError):
        return InvalidEmailError(f"email could not be sent as built: {error}")
    return TemporaryMailError(f"sending through {where} failed: {error!r}")


def build_transport(settings: EmailSettings) -> MailTransport:
    """SMTP when `smtp_host` is set, else the local mailbox folder."""
    if settings.smtp_host is None:
        return LocalMailbox(settings.mailbox_folder)
    return SmtpTransport(settings)


def build_notice(
    *,
    to: str,
    subject: str,
    text: str,
    message_id: str,
    settings: EmailSettings,
    sent_at: datetime | None = None,
) -> EmailMessage:
    """A short automatic notice (a promise alert, a rating request): plain text, safe headers."""
    message = _new_message(message_id, sent_at)
    _set_subject(message, clean_header_text(subject, MAX_SUBJECT_CHARS))
    message["From"] = _from_mailbox(settings)
    message["To"] = check_customer_address(to)
    _mark_automatic(message)
    message.set_content(clean_body_text(text))
    return _finish(message)
