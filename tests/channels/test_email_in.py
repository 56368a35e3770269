"""Inbound email: who sent it, which conversation, the new text only, and what a machine sent."""

from __future__ import annotations

import contextlib
import tracemalloc
from email import policy
from email.message import EmailMessage

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baton.channels.email_in import InboundMail, InboundMailError, html_to_text, parse_inbound
from baton.channels.email_out import build_escalation_email
from baton.domain.email_settings import EmailSettings
from tests.channels.test_email_out import TOKEN, content

SETTINGS = EmailSettings(reply_domain="reply.acme.test", max_inbound_bytes=64 * 1024)
REPLY_TO_US = f"reply+{TOKEN}@reply.acme.test"


def raw_mail(body: str = "Thanks, that works.", *headers: str, crlf: bool = True) -> bytes:
    """A mail written line by line, so tests control every byte of the headers."""
    lines = list(headers) or ["From: Jane Doe <jane@example.com>", f"To: {REPLY_TO_US}"]
    if not any(h.lower().startswith("content-type:") for h in lines):
        lines += ["MIME-Version: 1.0", 'Content-Type: text/plain; charset="utf-8"']
    text = "\n".join([*lines, "", body])
    return text.replace("\n", "\r\n").encode() if crlf else text.encode()


def reply_mail(body: str, **extra: str) -> bytes:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = extra.pop("From", "Jane Doe <jane@example.com>")
    message["To"] = extra.pop("To", REPLY_TO_US)
    message["Subject"] = extra.pop("Subject", "Re: Acme will reply by 12:00 today")
    message["Message-ID"] = "<jane-1@mail.example.com>"
    message["In-Reply-To"] = "<confirmation-h1@reply.acme.test>"
    message["References"] = "<confirmation-h1@reply.acme.test>"
    for name, value in extra.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def parse(raw: bytes) -> InboundMail:
    return parse_inbound(raw, SETTINGS)


# --- sender, token and threading --------------------------------------------------------------


def test_a_plain_reply() -> None:
    mail = parse(reply_mail("Yes, please refund the second charge."))
    assert mail.from_address == "jane@example.com"
    assert mail.from_name == "Jane Doe"
    assert mail.reply_token == TOKEN
    assert mail.message_id == "<jane-1@mail.example.com>"
    assert mail.in_reply_to == "<confirmation-h1@reply.acme.test>"
    assert mail.references == ("<confirmation-h1@reply.acme.test>",)
    assert mail.subject == "Re: Acme will reply by 12:00 today"
    assert mail.new_text == "Yes, please refund the second charge."
    assert mail.body_source == "plain"
    assert not mail.is_automatic and mail.automatic_reason is None
    assert mail.raw.startswith(b"From: Jane Doe")


@pytest.mark.parametrize(
    "headers",
    [
        ("From: jane@example.com", "To: someone@example.com", f"Cc: Acme <{REPLY_TO_US}>"),
        ("From: jane@example.com", "To: support@acme.test", f"Delivered-To: {REPLY_TO_US}"),
        ("From: jane@example.com", "To: support@acme.test", f"X-Original-To: <{REPLY_TO_US}>"),
        ("From: jane@example.com", f"To: REPLY+{TOKEN}@Reply.Acme.Test"),
        ("From: jane@example.com", f'To: "Acme, Support" <Reply+{TOKEN}@reply.acme.test>'),
        ("From: jane@example.com", f"To: a@b.test, {REPLY_TO_US}"),
    ],
)
def test_the_token_is_found_wherever_it_is(headers: tuple[str, ...]) -> None:
    assert parse(raw_mail("hello", *headers)).reply_token == TOKEN


@pytest.mark.parametrize(
    "to",
    [
        f"reply+{TOKEN}@evil.test",  # not our reply domain
        "reply+short@reply.acme.test",  # too short to be a token
        f"noreply+{TOKEN}@reply.acme.test",
        f'"reply+{TOKEN}@reply.acme.test" <attacker@evil.test>',  # only in the display name
    ],
)
def test_no_token_when_it_is_not_ours(to: str) -> None:
    assert parse(raw_mail("hello", "From: jane@example.com", f"To: {to}")).reply_token is None


def test_reply_to_never_sets_the_sender() -> None:
    raw = raw_mail(
        "Please send the refund to my new card.",
        "From: Attacker <attacker@evil.test>",
        "Reply-To: Jane Doe <jane@example.com>",
        "Sender: jane@example.com",
        f"To: {REPLY_TO_US}",
    )
    mail = parse(raw)
    assert mail.from_address == "attacker@evil.test"
    assert mail.from_name == "Attacker"


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        (("To: a@b.test",), "no From"),
        (("From: a@b.test", "From: c@d.test"), "several From"),
        (("From: a@b.test, c@d.test",), "exactly one"),
        (("From: Jane",), ""),
        (("From: <>",), ""),
    ],
)
def test_no_usable_sender_is_refused(headers: tuple[str, ...], reason: str) -> None:
    with pytest.raises(InboundMailError) as caught:
        parse(raw_mail("hello", *headers))
    assert reason in caught.value.reason


