"""The topic reader on messages written apart from its training data, in several languages."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from baton.domain import topics
from baton.models import topic_arrays

DATA = Path(__file__).resolve().parents[2] / "data" / "topics"

# None of these is in data/topics (checked below): each reads as a support agent would file it.
UNSEEN = [
    ("en", "my card was debited three times for one subscription", "billing"),
    ("en", "I sent the boots back last month and I'm still waiting for the money", "refund"),
    ("en", "has order 20931 left your warehouse yet?", "order_status"),
    ("en", "the courier lost my package somewhere between Lyon and here", "delivery"),
    ("en", "I keep getting 'wrong password' and the reset link is broken", "account_access"),
    (
        "en",
        "the app freezes on the loading screen every time since the update",
        "technical_problem",
    ),
    ("en", "does this kettle work with 110V?", "product_question"),
    ("en", "erase every bit of personal data you hold on me", "privacy"),
    ("es", "Me habéis cobrado el doble en la última factura", "billing"),
    (
        "fr",
        "Où est passé mon remboursement ? J'ai renvoyé le colis il y a trois semaines",
        "refund",
    ),
    (
        "de",
        "Ich habe mein Passwort vergessen und der Link zum Zurücksetzen funktioniert nicht",
        "account_access",
    ),
    ("pt", "Quero cancelar a minha assinatura já", "cancellation"),
    ("it", "L'app si blocca ogni volta che provo a pagare", "technical_problem"),
    ("nl", "Ik wil de schoenen ruilen voor een andere kleur", "returns"),
    ("de", "Wie viel kostet das Jahresabo für Studenten?", "pricing"),
    ("fr", "Le personnel de l'accueil a été odieux avec ma mère, c'est une honte", "complaint"),
]


def _training_texts() -> set[str]:
    texts = set()
    for path in DATA.glob("*.jsonl"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                texts.add(json.loads(line)["text"].casefold())
    return texts


def test_the_examples_here_are_not_training_data() -> None:
    seen = _training_texts()
    assert not [text for _lang, text, _topic in UNSEEN if text.casefold() in seen]


@pytest.mark.parametrize(("lang", "text", "topic"), UNSEEN, ids=[u[1][:30] for u in UNSEEN])
def test_an_unseen_message_reads_as_its_topic(lang: str, text: str, topic: str) -> None:
    reading = topics.read_topic(topics.shipped_topic_model(), text)
    assert reading.topic == topic, reading.probabilities[:3]


def test_probabilities_cover_every_topic_and_sum_to_one() -> None:
    reading = topics.read_topic(topics.shipped_topic_model(), "¿Dónde está mi pedido?")
    assert {t for t, _p in reading.probabilities} == set(topics.TOPIC_IDS)
    assert sum(p for _t, p in reading.probabilities) == pytest.approx(1.0, abs=1e-3)


def test_a_message_without_a_subject_does_not_move_the_topic() -> None:
    model = topics.shipped_topic_model()
    question = "my parcel was left at the wrong house"
    alone = topics.read_conversation_topic(model, [question])
    for texts in (
        ["hello!", question],
        [question, "can I talk to a person please"],
        ["bonjour", question, "allô ?"],
    ):
        reading = topics.read_conversation_topic(model, texts)
        assert reading.topic == alone.topic == "delivery"


def test_the_first_message_counts_most() -> None:
    model = topics.shipped_topic_model()
    reading = topics.read_conversation_topic(
        model, ["I want to cancel my gym membership", "what time do you close today?"]
    )
    assert reading.topic == "cancellation"


def test_only_greetings_read_as_other() -> None:
    model = topics.shipped_topic_model()
    assert topics.read_conversation_topic(model, ["hi", "anyone there?"]).topic == "other"
    assert topics.read_conversation_topic(model, []).topic == "other"


def test_every_topic_has_a_label_and_a_brief() -> None:
    assert tuple(topics.BY_ID) == topics.TOPIC_IDS
    assert topics.shipped_topic_model().topics == topics.TOPIC_IDS


def test_weights_of_other_features_are_refused() -> None:
    arrays = dict(topic_arrays())
    arrays["feature_version"] = np.array(topics.FEATURE_VERSION + 1)
    with pytest.raises(ValueError, match="baton train topics"):
        topics.TopicModel.from_arrays(arrays)


def test_a_labelled_line_is_checked() -> None:
    good = topics.labelled_topic({"text": "où est ma commande ?", "topic": "order_status"}, "x:1")
    assert (good.text, good.lang) == ("où est ma commande ?", "?")
    with pytest.raises(ValueError, match="x:2: 'topic' must be one of"):
        topics.labelled_topic({"text": "hello", "topic": "weather"}, "x:2")
