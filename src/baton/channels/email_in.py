"""Inbound email: parse a raw message into what the conversation needs, or say why not.

`parse_inbound` never raises anything but `InboundMailError`, whatever bytes arrive, and stops
as soon as a mail goes over a limit (MIME parts, nesting depth, header count, header size): a
hostile mail of 50,000 tiny parts is refused at its 201st part, not parsed whole first. It is
CPU work, so callers on an event loop run it in a worker thread. It finds
the conversation's reply token in To, Cc, Delivered-To or X-Original-To, takes the sender from
`From` only (Reply-To never says who wrote a message), keeps the new text with the quoted
history stripped, and flags automatic mail (RFC 3834 auto-replies, bounces, bulk mail) so it is
never posted as a customer's or an agent's words. The raw bytes stay on the result, so nothing
is lost if the stripping gets it wrong.

Routing rules belong to the caller: the token is a bearer credential to be checked against the
sender, and In-Reply-To/References are hints only (a forwarded email carries them too).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from email import policy
from email.headerregistry import AddressHeader
from email.message import EmailMessage, Message
from email.parser import BytesParser
from html.parser import HTMLParser
from typing import Literal

from mailparser_reply import EmailReplyParser  # type: ignore[import-untyped]

from baton.domain.email_settings import EmailSettings

REPLY_LANGUAGES = ("en", "de", "fr", "es", "it", "nl", "pl", "sv", "da", "cs", "ja", "zh", "ko")
TOKEN_HEADERS = ("To", "Cc", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
# Quote stripping is regex-heavy: past this many characters only the head is examined.
MAX_STRIP_CHARS = 100_000
MAX_HEADERS = 500  # in the whole mail, every part's headers counted
MAX_HEADER_CHARS = 64 * 1024  # one header, folded lines and all
MAX_PARTS = 200
MAX_DEPTH = 20  # parts inside parts (multipart and attached mails)

_TOKEN_ADDRESS = re.compile(r"^reply\+([A-Za-z0-9_-]{22,})@([A-Za-z0-9.-]+)$", re.IGNORECASE)
_AUTO_SUBJECT = re.compile(
    r"^\s*(automatic reply|auto[- ]?reply|autoreply|auto:|out of (the )?office|"
    r"abwesenheitsnotiz|automatische antwort|réponse automatique|respuesta automática|"
    r"risposta automatica|undeliverable|undelivered mail|delivery status notification|"
    r"mail delivery failed|returned mail)",
    re.IGNORECASE,
)
_NO_REPLY_LOCAL = re.compile(r"^(mailer-daemon|postmaster|no-?reply|do-?not-?reply)$", re.I)
_SIGNATURE_DELIMITER = re.compile(r"^-- ?$", re.MULTILINE)


class InboundMailError(Exception):
    """The mail cannot be used; `reason` says why, for the rejected-mail view."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class InboundMail:
    """An inbound email as the conversation sees it, with the raw MIME kept alongside."""

    from_address: str
    from_name: str
    reply_token: str | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    subject: str
    text: str
    new_text: str
    body_source: Literal["plain", "html", "none"]
    is_automatic: bool
    automatic_reason: str | None
    raw: bytes = field(repr=False)
    reply_tokens: tuple[str, ...] = ()
    attachment_names: tuple[str, ...] = ()
    # From the receiving server's Authentication-Results (`[email] authserv_id`): whether it
    # said anything, and the domains whose DMARC or DKIM check passed.
    authentication_checked: bool = False
    authenticated_domains: frozenset[str] = frozenset()