def test_oversized_mail_is_refused() -> None:
    with pytest.raises(InboundMailError, match="over the"):
        parse(reply_mail("x" * 70_000))


def test_unknown_charset_is_refused() -> None:
    raw = raw_mail(
        "hello",
        "From: jane@example.com",
        f"To: {REPLY_TO_US}",
        "Content-Type: text/plain; charset=x-no-such-charset",
    )
    with pytest.raises(InboundMailError, match="charset"):
        parse(raw)


def test_eight_bit_headers_and_bad_bytes_do_not_crash() -> None:
    raw = (
        b"From: J\xe9r\xf4me <jerome@example.com>\r\nTo: " + REPLY_TO_US.encode() + b"\r\n"
        b"Subject: caf\xe9 \xff\xfe\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        b"Bonjour \xff\xfe\xfd, merci.\r\n"
    )
    mail = parse(raw)
    assert mail.from_address == "jerome@example.com"
    assert "Bonjour" in mail.new_text


def test_deeply_nested_mail_is_handled() -> None:
    inner = raw_mail("innermost", "From: x@y.test", "To: z@y.test")
    for _ in range(60):
        inner = (
            b"From: x@y.test\r\nTo: z@y.test\r\nMIME-Version: 1.0\r\n"
            b'Content-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n'
            b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--b--\r\n"
        )
    raw = (
        b"From: jane@example.com\r\nTo: " + REPLY_TO_US.encode() + b"\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/mixed; boundary="top"\r\n\r\n--top\r\n'
        b"Content-Type: text/plain\r\n\r\nSee attached.\r\n--top\r\n"
        b"Content-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--top--\r\n"
    )
    try:
        mail = parse_inbound(raw, EmailSettings(reply_domain="reply.acme.test"))
    except InboundMailError as error:
        assert error.reason
    else:
        assert mail.new_text == "See attached."


# --- quoted history ---------------------------------------------------------------------------

GMAIL = """Yes, please refund the second charge.

On Mon, 23 Nov 2026 at 10:00, Acme Support <
reply+tok@reply.acme.test> wrote:

> Hi Jane,
> Could you confirm which charge is the duplicate?
>
> > older quoted text
"""

OUTLOOK = """Yes please refund it, the one on the 21st.

-----Original Message-----
From: Acme Support <chat@acme.test>
Sent: Monday, November 23, 2026 10:00 AM
To: Jane Doe <jane@example.com>
Subject: Acme will reply by 12:00 today

Hi Jane, could you confirm which charge?
"""

OUTLOOK_NEW = """The one on the 21st, please.

________________________________
From: Acme Support <chat@acme.test>
Sent: Monday, 23 November 2026 10:00
To: Jane Doe <jane@example.com>
Subject: Acme will reply by 12:00 today

Hi Jane, could you confirm which charge?
"""

APPLE = """Refund the 21st one please.

> On 23 Nov 2026, at 10:00, Acme Support <chat@acme.test> wrote:
>
> Hi Jane, could you confirm which charge?
"""

GERMAN = """Ja, bitte die zweite Abbuchung erstatten.

Am 23.11.2026 um 10:00 schrieb Acme Support <chat@acme.test>:
> Hallo Jane, welche Abbuchung ist doppelt?
"""

GERMAN_OUTLOOK = """Die vom 21. bitte.

Von: Acme Support <chat@acme.test>
Gesendet: Montag, 23. November 2026 10:00
An: Jane Doe <jane@example.com>
Betreff: Acme antwortet bis 12:00

Hallo Jane, welche Abbuchung?
"""

FRENCH = """Oui, remboursez le second prélèvement.

Le lun. 23 nov. 2026 à 10:00, Acme Support <chat@acme.test> a écrit :
> Bonjour Jane, quel prélèvement est en double ?
"""

SPANISH = """Sí, el segundo cargo por favor.

El lun, 23 nov 2026 a las 10:00, Acme Support (<chat@acme.test>) escribió:
> Hola Jane, ¿qué cargo está duplicado?
"""

