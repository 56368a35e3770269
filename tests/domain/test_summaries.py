from __future__ import annotations

import pytest

from baton.domain.reasons import ReasonCategory as R
from baton.domain.summaries import describe_context, summarise_handoff
from baton.domain.turns import ContactView, PageView, Turn


def _turns(*texts: str) -> list[Turn]:
    return [Turn("customer", text) for text in texts]


@pytest.mark.parametrize(
    ("texts", "reasons", "contact", "expected"),
    [
        (
            ("my card got charged twice for order 5521",),
            [R.KNOWLEDGE_GAP],
            None,
            "Customer is asking about billing — bot reached its knowledge limit",
        ),
        (
            ("this is useless, where is my parcel?",),
            [R.EMOTIONAL, R.KNOWLEDGE_GAP],
            None,
            "Customer is asking about a delivery — customer is frustrated",
        ),
        (
            ("can I talk to a person",),
            [R.EXPLICIT_REQUEST],
            None,
            "Customer is asking about talk person — asked for a person",
        ),
        (
            ("why was I billed twice this month",),
            [R.HIGH_VALUE, R.COMPLEX_ISSUE],
            ContactView(attributes={"plan": "Premium annual"}),
            "Customer is asking about billing — premium customer with a billing problem",
        ),
    ],
    ids=["gap", "frustrated", "explicit", "premium-billing"],
)
def test_summary_names_topic_and_reason(
    texts: tuple[str, ...], reasons: list[R], contact: ContactView | None, expected: str
) -> None:
    assert summarise_handoff(_turns(*texts), reasons, contact).line == expected


def test_the_matched_article_names_the_topic_when_no_family_fits() -> None:
    summary = summarise_handoff(
        _turns("how do I look after linen"), [R.KNOWLEDGE_GAP], None, "Linen care"
    )
    assert summary.topic == "linen care"


def test_brief_topic_reads_like_the_seed_subject() -> None:
    summary = summarise_handoff(
        _turns("I was charged again, this is unacceptable"), [R.EMOTIONAL], None
    )
    assert summary.brief_topic == "billing question, potential refund"


def test_context_lists_page_and_attributes() -> None:
    lines = describe_context(
        ContactView(
            attributes={"plan": "pro", "lifetime_value": 1200, "returning": True, "team_size": 8}
        ),
        PageView("https://shop.example/pricing", "Pricing"),
    )
    assert lines == [
        ("Page", "Pricing — https://shop.example/pricing"),
        ("Returning visitor", "yes"),
        ("Plan", "pro"),
        ("Lifetime value", "1200"),
        ("Team size", "8"),
    ]