def parse_inbound(raw: bytes, settings: EmailSettings) -> InboundMail:
    """Parse a raw email (as received over SMTP or posted by a webhook).

    Raises InboundMailError for mail too large, without a usable From, with a charset Python
    does not know, or otherwise malformed; never any other exception.
    """
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise InboundMailError("mail must be bytes")
    raw = bytes(raw)
    if len(raw) > settings.max_inbound_bytes:
        raise InboundMailError(
            f"mail is {len(raw)} bytes, over the {settings.max_inbound_bytes} limit"
        )
    if not raw.strip():
        raise InboundMailError("mail is empty")
    try:
        return _parse(raw, settings)
    except InboundMailError:
        raise
    except RecursionError:
        raise InboundMailError("mail is nested too deeply") from None
    except (LookupError, UnicodeError) as error:
        raise InboundMailError(f"mail uses an unknown or broken charset: {error}") from None
    except Exception as error:
        # The stdlib parser has odd corners on hostile input; any of them is a malformed mail.
        raise InboundMailError(f"mail is malformed: {type(error).__name__}: {error}") from None


class _Budget:
    """What one mail has used of the limits so far, counted while the parser builds it."""

    def __init__(self) -> None:
        self.parts = 0
        self.headers = 0


class _CheckedPart(EmailMessage):
    """A MIME part that checks the limits as the parser fills it in.

    The parser creates every part through its factory, sets every header with `set_raw` and
    attaches every part to its parent with `attach`: each is a point to stop it early.
    """

    budget: _Budget
    depth = 0

    def set_raw(self, name: str, value: str) -> None:
        self.budget.headers += 1
        if self.budget.headers > MAX_HEADERS:
            raise InboundMailError(f"mail has more than {MAX_HEADERS} headers")
        if len(value) > MAX_HEADER_CHARS:
            raise InboundMailError(f"mail has a header longer than {MAX_HEADER_CHARS} characters")
        super().set_raw(name, value)

    def attach(self, payload: _CheckedPart) -> None:  # type: ignore[override]
        depth = self.depth + 1
        if depth > MAX_DEPTH:
            raise InboundMailError(f"mail nests parts more than {MAX_DEPTH} deep")
        payload.depth = depth
        super().attach(payload)


def _part_factory(budget: _Budget) -> Callable[..., _CheckedPart]:
    def new_part(**kwargs: object) -> _CheckedPart:
        budget.parts += 1
        if budget.parts > MAX_PARTS:
            raise InboundMailError(f"mail has more than {MAX_PARTS} MIME parts")
        part = _CheckedPart(**kwargs)  # type: ignore[arg-type]
        part.budget = budget
        return part

    return new_part


def _parse(raw: bytes, settings: EmailSettings) -> InboundMail:
    parser = BytesParser(_class=_part_factory(_Budget()), policy=policy.default)
    message = parser.parsebytes(raw)
    if not isinstance(message, EmailMessage):  # pragma: no cover - policy.default gives these
        raise InboundMailError("mail could not be parsed")
    from_name, from_address = _sender(message)
    tokens = tuple(dict.fromkeys(_find_tokens(message, settings.reply_domain)))
    text, source = _body_text(message)
    reason = automatic_reason(message, from_address)
    checked, domains = authentication_results(
        [str(v) for v in message.get_all("Authentication-Results") or []], settings.authserv_id
    )
    return InboundMail(
        from_address=from_address,
        from_name=from_name,
        reply_token=tokens[0] if tokens else None,
        message_id=_message_id(message.get("Message-ID")),
        in_reply_to=_message_id(message.get("In-Reply-To")),
        references=tuple(_message_ids(message.get("References"))),
        subject=_one_line(str(message.get("Subject", ""))),
        text=text,
        new_text=strip_quoted(text),
        body_source=source,
        is_automatic=reason is not None,
        automatic_reason=reason,
        raw=raw,
        reply_tokens=tokens,
        attachment_names=tuple(_attachment_names(message)),
        authentication_checked=checked,
        authenticated_domains=domains,
    )


# --- who and where ----------------------------------------------------------------------------


def _sender(message: EmailMessage) -> tuple[str, str]:
    """(display name, address) from `From` alone; a missing or ambiguous From is refused."""
    values = message.get_all("From") or []
    if len(values) != 1:
        raise InboundMailError("mail has no From" if not values else "mail has several From")
    header = values[0]
    if not isinstance(header, AddressHeader):
        raise InboundMailError("From is not an address")
    addresses = header.addresses
    if len(addresses) != 1:
        raise InboundMailError("From must name exactly one sender")
    address = addresses[0]
    if (
        not address.username
        or not address.domain
        or any(ch in address.addr_spec for ch in ' \t\r\n<>()[],;\\"')
    ):
        raise InboundMailError(f"From address {address.addr_spec!r} is malformed")
    addr_spec = f"{address.username}@{address.domain.lower()}"
    return _one_line(address.display_name), addr_spec