BOTTOM_POSTED = """On Mon, 23 Nov 2026 at 10:00, Acme <chat@acme.test> wrote:
> Could you confirm which charge?

The one on the 21st.
"""


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (GMAIL, "Yes, please refund the second charge."),
        (OUTLOOK, "Yes please refund it, the one on the 21st."),
        (OUTLOOK_NEW, "The one on the 21st, please."),
        (APPLE, "Refund the 21st one please."),
        (GERMAN, "Ja, bitte die zweite Abbuchung erstatten."),
        (GERMAN_OUTLOOK, "Die vom 21. bitte."),
        (FRENCH, "Oui, remboursez le second prélèvement."),
        (SPANISH, "Sí, el segundo cargo por favor."),
        (BOTTOM_POSTED, "The one on the 21st."),
        ("Just this.\n\n-- \nJane Doe\nAcme Customer", "Just this."),
    ],
    ids=[
        "gmail",
        "outlook",
        "outlook-new",
        "apple",
        "de",
        "de-outlook",
        "fr",
        "es",
        "bottom",
        "sig",
    ],
)
def test_only_the_new_text_is_kept(body: str, expected: str) -> None:
    mail = parse(reply_mail(body))
    assert mail.new_text == expected
    assert "Original Message" in mail.text or "wrote" in mail.text or mail.text != mail.new_text
    assert body.splitlines()[-1].strip() in mail.raw.decode()  # the raw MIME keeps everything


def test_html_only_gmail_reply() -> None:
    html = (
        '<div dir="ltr">Yes, refund it &amp; thanks.<br>Jane</div><br>'
        '<div class="gmail_quote"><div class="gmail_attr">On Mon, 23 Nov 2026 at 10:00, '
        "Acme &lt;chat@acme.test&gt; wrote:<br></div>"
        '<blockquote class="gmail_quote">Hi Jane,<br>which charge?</blockquote></div>'
        "<script>alert(1)</script><style>p {color: red}</style>"
    )
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "jane@example.com"
    message["To"] = REPLY_TO_US
    message.set_content(html, subtype="html")
    mail = parse(message.as_bytes())
    assert mail.body_source == "html"
    assert mail.new_text == "Yes, refund it & thanks.\nJane"
    assert "alert" not in mail.text and "color" not in mail.text


def test_html_to_text_keeps_paragraphs_and_marks_quotes() -> None:
    text = html_to_text("<p>One</p><p>Two<br>Three</p><blockquote><p>old</p></blockquote>")
    assert text == "One\n\nTwo\nThree\n\n> old"


def test_plain_text_is_preferred_over_html() -> None:
    message = EmailMessage(policy=policy.SMTP)
    message["From"] = "jane@example.com"
    message["To"] = REPLY_TO_US
    message.set_content("plain words")
    message.add_alternative("<p>html words</p>", subtype="html")
    mail = parse(message.as_bytes())
    assert (mail.body_source, mail.new_text) == ("plain", "plain words")


def test_a_reply_to_our_own_escalation_email_parses() -> None:
    escalation = build_escalation_email(content(), SETTINGS)
    reply = EmailMessage(policy=policy.SMTP)
    reply["From"] = "Sam <sam@acme.test>"
    reply["To"] = str(escalation["Reply-To"])
    reply["Subject"] = f"Re: {escalation['Subject']}"
    reply["In-Reply-To"] = str(escalation["Message-ID"])
    quoted = "\n".join("> " + line for line in str(escalation.get_body(("plain",))).splitlines())
    reply.set_content(f"Refunded, Jane.\n\nOn Mon, 23 Nov 2026 at 10:03, Acme wrote:\n{quoted}\n")
    mail = parse(reply.as_bytes())
    assert mail.reply_token == TOKEN
    assert mail.in_reply_to == str(escalation["Message-ID"]).strip()
    assert mail.new_text == "Refunded, Jane."


# --- automatic mail ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        ({"Auto_Submitted": "auto-replied"}, "Auto-Submitted"),
        ({"Auto_Submitted": "auto-generated"}, "Auto-Submitted"),
        ({"Precedence": "bulk"}, "Precedence"),
        ({"Precedence": "junk"}, "Precedence"),
        ({"Precedence": "list"}, "Precedence"),
        ({"Return_Path": "<>"}, "Return-Path"),
        ({"X_Autoreply": "yes"}, "X-Autoreply"),
        ({"X_Autorespond": "yes"}, "X-Autorespond"),
        ({"Subject": "Automatic reply: Re: your question"}, "subject"),
        ({"Subject": "Out of Office: back on Monday"}, "subject"),
        ({"From": "MAILER-DAEMON@mx.example.com"}, "MAILER-DAEMON"),
        ({"From": "no-reply@service.example.com"}, "no-reply"),
    ],
)
def test_automatic_mail_is_flagged(extra: dict[str, str], reason: str) -> None:
    mail = parse(reply_mail("I am out of the office until Monday.", **extra))
    assert mail.is_automatic
    assert mail.automatic_reason is not None and reason in mail.automatic_reason


def test_auto_submitted_no_is_a_person() -> None:
    assert not parse(reply_mail("hi", Auto_Submitted="no")).is_automatic


