"""Reading a command on the first line of a team member's emailed reply."""

from __future__ import annotations

import pytest

from baton.domain.mail_commands import MailAction, MailCommand, read_mail_command

RESOLVE = MailAction.RESOLVE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#resolve", MailCommand("resolve", RESOLVE, "")),
        ("#RESOLVE", MailCommand("resolve", RESOLVE, "")),
        ("#Close.", MailCommand("close", RESOLVE, "")),
        ("  #resolved  \n\nThanks, Ana.", MailCommand("resolved", RESOLVE, "Thanks, Ana.")),
        ("\n\n#close\nLine one\nLine two", MailCommand("close", RESOLVE, "Line one\nLine two")),
        ("\u200b#resolve\u00a0\nBye", MailCommand("resolve", RESOLVE, "Bye")),
        ("#snooze", MailCommand("snooze", None, "")),
        ("#resolve it please", MailCommand("resolve", RESOLVE, "", alone=False)),
        ("#hashtags are fun", None),
        ("#4471 is your order number", None),
        ("Thanks!\n#resolve", None),
        ("# resolve", None),
        ("", None),
    ],
    ids=[
        "alone",
        "upper-case",
        "alias-with-full-stop",
        "text-below",
        "blank-lines-first",
        "invisible-characters",
        "unknown",
        "more-on-its-line",
        "a-hashtag",
        "a-number",
        "not-the-first-line",
        "a-space-after-the-hash",
        "empty",
    ],
)
def test_the_first_line_is_read_as_a_command(text: str, expected: MailCommand | None) -> None:
    assert read_mail_command(text) == expected
