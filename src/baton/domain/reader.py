"""The learned reader: how likely one customer message asks for a person, is upset, or reports a
problem only a person can fix, in any language it was trained on.

Pure: the weights are passed in as arrays (`ReaderModel`), loaded once by `baton.models`. A
message becomes hashed features — accent-stripped lowercase character n-grams (2–5, inside word
boundaries), word unigrams and bigrams, and a little context (how the bot answered last, the
words of the customer's previous message) — and each category is a logistic regression over
them. The same `features` function serves training (`baton.training.reader`) and reading, so
the two cannot drift apart. See docs/escalation.md, "The reader".
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from baton.domain.turns import Turn

# Bumped when `features` changes: weights fitted on other features are refused.
FEATURE_VERSION = 1
LABELS = ("explicit_request", "emotional", "complex_issue")
_TOKEN = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_DIGIT = re.compile(r"\d")
_CHAR_SIZES = (2, 3, 4, 5)
# A word longer than this (a URL, a code) adds no more character n-grams.
_MAX_WORD = 24
_MAX_TOKENS = 200
# The previous customer message counts for less than the message itself.
_PREVIOUS_SHARE = 0.5
_EVIDENCE_WORDS = 3
# Words that turn what follows around ("I don't need a person", "no quiero hablar con nadie"):
# the next few words get a feature of their own, so "need a person" under a negation can
# weigh against an ask instead of for it.
_NEGATORS = frozenset(
    "not no never without nobody nothing dont don't doesnt doesn't didnt didn't isnt isn't "
    "cant can't wont won't nunca sin ni pas ne jamais sans nicht kein keine keinen nie ohne "
    "nao sem non mai senza niet geen nooit zonder".split()
)
_NEGATION_SPAN = 4


def fold(text: str) -> str:
    """Lowercase without accents ("Ça coûte" → "ca coute"); digits become 0."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _DIGIT.sub("0", stripped.replace("’", "'"))


def tokens(text: str) -> list[tuple[int, int, str]]:
    """The words of `text` with their spans in the original text, folded."""
    out = []
    for match in _TOKEN.finditer(text):
        out.append((match.start(), match.end(), fold(match.group(0))))
        if len(out) >= _MAX_TOKENS:
            break
    return out


def _bucket(feature: str, bits: int) -> int:
    # crc32, not hash(): Python salts str hashes per process, and the buckets must be stable.
    return zlib.crc32(feature.encode("utf-8")) & ((1 << bits) - 1)


def _message_features(words: Sequence[str], bits: int) -> list[tuple[int, int]]:
    """(bucket, index of the word it came from) for every n-gram of the message."""
    out: list[tuple[int, int]] = []
    for i, word in enumerate(words):
        out.append((_bucket("w:" + word, bits), i))
        if i + 1 < len(words):
            bigram = _bucket(f"b:{word} {words[i + 1]}", bits)
            out.append((bigram, i))
            out.append((bigram, i + 1))
        if word in _NEGATORS or word.endswith("n't"):
            for j in range(i + 1, min(i + 1 + _NEGATION_SPAN, len(words))):
                out.append((_bucket("n:" + words[j], bits), j))
        padded = f" {word[:_MAX_WORD]} "
        for n in _CHAR_SIZES:
            for start in range(len(padded) - n + 1):
                out.append((_bucket("c:" + padded[start : start + n], bits), i))
    return out


def _normalised(counts: Mapping[int, float], share: float) -> dict[int, float]:
    # Sublinear counts, then unit length: a long message does not score higher for being long.
    scaled = {b: 1.0 + math.log(c) for b, c in counts.items()}
    norm = math.sqrt(sum(v * v for v in scaled.values())) or 1.0
    return {b: share * v / norm for b, v in scaled.items()}


@dataclass(frozen=True, slots=True)
class Features:
    """One message as the model sees it: sparse (bucket → value), and which word each bucket of
    the message itself came from, to say which words carried a score."""

    buckets: npt.NDArray[np.int64]
    values: npt.NDArray[np.float32]
    origins: tuple[tuple[int, tuple[int, ...]], ...]
    words: tuple[tuple[int, int], ...]


def context_key(history: Sequence[Turn]) -> tuple[str, str]:
    """The part of the history the reader looks at: the bot's last outcome, the last customer
    message before this one."""
    outcome = "start"
    previous = ""
    for turn in reversed(history):
        if turn.role == "bot" and outcome == "start":
            outcome = turn.outcome or "answered"
        elif turn.role == "customer":
            previous = turn.text
            break
    return outcome, previous


@lru_cache(maxsize=8192)
def features(text: str, outcome: str = "start", previous: str = "", bits: int = 18) -> Features:
    """The hashed features of `text` said after a bot turn with `outcome` ("start" when the
    conversation opens with it) and the customer's `previous` message."""
    found = tokens(text)
    words = [w for _s, _e, w in found]
    pairs = _message_features(words, bits)
    counts: dict[int, float] = {}
    for bucket, _i in pairs:
        counts[bucket] = counts.get(bucket, 0.0) + 1.0
    own = _normalised(counts, 1.0)
    # Bigram buckets name two words: count each occurrence once per bucket.
    origins: dict[int, list[int]] = {}
    for bucket, index in pairs:
        origins.setdefault(bucket, []).append(index)
    values = dict(own)
    values[_bucket("x:bot:" + outcome, bits)] = 1.0
    if previous:
        before: dict[int, float] = {}
        for word in (w for _s, _e, w in tokens(previous)):
            key = _bucket("p:" + word, bits)
            before[key] = before.get(key, 0.0) + 1.0
        for bucket, value in _normalised(before, _PREVIOUS_SHARE).items():
            values[bucket] = values.get(bucket, 0.0) + value
    order = sorted(values)
    return Features(
        buckets=np.fromiter(order, dtype=np.int64, count=len(order)),
        values=np.fromiter((values[b] for b in order), dtype=np.float32, count=len(order)),
        origins=tuple((b, tuple(ix)) for b, ix in origins.items()),
        words=tuple((s, e) for s, e, _w in found),
    )