def test_a_bounce_is_flagged() -> None:
    raw = (
        "Return-Path: <>\r\n"
        "From: Mail Delivery System <mailer-daemon@mx.example.com>\r\n"
        f"To: {REPLY_TO_US}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThis is the mail system. I'm sorry...\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\nFinal-Recipient: rfc822; jane@example.com\r\n"
        "Action: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    ).encode()
    mail = parse(raw)
    assert mail.is_automatic
    assert mail.automatic_reason == "empty Return-Path (a bounce)"
    without_return_path = raw.replace(b"Return-Path: <>\r\n", b"").replace(
        b"mailer-daemon@", b"postbox@"
    )
    report = parse(without_return_path)
    assert report.automatic_reason is not None and "multipart/report" in report.automatic_reason


# --- property: no input crashes the parser -----------------------------------------------------

_header_lines = st.lists(
    st.one_of(
        st.sampled_from(
            [
                b"From: jane@example.com",
                b"From: =?utf-8?b?/w==?= <a@b.test>",
                b"From: alice@example.org(<bob@example.com>",
                b"From: a@b.c@<evil@x>",
                f"To: {REPLY_TO_US}".encode(),
                b"To: reply+",
                b"Cc: ,,,<<>>",
                b"Content-Type: multipart/mixed; boundary=x",
                b"Content-Type: text/plain; charset=nope",
                b"Content-Type: text/html; charset=utf-16",
                b"Content-Transfer-Encoding: base64",
                b"Content-Transfer-Encoding: quoted-printable",
                b"Subject: =?utf-8?q?=FF=FE?=",
                b"Return-Path: <>",
                b"References: <<<>>>",
                b"--x",
                b"",
            ]
        ),
        st.binary(max_size=80),
    ),
    max_size=12,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise_anything_but_inbound_mail_error(raw: bytes) -> None:
    with contextlib.suppress(InboundMailError):
        parse_inbound(raw, SETTINGS)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_header_lines, st.binary(max_size=1000), st.sampled_from([b"\r\n", b"\n", b"\r"]))
def test_mail_shaped_garbage_never_raises_anything_but_inbound_mail_error(
    lines: list[bytes], body: bytes, newline: bytes
) -> None:
    raw = newline.join([*lines, b"", body])
    try:
        mail = parse_inbound(raw, SETTINGS)
    except InboundMailError as error:
        assert error.reason
    else:
        assert "@" in mail.from_address
        assert isinstance(mail.new_text, str)


# --- limits, enforced while the parser reads --------------------------------------------------


def many_parts(count: int) -> bytes:
    head = (
        f"From: jane@example.com\r\nTo: {REPLY_TO_US}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/mixed; boundary="b"\r\n\r\n'
    ).encode()
    part = b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
    return head + part * count + b"--b--\r\n"


def test_a_mail_of_thousands_of_parts_is_refused_without_being_parsed_whole() -> None:
    raw = many_parts(5_000)
    peaks = []
    # tracemalloc counts every thread's allocations: threads other tests left behind can add to
    # one reading, so the smallest of three stands for the parser.
    for _ in range(3):
        tracemalloc.start()
        try:
            with pytest.raises(InboundMailError, match="more than 200 MIME parts"):
                parse_inbound(raw, EmailSettings(reply_domain="reply.acme.test"))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
    peak = min(peaks)
    # Parsed whole, 5,000 parts take about 19 times the mail's size in memory; stopped at the
    # 201st part, the parser holds little more than the decoded text.
    assert peak < 10 * len(raw)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (
            raw_mail(
                "hi",
                "From: jane@example.com",
                f"To: {REPLY_TO_US}",
                *(f"X-Noise-{n}: {n}" for n in range(600)),
            ),
            "more than 500 headers",
        ),
        (
            raw_mail(
                "hi", "From: jane@example.com", f"To: {REPLY_TO_US}", "X-Big: " + "a" * 70_000
            ),
            "header longer than",
        ),
        (
            b"From: jane@example.com\r\nTo: "
            + REPLY_TO_US.encode()
            + b"\r\nMIME-Version: 1.0\r\n"
            + b"".join(
                f'Content-Type: multipart/mixed; boundary="b{n}"\r\n\r\n--b{n}\r\n'.encode()
                for n in range(30)
            )
            + b"Content-Type: text/plain\r\n\r\ndeep\r\n",
            "more than 20 deep",
        ),
    ],
    ids=["header-count", "header-size", "depth"],
)
def test_header_and_depth_limits_stop_the_parser(raw: bytes, reason: str) -> None:
    with pytest.raises(InboundMailError, match=reason):
        parse_inbound(raw, EmailSettings(reply_domain="reply.acme.test"))
