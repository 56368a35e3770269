"""Card numbers never stored: redacted on the way in, before the database, logs, email or any
integration sees them (PCI DSS 3.3/3.4; the same rule as Zendesk's automatic redaction).

A card number is 12 to 19 digits, possibly grouped by spaces or dashes, that passes the Luhn
check. Numbers after a "+" (phone numbers) and inside URLs are left alone. The first 6 and last 4
digits are kept, so an agent can still tell which card the customer means.
"""

from __future__ import annotations

import re

_CANDIDATE = re.compile(r"(?<![\d+])(?:\d[ -]?){11,18}\d(?!\d)")
_URL = re.compile(r"\bhttps?://\S+|\bwww\.\S+", re.IGNORECASE)


def luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def redact_card_numbers(text: str) -> str:
    """`text` with every card number masked as 411111******1111."""
    urls = [match.span() for match in _URL.finditer(text)]

    def mask(match: re.Match[str]) -> str:
        start = match.start()
        if any(a <= start < b for a, b in urls):
            return match.group()
        digits = re.sub(r"\D", "", match.group())
        if not 12 <= len(digits) <= 19 or not luhn_ok(digits):
            return match.group()
        return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]

    return _CANDIDATE.sub(mask, text)
