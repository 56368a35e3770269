from __future__ import annotations

import pytest

from baton.domain.policy import DecisionKind, PolicySettings, decide
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import Signal, SignalKind, read_signals
from baton.domain.turns import ContactView, Turn
from baton.escalation import EscalationSettings, assess

K, R, D = SignalKind, ReasonCategory, DecisionKind

EXPLICIT = Signal(K.EXPLICIT_ASK, R.EXPLICIT_REQUEST, 1.0, "talk to a person")
FALLBACK = Signal(K.BOT_FALLBACK, R.KNOWLEDGE_GAP, 0.55, "the bot could not answer")
MILD = Signal(K.REPEATED_PUNCTUATION, R.EMOTIONAL, 0.3, '"??"')
ANGRY = Signal(K.NEGATIVE_WORDS, R.EMOTIONAL, 0.55, '"unacceptable"')
SHOUT = Signal(K.SHOUTING, R.EMOTIONAL, 0.55, '"WHERE IS MY ORDER"')
VIP = Signal(K.HIGH_VALUE_CONTACT, R.HIGH_VALUE, 0.15, "plan 'premium'")
CHECKOUT = Signal(K.PAGE, R.HIGH_VALUE, 0.1, "checkout page")


@pytest.mark.parametrize(
    ("signals", "kind", "reasons"),
    [
        pytest.param([], D.NONE, (), id="nothing"),
        pytest.param([EXPLICIT], D.ESCALATE, (R.EXPLICIT_REQUEST,), id="explicit-at-once"),
        pytest.param([MILD], D.NONE, (), id="mild-alone"),
        pytest.param([FALLBACK], D.OFFER, (R.KNOWLEDGE_GAP,), id="fallback-offers"),
        pytest.param([ANGRY, SHOUT], D.ESCALATE, (R.EMOTIONAL,), id="strong-escalates"),
        pytest.param([VIP], D.NONE, (), id="high-value-alone"),
        pytest.param([VIP, CHECKOUT], D.NONE, (), id="high-value-on-checkout-alone"),
        pytest.param([VIP, MILD], D.OFFER, (R.EMOTIONAL, R.HIGH_VALUE), id="high-value-in-trouble"),
        pytest.param(
            [EXPLICIT, VIP], D.ESCALATE, (R.EXPLICIT_REQUEST, R.HIGH_VALUE), id="explicit-vip"
        ),
    ],
)
def test_decisions(signals: list[Signal], kind: DecisionKind, reasons: tuple[R, ...]) -> None:
    decision = decide(signals)
    assert decision.kind is kind
    assert decision.reasons == reasons
    assert 0.0 <= decision.score <= 1.0


def test_high_value_lowers_the_bar_only_with_trouble() -> None:
    settings = PolicySettings(offer_threshold=0.5, high_value_offer_threshold=0.3)
    assert decide([MILD], settings=settings).kind is D.NONE
    assert decide([MILD, VIP], settings=settings).kind is D.OFFER
    assert decide([VIP], settings=settings).kind is D.NONE


@pytest.mark.parametrize(
    ("signals", "declined_at", "kind"),
    [
        pytest.param([FALLBACK], 0.55, D.NONE, id="same-signal-not-repeated"),
        pytest.param([FALLBACK, MILD], 0.55, D.OFFER, id="stronger-after-decline"),
        pytest.param([EXPLICIT], 0.9, D.ESCALATE, id="explicit-after-decline"),
        pytest.param([FALLBACK], None, D.OFFER, id="no-decline"),
    ],
)
def test_a_declined_offer_is_not_repeated(
    signals: list[Signal], declined_at: float | None, kind: DecisionKind
) -> None:
    decision = decide(signals, offer_declined_at_score=declined_at)
    assert decision.kind is kind
    if declined_at is not None and kind is D.NONE:
        assert "declined" in decision.explain()


def test_thresholds_come_from_settings() -> None:
    strict = PolicySettings(offer_threshold=0.8, escalate_threshold=0.95)
    assert decide([FALLBACK], settings=strict).kind is D.NONE
    assert decide([ANGRY, SHOUT], settings=strict).kind is D.ESCALATE


