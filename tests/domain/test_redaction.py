from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from baton.domain.redaction import luhn_ok, redact_card_numbers


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my card 4111 1111 1111 1111 was charged", "my card 411111******1111 was charged"),
        ("4111-1111-1111-1111", "411111******1111"),
        ("5500005555555559", "550000******5559"),
        ("call me on +44 7911 123456", "call me on +44 7911 123456"),
        ("order 1234567890123 arrived", "order 1234567890123 arrived"),  # fails Luhn
        (
            "see https://shop.example/o/4111111111111111",
            "see https://shop.example/o/4111111111111111",
        ),
        ("order 5521, twice", "order 5521, twice"),
    ],
    ids=["spaces", "dashes", "mastercard", "phone", "not-luhn", "url", "short"],
)
def test_card_numbers_are_masked_and_nothing_else(text: str, expected: str) -> None:
    assert redact_card_numbers(text) == expected


def _luhn_complete(prefix: str) -> str:
    for check in "0123456789":
        if luhn_ok(prefix + check):
            return prefix + check
    raise AssertionError("unreachable")


@given(
    st.text(st.sampled_from("0123456789"), min_size=11, max_size=15).map(lambda p: "4" + p),
    st.sampled_from([" ", "-", ""]),
    st.text(alphabet=st.characters(blacklist_categories=("Nd",)), max_size=20),
)
def test_every_valid_card_number_is_redacted_whatever_the_grouping(
    prefix: str, separator: str, filler: str
) -> None:
    number = _luhn_complete(prefix)
    grouped = separator.join(number[i : i + 4] for i in range(0, len(number), 4))
    redacted = redact_card_numbers(f"{filler} {grouped} {filler}")
    assert number not in redacted.replace(" ", "").replace("-", "")
    assert number[:6] in redacted.replace(" ", "").replace("-", "")
