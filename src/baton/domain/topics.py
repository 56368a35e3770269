"""The topic of a conversation, as a support agent would file it: "order status", "a refund",
"account access", read from the customer's messages in any language the reader was trained on.

Pure: the weights are passed in as arrays (`TopicModel`), loaded once by `baton.models`. A
message becomes the same hashed features the learned reader uses (`baton.domain.reader.features`,
so fitting and reading cannot drift apart), and one multinomial logistic regression scores every
topic at once. A conversation is read message by message: the first customer message counts
most, and a message with no subject of its own ("can I talk to someone?") moves nothing.
`baton train topics` fits the weights from `data/topics/`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from baton.domain.reader import FEATURE_VERSION, features


@dataclass(frozen=True, slots=True)
class Topic:
    """One topic: its id, how the summary names it ("Customer is asking about a refund") and how
    the escalation subject names it ("refund request")."""

    id: str
    label: str
    brief: str


TOPICS: tuple[Topic, ...] = (
    Topic("billing", "billing", "billing question"),
    Topic("refund", "a refund", "refund request"),
    Topic("order_status", "order status", "order status"),
    Topic("delivery", "a delivery", "delivery question"),
    Topic("returns", "a return or exchange", "return or exchange"),
    Topic("account_access", "account access", "account access"),
    Topic("technical_problem", "a technical problem", "technical problem"),
    Topic("cancellation", "a cancellation", "cancellation request"),
    Topic("complaint", "a complaint", "complaint"),
    Topic("pricing", "pricing", "pricing question"),
    Topic("product_question", "a product", "product question"),
    Topic("subscription_change", "a plan change", "plan change"),
    Topic("privacy", "their personal data", "personal data request"),
    Topic("other", "nothing specific yet", "general enquiry"),
)
TOPIC_IDS: tuple[str, ...] = tuple(topic.id for topic in TOPICS)
BY_ID: Mapping[str, Topic] = {topic.id: topic for topic in TOPICS}
OTHER = "other"

# The first customer message usually states the subject; later ones add to it at this weight.
_LATER_SHARE = 0.6


@dataclass(frozen=True, slots=True)
class LabelledTopic:
    """A message labelled with its topic, as `baton train topics` and `baton eval topics` read
    them: one JSON object a line, `{"id", "lang", "business", "text", "topic"}`."""

    id: str
    lang: str
    business: str
    text: str
    topic: str


def labelled_topic(raw: object, where: str) -> LabelledTopic:
    """One labelled line, checked; a ValueError names `where` and what is wrong."""
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: expected a JSON object")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"{where}: 'text' must be a non-empty string")
    topic = raw.get("topic")
    if topic not in TOPIC_IDS:
        raise ValueError(f"{where}: 'topic' must be one of {', '.join(TOPIC_IDS)}")
    return LabelledTopic(
        id=str(raw.get("id", where)),
        lang=str(raw.get("lang", "")) or "?",
        business=str(raw.get("business", "")),
        text=text,
        topic=str(topic),
    )


@dataclass(frozen=True, slots=True, eq=False)
class TopicModel:
    """Fitted weights: one row of `weights` and one `bias` per topic of `topics`."""

    topics: tuple[str, ...]
    weights: npt.NDArray[np.float16]
    bias: npt.NDArray[np.float32]
    bits: int

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> TopicModel:
        """Build from the arrays of a weights file; refuses weights of other features."""
        version = int(arrays["feature_version"])
        if version != FEATURE_VERSION:
            raise ValueError(
                f"topic weights were fitted on features v{version}, this reader reads "
                f"v{FEATURE_VERSION}: run `baton train topics` again"
            )
        # Kept as stored (float16): fourteen rows of 2^18 buckets are 7 MB so, 15 MB widened;
        # only the columns a message touches are widened when it is read.
        weights = np.asarray(arrays["weights"], dtype=np.float16)
        return cls(
            topics=tuple(str(x) for x in arrays["topics"]),
            weights=weights,
            bias=np.asarray(arrays["bias"], dtype=np.float32),
            bits=int(math.log2(weights.shape[1])),
        )


@dataclass(frozen=True, slots=True)
class TopicReading:
    """The topics' probabilities for a message or a conversation, the likeliest first."""

    probabilities: tuple[tuple[str, float], ...]

    @property
    def topic(self) -> str:
        return self.probabilities[0][0]

    @property
    def probability(self) -> float:
        return self.probabilities[0][1]

    def of(self, topic: str) -> float:
        return dict(self.probabilities).get(topic, 0.0)


@lru_cache(maxsize=1)
def shipped_topic_model() -> TopicModel:
    """The weights that ship in the package, read once per process."""
    # The one file read behind the domain: `baton.models` sits below it in the layers.
    from baton.models import topic_arrays

    return TopicModel.from_arrays(topic_arrays())


def _softmax(logits: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    shifted = np.exp(logits - logits.max())
    return np.asarray(shifted / shifted.sum(), dtype=np.float64)


@lru_cache(maxsize=8192)
def _message_probabilities(model: TopicModel, text: str) -> tuple[float, ...]:
    feats = features(text, bits=model.bits)
    columns = model.weights[:, feats.buckets].astype(np.float32)
    logits = (columns * feats.values).sum(axis=1) + model.bias
    return tuple(float(p) for p in _softmax(logits.astype(np.float64)))


def _reading(model: TopicModel, probabilities: npt.NDArray[np.float64]) -> TopicReading:
    ranked = sorted(
        zip(model.topics, probabilities.tolist(), strict=True), key=lambda pair: -pair[1]
    )
    return TopicReading(tuple((topic, round(p, 4)) for topic, p in ranked))


def read_topic(model: TopicModel, text: str) -> TopicReading:
    """The topics of one message, read as the first of a conversation."""
    return _reading(model, np.array(_message_probabilities(model, text)))


def read_conversation_topic(model: TopicModel, customer_texts: Sequence[str]) -> TopicReading:
    """The topic of the customer's messages so far (oldest first).

    Each message is read alone; their readings are averaged, the first message at full weight
    and each later one at `_LATER_SHARE`, every one scaled by how much it is about a subject at
    all (1 − its probability of `other`), so "hello" or "a person please" before or after the
    question leaves the question's topic in place. Only when no message has a subject does the
    reading say `other`.
    """
    texts = [text for text in customer_texts if text.strip()]
    if not texts:
        return _reading(model, _one_hot(model, OTHER))
    other = model.topics.index(OTHER) if OTHER in model.topics else None
    total = np.zeros(len(model.topics))
    weight_sum = 0.0
    for i, text in enumerate(texts):
        probabilities = np.array(_message_probabilities(model, text))
        subject = 1.0 - float(probabilities[other]) if other is not None else 1.0
        weight = (1.0 if i == 0 else _LATER_SHARE) * subject
        total += weight * probabilities
        weight_sum += weight
    if weight_sum <= 1e-9:
        return read_topic(model, texts[0])
    return _reading(model, total / weight_sum)


def _one_hot(model: TopicModel, topic: str) -> npt.NDArray[np.float64]:
    out = np.zeros(len(model.topics))
    if topic in model.topics:
        out[model.topics.index(topic)] = 1.0
    return out