def test_explain_names_the_signals_and_their_words() -> None:
    text = decide([ANGRY, MILD]).explain()
    assert text.startswith("offer (score 0.85): emotional")
    assert "negative_words" in text and '"unacceptable"' in text
    assert "emotional" in text


def test_settings_fields_are_documented() -> None:
    for model in (PolicySettings, EscalationSettings().signals.__class__):
        for name, field in model.model_fields.items():
            assert field.description or name == "weights", f"{model.__name__}.{name}"


# --- the library call, end to end ----------------------------------------------------------------


def test_assess_offers_after_fallbacks_and_sarcasm() -> None:
    history = [
        Turn("customer", "can I restrict guests to one column?"),
        Turn("bot", "Sorry, I don't have an answer for that.", outcome="fallback"),
        Turn("customer", "what about hiding a single field"),
        Turn("bot", "I'm not sure about that one.", outcome="fallback"),
    ]
    decision = assess("great. so you know nothing. brilliant", history)
    assert decision.kind is D.ESCALATE
    assert set(decision.reasons) >= {R.KNOWLEDGE_GAP, R.EMOTIONAL}


def test_assess_high_value_routine_question_is_left_to_the_bot() -> None:
    contact = ContactView(attributes={"plan": "enterprise", "lifetime_value": 310000})
    history = [
        Turn("customer", "Where are the shortcuts?"),
        Turn("bot", "Press ?", outcome="answered"),
    ]
    assert assess("Ha, easy. Thanks.", history, contact).kind is D.NONE
    assert assess("How do I make someone an admin?", [], contact).kind is D.NONE


def test_assess_high_value_with_trouble_names_high_value() -> None:
    contact = ContactView(attributes={"plan": "business", "lifetime_value": 52000})
    decision = assess("Third outage this quarter. This is unacceptable.", [], contact)
    assert decision.kind is not D.NONE
    assert R.HIGH_VALUE in decision.reasons and R.EMOTIONAL in decision.reasons


def test_assess_declined_offer_then_explicit_ask() -> None:
    history = [Turn("customer", "my order is late"), Turn("bot", "Sorry!", outcome="fallback")]
    first = assess("it's for a party tonight", history)
    assert first.kind is D.OFFER
    again = assess("ok, what else can I do", history, offer_declined_at_score=first.score)
    assert again.kind is D.NONE
    asked = assess("fine, let me talk to a person", history, offer_declined_at_score=first.score)
    assert asked.kind is D.ESCALATE


def test_read_signals_and_decide_compose() -> None:
    signals = read_signals("WHERE IS MY FOOD", [])
    assert decide(signals).kind is not D.NONE


def test_library_example_in_the_docs() -> None:
    history = [
        Turn("customer", "Can I restrict guests to one column of a board?"),
        Turn("bot", "Sorry, I don't have an answer for that.", outcome="fallback"),
    ]
    decision = assess("what about hiding a single field from guests", history)
    assert decision.kind is D.OFFER
    assert decision.reasons == (R.KNOWLEDGE_GAP,)
    assert decision.explain().startswith("offer (score 0.55): knowledge_gap")
    again = assess("ok, and can guests comment?", history, offer_declined_at_score=decision.score)
    assert again.kind is D.NONE


@pytest.mark.parametrize(
    "message",
    [
        "How do I cancel my order?",
        "What's your refund policy for sale items?",
        "Can I speak to you in French?",
        "Is there a person limit for the group class?",
        "What's the phone number for the Leeds store?",
        "How do I contact the seller on the marketplace?",
        "Can someone else pick up my prescription?",
        "My phone is broken, can I still log in on a laptop?",
        "I'm terrible with passwords, is there a password manager option?",
        "Can I talk to my manager first and come back to you?",
        "Does the agent app work on Android?",
        "What happens if my card is declined?",
        "Is there a charge for paying by credit card?",
        "Who is your CEO?",
        "Can the manager dashboard export to Excel?",
        "Do I need to be home for the engineer visit?",
        "I ordered twice last month, do I get loyalty points for both?",
        "Is the kettle leak-proof?",
        "Do you sell smoke alarms?",
        "We have 40 employees, which plan do you recommend?",
    ],
)
def test_calm_questions_with_trigger_words_are_left_to_the_bot(message: str) -> None:
    decision = assess(message)
    assert decision.kind is D.NONE, decision.explain()
