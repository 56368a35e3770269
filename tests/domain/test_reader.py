"""The learned reader, as the escalation decision uses it, in several languages."""

from __future__ import annotations

import numpy as np
import pytest

from baton.domain import reader
from baton.domain import signals as signals_module
from baton.domain.policy import decide
from baton.domain.signal_settings import SignalSettings
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


GREETED = [Turn("customer", "hi"), Turn("bot", "Hello! How can I help?", outcome="answered")]
TROUBLE = (SignalKind.READ_EMOTIONAL, SignalKind.READ_COMPLEX)


@pytest.mark.parametrize(
    "message",
    [
        "estoy harto, nadie me ayuda",
        "sono stufo, nessuno mi aiuta",
        "Seit drei Wochen warte ich. Drei Wochen. Keiner meldet sich.",
    ],
)
def test_a_confident_reading_offers_a_person_on_its_own(message: str) -> None:
    # no rule has words for these; the reader is sure enough to offer, not to hand over
    decision = assess(message, GREETED)
    assert decision.kind is DecisionKind.OFFER
    assert decision.reasons == (ReasonCategory.EMOTIONAL,)
    read = [s for s in decision.signals if s.kind in TROUBLE]
    assert read and read[0].evidence.startswith("reader ")
    assert "reader" in decision.explain()


def test_the_bar_to_offer_alone_is_the_fitted_one_unless_set() -> None:
    message = "estoy harto, nadie me ayuda"
    found = reader.read_labels(reader.shipped_model(), message, GREETED)["emotional"]
    assert found.bar == pytest.approx(float(reader.shipped_model().bars[1]))
    assert found.trusted()
    stricter = SignalSettings(reader_offer_probability=0.999, reader_trouble_probability=0.999)
    signals = read_signals(message, GREETED, settings=stricter)
    assert decide(signals).kind is DecisionKind.NONE


@pytest.mark.parametrize(
    "message",
    [
        "how do I cancel the add-on?",
        "what's your refund policy for annual plans?",
        "¿cuánto cuesta cambiar la pantalla?",
        "wie lange dauert die Erstattung?",
        "we're adopting a rescue greyhound, so excited! lovely people here",
    ],
)
def test_calm_questions_are_never_offered_on_the_reader_alone(message: str) -> None:
    # even when the reader is trusted at any probability, a calm question stays with the bot
    eager = SignalSettings(reader_offer_probability=0.01, reader_trouble_probability=0.999)
    signals = read_signals(message, GREETED, settings=eager)
    assert decide(signals).kind is DecisionKind.NONE


def test_without_the_veto_the_same_bar_offers() -> None:
    eager = SignalSettings(reader_offer_probability=0.01, reader_trouble_probability=0.999)
    signals = read_signals("la pantalla otra vez", GREETED, settings=eager)
    assert decide(signals).kind is DecisionKind.OFFER


def test_two_readings_name_both_reasons_but_only_offer() -> None:
    # upset and a complex problem at once: the stronger brings the offer, the other is named
    read = {
        "emotional": reader.LabelReading("emotional", 0.93, 0.3, ("harta",), 0, 0.84),
        "complex_issue": reader.LabelReading("complex_issue", 0.9, 0.3, ("dos",), 0, 0.86),
    }
    found = signals_module._read_trouble(read, [], SignalSettings(), False, False)
    assert [s.kind for s in found] == [SignalKind.READ_EMOTIONAL, SignalKind.READ_COMPLEX]
    decision = decide(found)
    assert decision.kind is DecisionKind.OFFER
    assert set(decision.reasons) == {ReasonCategory.EMOTIONAL, ReasonCategory.COMPLEX_ISSUE}


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


def test_a_reading_below_its_bars_names_its_reason_beside_an_offer_but_weighs_nothing() -> None:
    read = {
        "emotional": reader.LabelReading("emotional", 0.7, 0.3, ("again",), 0, 0.84),
        "complex_issue": reader.LabelReading("complex_issue", 0.1, 0.3, (), None, 0.86),
    }
    found = signals_module._read_trouble(read, [], SignalSettings(), False, False)
    assert [(s.kind, s.weight) for s in found] == [(SignalKind.READ_EMOTIONAL, 0.0)]
    # alone it decides nothing; beside a fallback it is named after the fallback's reason
    assert decide(found).kind is DecisionKind.NONE
    history = [Turn("customer", "hours?"), Turn("bot", "Sorry, I don't know.", outcome="fallback")]
    fallback = [s for s in read_signals("and on Sunday?", history) if s.reason.value != "emotional"]
    decision = decide([*fallback, *found])
    assert decision.kind is DecisionKind.OFFER
    assert decision.reasons == (ReasonCategory.KNOWLEDGE_GAP, ReasonCategory.EMOTIONAL)