def _find_tokens(message: EmailMessage, reply_domain: str) -> Iterable[str]:
    """Reply tokens addressed to our reply domain, in header order (To first)."""
    domain = reply_domain.lower()
    for name in TOKEN_HEADERS:
        for value in message.get_all(name) or []:
            for addr_spec in _addr_specs(value):
                match = _TOKEN_ADDRESS.match(addr_spec)
                if match and match.group(2).lower().rstrip(".") == domain:
                    yield match.group(1)


def _addr_specs(value: object) -> Iterable[str]:
    if isinstance(value, AddressHeader):
        for group in value.groups:
            for address in group.addresses:
                yield address.addr_spec
        return
    # Delivered-To and friends are plain `addr-spec` (sometimes in angle brackets).
    for part in str(value).split(","):
        yield part.strip().strip("<>").strip()


def _message_id(value: object) -> str | None:
    ids = list(_message_ids(value))
    return ids[0] if ids else None


def _message_ids(value: object) -> Iterable[str]:
    if value is None:
        return []
    return re.findall(r"<[^<>\s]{1,250}>", str(value))[:50]


def _one_line(value: str) -> str:
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())[:500]


# --- sender authentication (RFC 8601) ---------------------------------------------------------

_COMMENT = re.compile(r"\([^()]*\)")
_RESULT = re.compile(r"^\s*(dmarc|dkim)\s*=\s*([a-z]+)", re.IGNORECASE)
_PROPERTY = re.compile(r"header\.(from|d|i)\s*=\s*\"?([^\s;\"]+)", re.IGNORECASE)


def authentication_results(
    values: list[str], authserv_id: str | None
) -> tuple[bool, frozenset[str]]:
    """(checked, domains): the topmost Authentication-Results written by our receiving server
    (`authserv_id`), and the domains its DMARC or DKIM checks passed.

    Anyone can write the header into a mail, so only the receiving server's own counts, and
    only the topmost: that server adds its header above those the mail arrived with.
    """
    if not authserv_id:
        return False, frozenset()
    wanted = authserv_id.strip().lower()
    for value in values:
        text = " ".join(_COMMENT.sub(" ", value).split())
        server, _, results = text.partition(";")
        if (server.split() or [""])[0].lower() != wanted:
            continue
        domains: set[str] = set()
        for result in results.split(";"):
            method = _RESULT.match(result)
            if method is None or method.group(2).lower() != "pass":
                continue
            for name, given in _PROPERTY.findall(result):
                domain = given.rpartition("@")[2].lower().rstrip(".")
                if name.lower() in ("from", "d", "i") and domain:
                    domains.add(domain)
        return True, frozenset(domains)
    return False, frozenset()


# --- automatic mail ---------------------------------------------------------------------------


def automatic_reason(message: Message, from_address: str = "") -> str | None:
    """Why this mail was sent by a machine (RFC 3834 and common practice), or None."""
    auto = str(message.get("Auto-Submitted", "")).strip().lower()
    if auto and auto.split(";")[0].strip() != "no":
        return f"Auto-Submitted: {auto}"
    precedence = str(message.get("Precedence", "")).strip().lower()
    if precedence in ("bulk", "junk", "list", "auto_reply"):
        return f"Precedence: {precedence}"
    return_paths = [str(v).strip() for v in message.get_all("Return-Path") or []]
    if any(value in ("<>", "") for value in return_paths):
        return "empty Return-Path (a bounce)"
    if message.get_content_type() == "multipart/report":
        return "multipart/report (a delivery or read report)"
    for name in ("X-Autoreply", "X-Autorespond", "X-Autogenerated", "X-Failed-Recipients"):
        if message.get(name) is not None:
            return f"{name} header"
    local_part = from_address.rpartition("@")[0]
    if _NO_REPLY_LOCAL.match(local_part):
        return f"sent from {local_part}"
    subject = str(message.get("Subject", ""))
    if _AUTO_SUBJECT.match(subject):
        return "subject of an automatic reply"
    return None


