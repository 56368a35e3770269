"""Outgoing email: what the support team and the customer receive, checked on the wire."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from baton.channels.email_out import (
    EscalationContent,
    InvalidEmailError,
    LocalMailbox,
    SmtpTransport,
    TemporaryMailError,
    TranscriptLine,
    build_customer_confirmation,
    build_escalation_email,
    build_reply_email,
    build_transport,
    clean_header_text,
    confirmation_message_id,
    page_name,
    reply_subject,
)
from baton.domain.email_settings import EmailSettings
from baton.runtime.jobs import PermanentJobError
from tests.channels.smtp_server import (
    SmtpTestServer,
    free_port,
    refuse_every_login,
    running_smtp_server,
)

TOKEN = "tok_Abc-123456789012345678"
T0 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
ESCALATION_HEADERS = [
    "message-id",
    "date",
    "subject",
    "from",
    "to",
    "reply-to",
    "auto-submitted",
    "x-auto-response-suppress",
    "mime-version",
    "content-type",
]
INJECTIONS = [
    "Jane\r\nBcc: evil@x",
    "Jane\nBcc: evil@x",
    "Jane\rBcc: evil@x",
    "Jane\x00Bcc: evil@x",
    "Jane\r\n\r\nBcc: evil@x",
    "Jane\u2028Bcc: evil@x",
    "Jane\u2029Bcc: evil@x",
    "Jane\x85Bcc: evil@x",
    "Bcc: evil@x",
    "=?utf-8?b?" + base64.b64encode(b"x\r\nBcc: evil@x\r\n").decode() + "?=",
    "x" * 10_000 + "\r\nBcc: evil@x",
    "word " * 2_000,
]


def smtp_settings(server: SmtpTestServer, **overrides: object) -> EmailSettings:
    values: dict[str, object] = {
        "smtp_host": server.host,
        "smtp_port": server.port,
        "smtp_security": "none",
        "smtp_timeout_seconds": 10,
        "support_address": "Support Team <support@acme.test>",
        "from_address": "Acme Chat <chat@acme.test>",
        "reply_domain": "reply.acme.test",
    }
    values.update(overrides)
    return EmailSettings.model_validate(values)


def content(**overrides: object) -> EscalationContent:
    values: dict[str, object] = {
        "company_name": "Acme",
        "customer_name": "Jane Doe",
        "customer_email": "jane@example.com",
        "page_title": "Pricing | Acme Shop",
        "page_url": "https://acme.test/pricing?plan=pro",
        "transcript": [
            TranscriptLine(T0, "Customer", "I was charged twice for my order\nOrder #4411"),
            TranscriptLine(T0 + timedelta(minutes=1), "Bot", "I'm sorry to hear that."),
            TranscriptLine(T0 + timedelta(minutes=2), "Customer", "I want a refund, please."),
        ],
        "context": [("Returning visitor", "yes"), ("Plan", "Pro")],
        "summary_line": "Customer is asking about billing — bot reached its knowledge limit",
        "brief_topic": "billing question, potential refund",
        "promise_text": "by 12:00 today",
        "console_url": "https://baton.acme.test/console/conversations/c-42",
        "reply_token": TOKEN,
        "handoff_id": "7f1c2a9e-0000-4000-8000-000000000001",
    }
    values.update(overrides)
    return EscalationContent(**values)  # type: ignore[arg-type]


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def bodies(message: EmailMessage) -> tuple[str, str]:
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    return (
        plain.get_content().replace("\r\n", "\n"),
        html.get_content().replace("\r\n", "\n"),
    )


def header_names(message: EmailMessage) -> list[str]:
    return [name.lower() for name in message]


@pytest.fixture
def smtp() -> Iterator[SmtpTestServer]:
    with running_smtp_server() as server:
        yield server


# --- page name and subject --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "url", "expected"),
    [
        ("Pricing", None, "Pricing page"),
        ("Pricing | Shop", None, "Pricing page"),
        ("Pricing — Shop", None, "Pricing page"),
        ("Pricing - Acme Shop", None, "Pricing page"),
        ("Home page", None, "Home page"),
        ("Checkout Page", None, "Checkout Page"),
        (None, "https://shop.test/checkout", "Checkout page"),
        (None, "https://shop.test/products/blue-t-shirt/", "Blue t shirt page"),
        (None, "https://shop.test/", "Home page"),
        (None, "/", "Home page"),
        (None, "/index.html", "Home page"),
        ("", "/help/returns.html?x=1", "Returns page"),
        (None, None, "Unknown page"),
        ("Pricing\r\nBcc: evil@x", None, "Pricing Bcc: evil@x page"),
    ],
)
def test_page_name(title: str | None, url: str | None, expected: str) -> None:
    assert page_name(title, url) == expected


def test_reply_subject_does_not_stack_prefixes() -> None:
    assert reply_subject("Your question") == "Re: Your question"
    assert reply_subject("Re: RE: AW: Your question") == "Re: Your question"
    assert reply_subject("") == "Re: your conversation"


def test_clean_header_text_breaks_lines_controls_and_encoded_words() -> None:
    assert clean_header_text("a\r\nb\x00c\u2028d\u202ee") == "a b c d e"
    assert "=?" not in clean_header_text("=?utf-8?q?x?=")
    assert len(clean_header_text("x" * 10_000)) == 200


# --- the escalation on the wire ---------------------------------------------------------------


async def test_escalation_email_on_the_wire_has_every_field(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp)
    note = await build_transport(settings_).send(build_escalation_email(content(), settings_))

    assert note.startswith("accepted by 127.0.0.1")
    [delivery] = smtp.handler.deliveries
    assert delivery.mail_from == "chat@acme.test"
    assert delivery.rcpt_tos == ["support@acme.test"]
    message = delivery.parsed()
    assert header_names(message) == ESCALATION_HEADERS
    assert message["Subject"] == (
        "Chat escalation from Pricing page — billing question, potential refund"
    )
    assert message["To"] == "Support Team <support@acme.test>"
    assert message["From"] == "Acme Chat <chat@acme.test>"
    assert message["Reply-To"] == f"reply+{TOKEN}@reply.acme.test"
    assert message["Message-ID"] == (
        "<escalation-7f1c2a9e-0000-4000-8000-000000000001@reply.acme.test>"
    )
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Auto-Response-Suppress"] == "All"

    text, html = bodies(message)
    for body in (text, html):
        assert "Jane Doe" in body
        assert "jane@example.com" in body
        assert "Pricing page" in body
        assert "https://acme.test/pricing?plan=pro" in body
        assert "Customer is asking about billing — bot reached its knowledge limit" in body
        assert "by 12:00 today" in body
        assert "Returning visitor" in body and "Pro" in body
        assert "https://baton.acme.test/console/conversations/c-42" in body
        assert "I'm sorry to hear that." in body or "I&#39;m sorry to hear that." in body
        assert "10:00" in body and "10:01" in body and "10:02" in body
    assert "[10:00] Customer: I was charged twice for my order\n" in text
    assert "Order #4411" in text
    assert "[10:01] Bot: I'm sorry to hear that." in text
    assert "[10:02] Customer: I want a refund, please." in text
    assert '<a href="https://baton.acme.test/console/conversations/c-42">' in html
    assert text.index("10:00") < text.index("10:01") < text.index("10:02")


async def test_transcript_times_are_shown_in_the_configured_zone(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp)
    zone = timezone(timedelta(hours=1), "CET")
    await SmtpTransport(settings_).send(build_escalation_email(content(timezone=zone), settings_))
    text, _ = bodies(smtp.handler.deliveries[0].parsed())
    assert "[11:00] Customer:" in text
    assert "times in CET" in text


def test_a_conversation_past_midnight_names_the_new_day() -> None:
    late = T0.replace(hour=23, minute=58)
    transcript = [
        TranscriptLine(late, "Customer", "Still there?"),
        TranscriptLine(late + timedelta(minutes=3), "Bot", "Yes."),
    ]
    message = build_escalation_email(content(transcript=transcript), EmailSettings())
    text, html = bodies(message)
    assert "Conversation on Monday 23 November 2026" in text
    assert (
        "[23:58] Customer: Still there?\n-- Tuesday 24 November 2026 --\n[00:01] Bot: Yes." in text
    )
    assert "Tuesday 24 November 2026" in html


def test_message_id_is_stable_across_rebuilds() -> None:
    settings_ = EmailSettings()
    first = build_escalation_email(content(), settings_)
    second = build_escalation_email(content(), settings_)
    assert first["Message-ID"] == second["Message-ID"]
    other = build_escalation_email(content(handoff_id="another"), settings_)
    assert other["Message-ID"] != first["Message-ID"]


@pytest.mark.parametrize("bad", INJECTIONS)
async def test_customer_text_never_adds_a_header(smtp: SmtpTestServer, bad: str) -> None:
    settings_ = smtp_settings(smtp)
    escalation = content(customer_name=bad, page_title=bad, brief_topic=bad, company_name=bad)
    transport = SmtpTransport(settings_)
    await transport.send(build_escalation_email(escalation, settings_))
    await transport.send(build_customer_confirmation(escalation, settings_))
    await transport.send(
        build_reply_email(
            text=bad,
            customer_email="jane@example.com",
            customer_name=bad,
            subject=bad,
            reply_token=TOKEN,
            message_key="m-1",
            company_name=bad,
            agent_name=bad,
            settings=settings_,
        )
    )

    escalation_mail, confirmation, reply = (d.parsed() for d in smtp.handler.deliveries)
    assert header_names(escalation_mail) == ESCALATION_HEADERS
    assert "bcc" not in header_names(confirmation)
    assert "bcc" not in header_names(reply)
    for delivery in smtp.handler.deliveries:
        head = delivery.raw.partition(b"\r\n\r\n")[0]
        assert b"\nBcc:" not in head and b"\nbcc:" not in head.lower()
        assert "evil@x" not in delivery.rcpt_tos
        for name, value in delivery.parsed().items():
            assert "\r" not in value and "\n" not in value and "\x00" not in value, name
    assert len(str(escalation_mail["Subject"])) <= 250


@pytest.mark.parametrize(
    "name",
    [
        "a, evil@attacker.test, " * 5,
        '"Jane" <evil@attacker.test>, ' * 4,
        "0:" * 40,
        "x;y" * 30,
        "(comment) " * 10,
    ],
)
async def test_a_long_name_with_address_specials_stays_one_address(
    smtp: SmtpTestServer, name: str
) -> None:
    # CPython's folder unquotes long display names, which could split one name into several
    # addresses; the builder keeps names short and free of specials so that never happens.
    settings_ = smtp_settings(smtp)
    escalation = content(customer_name=name, company_name=name)
    await SmtpTransport(settings_).send(build_customer_confirmation(escalation, settings_))
    [delivery] = smtp.handler.deliveries
    received = delivery.parsed()
    assert [a.addr_spec for a in received["To"].addresses] == ["jane@example.com"]
    assert [a.addr_spec for a in received["From"].addresses] == ["chat@acme.test"]
    assert delivery.rcpt_tos == ["jane@example.com"]


async def test_html_escapes_customer_text(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp)
    script = "<script>alert(1)</script>"
    img = '"><img src=x onerror=alert(1)>'
    escalation = content(
        customer_name=img,
        page_title=script,
        page_url="javascript:alert(1)",
        transcript=[TranscriptLine(T0, "Customer", f"{script}\n{img}")],
        context=[(script, img)],
    )
    await SmtpTransport(settings_).send(build_escalation_email(escalation, settings_))
    text, html = bodies(smtp.handler.deliveries[0].parsed())

    assert "<script" not in html.lower()
    assert "<img" not in html.lower()
    assert "&lt;script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert 'href="javascript' not in html
    assert script in text and img in text  # the plain text keeps the customer's words verbatim


# --- the customer's confirmation and the agent's reply -----------------------------------------


async def test_customer_confirmation(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp)
    await SmtpTransport(settings_).send(build_customer_confirmation(content(), settings_))
    [delivery] = smtp.handler.deliveries
    assert delivery.rcpt_tos == ["jane@example.com"]
    message = delivery.parsed()
    assert message["To"] == "Jane Doe <jane@example.com>"
    assert message["From"] == "Acme <chat@acme.test>"
    assert message["Reply-To"] == f"reply+{TOKEN}@reply.acme.test"
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["Subject"] == "Acme will reply by 12:00 today"
    expected_id = confirmation_message_id(content().handoff_id, settings_)
    assert message["Message-ID"].strip() == expected_id
    text, html = bodies(message)
    for body in (text, html):
        assert "Hi Jane," in body
        assert "won't need to repeat anything" in body or "won&#39;t need to repeat" in body
        assert "by 12:00 today" in body
        assert "jane@example.com" in body


@pytest.mark.parametrize(
    "address", [None, "", "not-an-address", "a@b.c@<evil@x>", "alice@example.org(<bob@x.com>"]
)
def test_confirmation_refuses_a_bad_customer_address(address: str | None) -> None:
    with pytest.raises(InvalidEmailError) as caught:
        build_customer_confirmation(content(customer_email=address), EmailSettings())
    assert isinstance(caught.value, PermanentJobError)


async def test_agent_reply_is_threaded(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp)
    parent = "<customer-reply-1@mail.example.com>"
    message = build_reply_email(
        text="Hi Jane,\n\nI've refunded the second charge.",
        customer_email="Jane@Example.com",
        customer_name="Jane Doe",
        subject="Re: Acme will reply by 12:00 today",
        reply_token=TOKEN,
        message_key="msg-99",
        company_name="Acme",
        agent_name="Sam",
        settings=settings_,
        parent_message_id=parent,
        parent_references=[
            "<confirmation-1@reply.acme.test>",
            "not an id",
            "<a@b>\r\nBcc: evil@x",
            parent,
        ],
    )
    await SmtpTransport(settings_).send(message)
    received = smtp.handler.deliveries[0].parsed()

    assert received["Subject"] == "Re: Acme will reply by 12:00 today"
    assert received["From"] == "Sam at Acme <chat@acme.test>"
    assert received["To"] == "Jane Doe <Jane@example.com>"
    assert received["Reply-To"] == f"reply+{TOKEN}@reply.acme.test"
    assert received["Message-ID"] == "<reply-msg-99@reply.acme.test>"
    assert received["In-Reply-To"] == parent
    assert received["References"].split() == ["<confirmation-1@reply.acme.test>", parent]
    assert "Auto-Submitted" not in received  # a person wrote it
    text, html = bodies(received)
    assert "I've refunded the second charge." in text
    assert "Sam, Acme" in text
    assert "refunded the second charge" in html


def test_reply_without_parent_has_no_threading_headers() -> None:
    message = build_reply_email(
        text="Hello",
        customer_email="jane@example.com",
        customer_name=None,
        subject="Your question",
        reply_token=TOKEN,
        message_key="m",
        company_name="Acme",
        settings=EmailSettings(),
        parent_message_id="garbage",
    )
    assert "In-Reply-To" not in message and "References" not in message
    assert message["Subject"] == "Re: Your question"


def test_a_malformed_reply_token_is_refused() -> None:
    with pytest.raises(InvalidEmailError):
        build_escalation_email(content(reply_token="short"), EmailSettings())
    with pytest.raises(InvalidEmailError):
        build_escalation_email(content(reply_token=TOKEN + "\r\nBcc: x"), EmailSettings())


# --- SMTP failures ----------------------------------------------------------------------------


async def test_smtp_down_is_temporary() -> None:
    settings_ = EmailSettings(
        smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none", smtp_timeout_seconds=5
    )
    with pytest.raises(TemporaryMailError) as caught:
        await SmtpTransport(settings_).send(build_escalation_email(content(), settings_))
    assert not isinstance(caught.value, PermanentJobError)


async def test_unknown_host_is_temporary() -> None:
    settings_ = EmailSettings(
        smtp_host="no-such-host.invalid", smtp_security="none", smtp_timeout_seconds=5
    )
    with pytest.raises(TemporaryMailError):
        await SmtpTransport(settings_).send(build_escalation_email(content(), settings_))


@pytest.mark.parametrize("stage", ["rcpt", "data"])
@pytest.mark.parametrize(
    "reply", ["421 4.3.2 Service shutting down", "450 4.2.0 Busy", "451 4.3.0 Later", "452 Full"]
)
async def test_temporary_reply_then_success(smtp: SmtpTestServer, reply: str, stage: str) -> None:
    settings_ = smtp_settings(smtp)
    smtp.handler.fail_next(reply, times=1, stage=stage)  # type: ignore[arg-type]
    message = build_escalation_email(content(), settings_)
    transport = SmtpTransport(settings_)

    with pytest.raises(TemporaryMailError) as caught:
        await transport.send(message)
    assert not isinstance(caught.value, PermanentJobError)
    assert smtp.handler.deliveries == []

    await transport.send(message)  # the job runner's retry
    [delivery] = smtp.handler.deliveries
    assert delivery.parsed()["Message-ID"] == message["Message-ID"]


@pytest.mark.parametrize("stage", ["rcpt", "data"])
@pytest.mark.parametrize(
    ("reply", "code"),
    [("550 5.1.1 No such user", "550"), ("553 5.1.3 Bad address", "553"), ("554 Rejected", "554")],
)
async def test_permanent_reply(smtp: SmtpTestServer, reply: str, code: str, stage: str) -> None:
    settings_ = smtp_settings(smtp)
    smtp.handler.fail_always(reply, stage=stage)  # type: ignore[arg-type]
    with pytest.raises(PermanentJobError) as caught:
        await SmtpTransport(settings_).send(build_escalation_email(content(), settings_))
    assert code in str(caught.value)
    assert smtp.handler.deliveries == []


async def test_refused_login_is_permanent() -> None:
    with running_smtp_server(
        authenticator=refuse_every_login, auth_require_tls=False, auth_required=False
    ) as server:
        settings_ = smtp_settings(server, smtp_username="baton", smtp_password="wrong")
        with pytest.raises(PermanentJobError) as caught:
            await SmtpTransport(settings_).send(build_escalation_email(content(), settings_))
        assert "535" in str(caught.value)
        assert "wrong" not in str(caught.value)
        assert server.handler.deliveries == []


async def test_starttls_not_offered_is_permanent(smtp: SmtpTestServer) -> None:
    settings_ = smtp_settings(smtp, smtp_security="starttls")
    with pytest.raises(PermanentJobError, match="STARTTLS"):
        await SmtpTransport(settings_).send(build_escalation_email(content(), settings_))
    assert smtp.handler.deliveries == []  # never sent in the clear instead


# --- local mailbox ----------------------------------------------------------------------------


async def test_local_mailbox_writes_a_parseable_eml_once(tmp_path: Path) -> None:
    folder = tmp_path / "mailbox"
    settings_ = EmailSettings(mailbox_folder=folder)
    transport = build_transport(settings_)
    assert isinstance(transport, LocalMailbox)
    message = build_escalation_email(content(), settings_)

    note = await transport.send(message)
    again = await transport.send(message)  # a retried job

    files = sorted(folder.glob("*.eml"))
    assert len(files) == 1
    assert str(files[0]) in note and "already" in again
    assert files[0].name.endswith("-escalation-7f1c2a9e-0000-4000-8000-000000000001_localhost.eml")
    parsed = parse(files[0].read_bytes())
    assert parsed["Subject"] == message["Subject"]
    assert "Jane Doe" in bodies(parsed)[0]
    assert not list(folder.glob(".tmp-*"))


async def test_unwritable_mailbox_is_temporary(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(TemporaryMailError):
        await LocalMailbox(blocker / "mailbox").send(
            build_escalation_email(content(), EmailSettings())
        )


def test_build_transport_picks_smtp_when_a_host_is_set() -> None:
    assert isinstance(build_transport(EmailSettings(smtp_host="mail.test")), SmtpTransport)


# --- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        {"from_address": "Baton <baton@x.test>\r\nBcc: evil@x"},
        {"from_address": "a@b.test, c@d.test"},
        {"support_address": "not an address"},
        {"reply_domain": "@bad domain"},
        {"smtp_username": "user"},
        {"smtp_port": 0},
        {"inbound_smtp_host": "127.0.0.1"},
        {"unknown_key": 1},
    ],
)
def test_settings_refuse_bad_values(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        EmailSettings.model_validate(values)


def test_settings_defaults_use_the_local_mailbox() -> None:
    defaults = EmailSettings()
    assert defaults.smtp_host is None
    assert defaults.mailbox_folder == Path("mailbox")
    assert defaults.inbound_smtp_port is None
    assert all(info.description for info in EmailSettings.model_fields.values())


# --- property: any text makes a well-formed message ---------------------------------------------

_pieces = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=20),
    st.sampled_from(
        [
            "\r",
            "\n",
            "\r\n",
            "\x00",
            "\u2028",
            "\u2029",
            "\u202e",
            "=?",
            "?=",
            "Bcc: x",
            ",",
            ":",
            ";",
            "<",
            ">",
            "@",
            '"',
            "\\",
            "(",
            "evil@x.test",
        ]
    ),
)
_nasty = st.lists(_pieces, max_size=30).map("".join) | st.builds(
    lambda s: s * 40, st.text(min_size=1, max_size=300)
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=_nasty, title=_nasty, topic=_nasty, who=_nasty, text=_nasty, company=_nasty)
def test_any_text_round_trips_with_exactly_our_headers(
    name: str, title: str, topic: str, who: str, text: str, company: str
) -> None:
    settings_ = EmailSettings()
    escalation = content(
        customer_name=name,
        page_title=title,
        brief_topic=topic,
        company_name=company,
        transcript=[TranscriptLine(T0, who, text)],
    )
    message = build_escalation_email(escalation, settings_)
    parsed = parse(message.as_bytes())
    assert header_names(parsed) == ESCALATION_HEADERS
    assert parsed["Subject"] == message["Subject"]
    assert parsed["Subject"].startswith("Chat escalation from ")
    assert parsed.get_body(preferencelist=("plain",)) is not None

    reply = build_reply_email(
        text=text,
        customer_email="jane@example.com",
        customer_name=name,
        subject=topic,
        reply_token=TOKEN,
        message_key=name or "m",
        company_name=company,
        agent_name=who,
        settings=settings_,
        parent_message_id="<p@x.test>",
    )
    parsed_reply = parse(reply.as_bytes())
    assert [n.lower() for n in parsed_reply] == [n.lower() for n in reply]
    assert [a.addr_spec for a in parsed_reply["To"].addresses] == ["jane@example.com"]
    assert [a.addr_spec for a in parsed_reply["From"].addresses] == ["baton@localhost"]
    assert parsed_reply["Subject"] == reply["Subject"]
    for name in ("From", "To"):
        # Equal but for spaces: when a long non-ASCII name is wrapped into several encoded
        # words, Python's own parser can read a space between them (other clients don't).
        sent, received = reply[name].addresses[0], parsed_reply[name].addresses[0]
        assert "".join(received.display_name.split()) == "".join(sent.display_name.split())
