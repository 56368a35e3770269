"""The learned reader, as the escalation decision uses it, in several languages."""

from __future__ import annotations

import numpy as np
import pytest

from baton.domain import reader
from baton.domain.signals import SignalKind, read_signals
from baton.domain.turns import Turn
from baton.escalation import DecisionKind, ReasonCategory, assess
from baton.models import reader_arrays

ASKS_NO_RULE_KNEW = [
    "need help speaking with somebody",
    "I don't know how to talk with an operator",
    "want help chatting with an agent",
    "can you conect me to an agnet",
    "quiero hablar con un agente",
    "je voudrais parler à quelqu'un",
    "ich möchte mit einem Mitarbeiter sprechen",
    "vorrei parlare con un operatore",
    "quero falar com um atendente",
    "ik wil graag iemand spreken",
]


@pytest.mark.parametrize("message", ASKS_NO_RULE_KNEW)
def test_asks_for_a_person_hand_over_in_any_language(message: str) -> None:
    decision = assess(message)
    assert decision.kind is DecisionKind.ESCALATE
    assert decision.reasons[0] is ReasonCategory.EXPLICIT_REQUEST


def test_an_ask_the_reader_found_says_its_probability_and_words() -> None:
    decision = assess("quiero hablar con un agente")
    ask = next(s for s in decision.signals if s.kind is SignalKind.EXPLICIT_ASK)
    assert ask.evidence.startswith("reader ")
    assert '"agente"' in ask.evidence or '"hablar"' in ask.evidence
    assert "reader" in decision.explain()


@pytest.mark.parametrize(
    "message",
    [
        "I don't want to talk to anyone, I just need the opening hours",
        "No need for a human, just tell me whether I can bring a friend",
        "no quiero hablar con nadie, solo saber el horario",
        "Can I talk to my manager first and come back to you?",
        "Could you call me a taxi from the airport?",
        "Can I speak Spanish to the chatbot?",
    ],
)
def test_look_alikes_and_refusals_are_no_asks(message: str) -> None:
    decision = assess(message)
    assert ReasonCategory.EXPLICIT_REQUEST not in decision.reasons


def test_an_order_number_is_no_large_quantity() -> None:
    for message in ("order 370795561790", "where is order 370795561790?"):
        kinds = {s.kind for s in read_signals(message, [])}
        assert SignalKind.LARGE_ORDER not in kinds
        assert assess(message).kind is DecisionKind.NONE


def test_a_calm_wait_for_a_small_refund_is_left_to_the_bot() -> None:
    decision = assess("I'm waiting for a refund of $3")
    assert decision.kind is DecisionKind.NONE
    # told with how long it has lasted, the same wait is a problem for a person
    assert assess("I've been waiting 3 weeks for my refund").hands_over


def test_the_reader_adds_to_other_signs_but_never_offers_alone() -> None:
    # the reader reads an upset customer, and nothing else is found: not enough on its own
    history = [Turn("customer", "hi"), Turn("bot", "Hello! How can I help?", outcome="answered")]
    kinds = (SignalKind.READ_EMOTIONAL, SignalKind.READ_COMPLEX)
    for message in ("estoy harto, nadie me ayuda", "sono stufo, nessuno mi aiuta"):
        signals = read_signals(message, history)
        read = [s for s in signals if s.kind in kinds]
        assert [s.reason for s in read] == [ReasonCategory.EMOTIONAL]
        assert read[0].evidence.startswith("reader ")
        assert sum(s.weight for s in signals) < 0.45
        assert assess(message, history).kind is DecisionKind.NONE


def test_features_are_stable_and_fold_accents() -> None:
    one = reader.features("Ça coûte TROP cher", "answered", "")
    two = reader.features("ca coute trop cher", "answered", "")
    assert np.array_equal(one.buckets, two.buckets)
    assert reader.fold("Ça coûte 12 €") == "ca coute 00 €"


def test_weights_of_other_features_are_refused() -> None:
    arrays = dict(reader_arrays())
    arrays["feature_version"] = np.array(reader.FEATURE_VERSION + 1)
    with pytest.raises(ValueError, match="baton train reader"):
        reader.ReaderModel.from_arrays(arrays)


def test_the_previous_turn_is_part_of_the_reading() -> None:
    model = reader.shipped_model()
    after_fallback = [
        Turn("customer", "can I change the delivery address?"),
        Turn("bot", "Sorry, I don't know.", outcome="fallback"),
    ]
    plain = reader.read_labels(model, "what about tomorrow", ())
    later = reader.read_labels(model, "what about tomorrow", after_fallback)
    assert plain["emotional"].probability != later["emotional"].probability
