"""Commands a team member writes in an emailed reply, such as `#resolve` on its first line.

A command is a first line made of `#` and one word and nothing else (case does not matter,
a closing full stop is forgiven): "#resolve". What follows it is the reply to the customer, if
anything; the command line itself is never sent on. A first line like "#4471 is your order"
is no command (a word starts with a letter), nor is "#hashtags are fun" (an unknown word with
more on its line), so such text is posted as written; but "#resolve it please" is read as a
command written wrongly, so a command word never reaches a customer by mistake
(docs/handoff.md, "Working from the inbox").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class MailAction(StrEnum):
    RESOLVE = "resolve"


# Each spelling a team may use, and what it does.
COMMANDS: dict[str, MailAction] = {
    "resolve": MailAction.RESOLVE,
    "resolved": MailAction.RESOLVE,
    "close": MailAction.RESOLVE,
    "closed": MailAction.RESOLVE,
}
# What the sender of an unknown command is told the commands are.
COMMAND_HELP = "#resolve (or #close)"

_COMMAND_LINE = re.compile(r"^#([A-Za-z][A-Za-z_-]{0,31})[.!]?(\s.*)?$")
# Characters some clients put around a line that are invisible to the person who wrote it.
_INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00a0"


@dataclass(frozen=True, slots=True)
class MailCommand:
    """A command line: the word as written (lowercased), what it does (None when unknown),
    and the rest of the reply, for the customer."""

    word: str
    action: MailAction | None
    rest: str
    # False when more followed the command on its line ("#resolve it please").
    alone: bool = True


def read_mail_command(text: str) -> MailCommand | None:
    """The command on the first non-blank line of `text` (already stripped of quotes and
    signature), or None when that line is no command."""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        cleaned = line.strip().strip(_INVISIBLE).strip()
        if not cleaned:
            continue
        match = _COMMAND_LINE.match(cleaned)
        if match is None:
            return None
        word = match.group(1).lower()
        action = COMMANDS.get(word)
        alone = not (match.group(2) or "").strip()
        if not alone and action is None:
            return None
        rest = "\n".join(lines[index + 1 :]).strip()
        return MailCommand(word=word, action=action, rest=rest, alone=alone)
    return None