# eq=False: a model is itself, compared and cached by identity, not by its arrays.
@dataclass(frozen=True, slots=True, eq=False)
class ReaderModel:
    """Fitted weights: one row of `weights` and one `bias` per label; `thresholds` are the
    probabilities at or over which a label counts as read (best F1 in cross-validation), `bars`
    those at or over which the reader is trusted alone (an ask hands over, trouble is offered a
    person): the lowest probability at which the cross-validated precision stays high."""

    labels: tuple[str, ...]
    weights: npt.NDArray[np.float32]
    bias: npt.NDArray[np.float32]
    thresholds: npt.NDArray[np.float32]
    bars: npt.NDArray[np.float32]
    bits: int

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, npt.NDArray[np.generic]]) -> ReaderModel:
        """Build from the arrays of a weights file; refuses weights of other features."""
        version = int(arrays["feature_version"])
        if version != FEATURE_VERSION:
            raise ValueError(
                f"reader weights were fitted on features v{version}, this reader reads "
                f"v{FEATURE_VERSION}: run `baton train reader` again"
            )
        weights = np.asarray(arrays["weights"], dtype=np.float32)
        thresholds = np.asarray(arrays["thresholds"], dtype=np.float32)
        # Weights fitted before bars were kept trust nothing alone below 0.8.
        bars = arrays["bars"] if "bars" in arrays else np.maximum(thresholds, 0.8)
        return cls(
            labels=tuple(str(x) for x in arrays["labels"]),
            weights=weights,
            bias=np.asarray(arrays["bias"], dtype=np.float32),
            thresholds=thresholds,
            bars=np.asarray(bars, dtype=np.float32),
            bits=int(math.log2(weights.shape[1])),
        )


@dataclass(frozen=True, slots=True)
class LabelReading:
    """One category as read: its probability, whether it is over its threshold, and the words
    of the message that pushed it up most."""

    label: str
    probability: float
    threshold: float
    words: tuple[str, ...]
    # where the first of `words` starts in the message
    first_word_at: int | None = None
    # the probability at or over which the reading is trusted alone (`ReaderModel.bars`)
    bar: float = 1.0

    @property
    def read(self) -> bool:
        return self.probability >= self.threshold

    def over(self, floor: float) -> bool:
        """Read, and at or over `floor` too (a caller's stricter bar)."""
        return self.probability >= max(self.threshold, floor)

    def trusted(self, bar: float | None = None) -> bool:
        """At or over the bar to act on alone: `bar` when given, else the fitted one."""
        return self.probability >= max(self.threshold, self.bar if bar is None else bar)

    def evidence(self) -> str:
        shown = ", ".join(f'"{w}"' for w in self.words) or "the conversation so far"
        return f"reader {self.probability:.2f}: {shown}"


def _carriers(
    text: str, feats: Features, contributions: npt.NDArray[np.float32], count: int
) -> tuple[tuple[str, ...], int | None]:
    """The words of `text` whose n-grams added most to a score, in the order they were said."""
    by_bucket = dict(zip(feats.buckets.tolist(), contributions.tolist(), strict=True))
    per_word = [0.0] * len(feats.words)
    for bucket, indexes in feats.origins:
        share = by_bucket.get(bucket, 0.0) / len(indexes)
        for index in indexes:
            per_word[index] += share
    ranked = sorted(range(len(per_word)), key=lambda i: -per_word[i])
    chosen = sorted(i for i in ranked[:count] if per_word[i] > 0)
    words = tuple(text[feats.words[i][0] : feats.words[i][1]] for i in chosen)
    return words, feats.words[chosen[0]][0] if chosen else None


@lru_cache(maxsize=1)
def shipped_model() -> ReaderModel:
    """The weights that ship in the package, read once per process."""
    # The one file read behind the domain: `baton.models` sits below it in the layers.
    from baton.models import reader_arrays

    return ReaderModel.from_arrays(reader_arrays())


def read_labels(
    model: ReaderModel, text: str, history: Sequence[Turn] = ()
) -> dict[str, LabelReading]:
    """The probability of each label for `text` said after `history` (oldest first)."""
    outcome, previous = context_key(history)
    return _read(model, text, outcome, previous)


@lru_cache(maxsize=8192)
def _read(model: ReaderModel, text: str, outcome: str, previous: str) -> dict[str, LabelReading]:
    feats = features(text, outcome, previous, model.bits)
    columns = model.weights[:, feats.buckets] * feats.values
    logits = columns.sum(axis=1) + model.bias
    out: dict[str, LabelReading] = {}
    for row, label in enumerate(model.labels):
        probability = 1.0 / (1.0 + math.exp(-float(logits[row])))
        words, first = _carriers(text, feats, columns[row], _EVIDENCE_WORDS)
        out[label] = LabelReading(
            label,
            round(probability, 4),
            float(model.thresholds[row]),
            words,
            first,
            float(model.bars[row]),
        )
    return out
