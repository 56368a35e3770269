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
            ("this is useless, the courier still hasn't brought my parcel",),
            [R.EMOTIONAL, R.KNOWLEDGE_GAP],
            None,
            "Customer is asking about a delivery — customer is frustrated",
        ),
        (
            ("can I talk to a person",),
            [R.EXPLICIT_REQUEST],
            None,
            "Customer is asking about nothing specific yet — asked for a person",
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


def test_the_matched_article_names_the_topic_when_the_reader_is_unsure() -> None:
    summary = summarise_handoff(_turns("hmm ok, linen?"), [R.KNOWLEDGE_GAP], None, "Linen care")
    assert (summary.topic, summary.brief_topic, summary.topic_id) == (
        "linen care",
        "linen care",
        None,
    )


def test_brief_topic_reads_like_the_seed_subject() -> None:
    summary = summarise_handoff(
        _turns("you took money from my card again, this is not acceptable"), [R.EMOTIONAL], None
    )
    assert summary.brief_topic == "billing question, potential refund"
    assert summary.line == "Customer is asking about billing — customer is frustrated"


@pytest.mark.parametrize(
    ("texts", "topic", "brief"),
    [
        # Once a sentence's own words: "sell replacement parts zephyr 3000".
        (("Are there spare parts for the Aurora 500 blender?",), "a product", "product question"),
        # Once "name carla jones zephyr 3000".
        (
            ("My name is Dana Whitfield, the Aurora 500 makes a grinding noise and stops",),
            "a technical problem",
            "technical problem",
        ),
        (
            ("hello", "I never got the code to log in to my account"),
            "account access",
            "account access",
        ),
        (
            ("Quiero que me devolváis el dinero del pedido", "¿hay alguien?"),
            "a refund",
            "refund request",
        ),
    ],
    ids=["parts", "introduces-herself", "greeting-first", "spanish-refund"],
)
def test_the_topic_is_what_a_person_would_write(
    texts: tuple[str, ...], topic: str, brief: str
) -> None:
    summary = summarise_handoff(_turns(*texts), [R.EXPLICIT_REQUEST])
    assert (summary.topic, summary.brief_topic) == (topic, brief)
    assert summary.line == f"Customer is asking about {topic} — asked for a person"


def test_a_product_question_is_named_by_its_article() -> None:
    summary = summarise_handoff(
        _turns("is the linen duvet cover machine washable?"), [R.KNOWLEDGE_GAP], None, "Linen care"
    )
    assert summary.brief_topic == "linen care"
    without = summarise_handoff(_turns("is the linen duvet cover machine washable?"), [])
    assert without.brief_topic == "product question"


def test_an_article_title_keeps_its_accents() -> None:
    summary = summarise_handoff(_turns("euh"), [R.KNOWLEDGE_GAP], None, "Crème brûlée à emporter")
    assert summary.brief_topic == "crème brûlée à emporter"
    assert "crème brûlée à emporter" in summary.line


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
