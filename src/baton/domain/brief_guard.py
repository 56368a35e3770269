"""The team's internal brief never reaches a customer.

The escalation email tells the team things the customer must never read: the summary ("premium
customer …"), the plan, the promise as the team sees it, the console link. A reply that quotes
it without the quote marks (forwarded, top-posted, HTML-only) would carry it into the chat;
`brief_lines_in` finds the brief's distinctive lines in any text, so such a reply is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Lines of the escalation email that only the brief has (channels/templates/escalation.*).
BRIEF_MARKERS = (
    "Promised to the customer:",
    "Open the conversation:",
    "Reply to this email to answer",
    "Chat escalation from",
    "Resolve without writing",
)


def brief_lines_in(text: str, *, distinctive: Iterable[str] = ()) -> list[str]:
    """The brief's lines found in `text`: its fixed markers, plus `distinctive` values of
    this handoff (its summary line, its console link)."""
    flat = " ".join(text.split()).lower()
    found = [marker for marker in BRIEF_MARKERS if marker.lower() in flat]
    for value in distinctive:
        cleaned = " ".join(value.split()).lower()
        if len(cleaned) >= 12 and cleaned in flat:
            found.append(value)
    return found


_FORWARD_MARKER = re.compile(
    r"^\s*-{2,}\s*(?:forwarded message|original message|begin forwarded message|"
    r"weitergeleitete nachricht|ursprüngliche nachricht|message transféré|message d'origine|"
    r"mensaje reenviado|mensaje original|messaggio inoltrato)\s*:?\s*-*\s*$",
    re.IGNORECASE | re.MULTILINE,
)


def new_words(text: str) -> str:
    """The text a person wrote, without the marker lines a forward leaves ("---------- Forwarded
    message ---------"): a forward with nothing added is no new text."""
    return _FORWARD_MARKER.sub("", text).strip()