# --- the text ---------------------------------------------------------------------------------


def _body_text(message: EmailMessage) -> tuple[str, Literal["plain", "html", "none"]]:
    plain = message.get_body(preferencelist=("plain",))
    if plain is not None:
        return _normalise(_decoded(plain)), "plain"
    html = message.get_body(preferencelist=("html",))
    if html is not None:
        return _normalise(html_to_text(_decoded(html))), "html"
    return "", "none"


def _decoded(part: Message) -> str:
    if not isinstance(part, EmailMessage):  # pragma: no cover - policy.default gives these
        raise InboundMailError("unexpected MIME part")
    content = part.get_content()
    if not isinstance(content, str):
        raise InboundMailError("text part could not be decoded")
    return content


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return text.strip("\n")


def _attachment_names(message: EmailMessage) -> Iterable[str]:
    for part in message.iter_attachments():
        name = part.get_filename()
        if name:
            yield _one_line(name)[:200]


class _TextExtractor(HTMLParser):
    """HTML to plain text; blockquotes become "> " lines so quoted history can be stripped."""

    BLOCKS = frozenset(
        "p div br li ul ol tr table h1 h2 h3 h4 h5 h6 hr pre section article header footer".split()
    )
    SKIP = frozenset({"script", "style", "head", "title", "template"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.depth = 0
        self.line_depth = 0
        self.skipping = 0

    def _break(self) -> None:
        text = " ".join("".join(self.current).split())
        if text or (self.lines and self.lines[-1] != ""):
            self.lines.append("> " * self.line_depth + text if text else "")
        self.current = []
        self.line_depth = self.depth

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self.skipping += 1
        elif tag == "blockquote":
            self._break()
            self.depth += 1
            self.line_depth = self.depth
        elif tag in self.BLOCKS:
            self._break()

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self._break()
            self.depth = max(0, self.depth - 1)
            self.line_depth = self.depth
        elif tag in self.BLOCKS:
            self._break()

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            if not "".join(self.current).strip():
                self.line_depth = self.depth
            self.current.append(data)

    def text(self) -> str:
        self._break()
        return "\n".join(self.lines).strip("\n")


def html_to_text(html: str) -> str:
    """Readable text from an HTML body, with the stdlib parser (no dependency)."""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return extractor.text()


def strip_quoted(text: str) -> str:
    """Only the new text of a reply: quoted history, reply headers and the "-- " signature go.

    Handles Gmail, Outlook, Apple Mail and other clients' layouts in several languages, top- and
    bottom-posted. When nothing would be left, the unquoted lines of the whole text are kept.
    """
    head = text[:MAX_STRIP_CHARS]
    parsed = EmailReplyParser(languages=list(REPLY_LANGUAGES)).read(head)
    replies = list(parsed.replies)
    latest = str(replies[0].full_body) if replies else head
    latest = _without_quotes(latest)
    if not latest:
        latest = _without_quotes(head)
    return latest


def _without_quotes(text: str) -> str:
    cut = _SIGNATURE_DELIMITER.search(text)
    if cut is not None:
        text = text[: cut.start()]
    lines = text.split("\n")
    kept = []
    for index, line in enumerate(lines):
        if line.lstrip().startswith(">"):
            continue
        if _is_attribution(line) and _quote_follows(lines, index + 1):
            continue
        kept.append(line)
    return "\n".join(kept).strip()


def _is_attribution(line: str) -> bool:
    """ "<date>, <someone> wrote:" in any language: ends with a colon, names a date or address.

    A fallback for clients and languages the reply parser misses.
    """
    line = line.strip()
    return line.endswith(":") and len(line) < 300 and bool(re.search(r"[0-9@]", line))


def _quote_follows(lines: list[str], start: int) -> bool:
    for line in lines[start:]:
        if line.strip():
            return line.lstrip().startswith(">")
    return False
