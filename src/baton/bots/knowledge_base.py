"""The built-in bot: answers from the knowledge base, and says so when it does not know."""

from __future__ import annotations

import asyncio
import hashlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, cast

import numpy as np
from pydantic import BaseModel, Field

from baton.bots.base import Answer
from baton.bots.calibration import FORMAT as CALIBRATION_FORMAT
from baton.bots.calibration import Calibration, calibrate, off_topic_questions
from baton.bots.embedding_models import load_model
from baton.bots.retrieval import Normaliser, Ranking, RetrievalIndex
from baton.bots.semantic import SemanticIndex, article_texts
from baton.bots.sentence_encoder import load_encoder
from baton.bots.vector_cache import VectorCache, read_calibration, write_calibration
from baton.domain.articles import Article
from baton.domain.turns import Turn

FALLBACK_TEXT = "I'm sorry — that's beyond what I know, and I don't want to guess."

DEFAULT_SYNONYMS: dict[str, str] = {
    "login": "log in",
    "logon": "log in",
    "sign in": "log in",
    "signin": "log in",
    "e mail": "email",
    "cash machine": "atm",
    "cashpoint": "atm",
    "colour": "color",
    "cancellation": "cancel",
    "reimbursement": "refund",
    "money back": "refund",
    "deal": "discount",
    "promo": "discount",
    "promotion": "discount",
    "coupon": "discount",
    "parcel": "package",
    "postage": "delivery",
    "shipping": "delivery",
    "dd": "direct debit",
    "pw": "password",
    "pwd": "password",
    "acct": "account",
    "register": "sign up",
    "signup": "sign up",
    "enrol": "sign up",
    "enroll": "sign up",
}

# A follow-up opens like a continuation, or is short and points back with a pronoun.
FOLLOW_UP_MAX_WORDS = 7
_CONTINUATION = re.compile(r"^(and|also|but|so|or|then|what about|how about|same)\b", re.I)
_POINTER = re.compile(r"\b(it|its|that|this|those|these|them|they|there|one)\b", re.I)


class KnowledgeBaseSettings(BaseModel):
    """The knowledge-base bot, under `[bot]` in baton.toml."""

    threshold: float | None = Field(
        None,
        ge=0,
        le=1,
        description=(
            "Least confidence (0-1) to answer; below it the bot says it does not know and "
            "the conversation can go to a human. Higher: fewer wrong answers, more handoffs. "
            "Unset: chosen from the knowledge base itself when it is imported (see "
            "`baton kb import`)."
        ),
    )
    synonyms: dict[str, str] = Field(
        default_factory=lambda: dict(DEFAULT_SYNONYMS),
        description=(
            "Words or phrases read as another word, in messages and articles alike, "
            'e.g. {"parcel" = "package"}. Replaces the built-in list when set.'
        ),
    )
    max_history_turns: int = Field(
        2,
        ge=0,
        le=10,
        description=(
            "Earlier customer messages a short follow-up ('and for Europe?') is read "
            "together with; 0 reads each message alone."
        ),
    )
    retrieval: Literal["semantic", "bm25", "hybrid"] = Field(
        "semantic",
        description=(
            "semantic: word matching plus the meaning of the words (the packaged "
            "MiniLM model on onnxruntime, a few ms per message). bm25: word matching alone, "
            "the lightest. hybrid: a PyTorch model tuned on the knowledge base (install "
            "baton-chat-handoff[embeddings]); slower to start."
        ),
    )
    embeddings_model: str | None = Field(
        None,
        description=(
            "semantic: an ONNX model folder (model.onnx and tokenizer.json) or .onnx file; "
            "hybrid: a sentence-transformers model folder. Default: the packaged MiniLM."
        ),
    )
    tune_embeddings: bool = Field(
        True,
        description=(
            "hybrid: tune a copy of the model on the knowledge base when it changes (about "
            "1.5 minutes of CPU, then saved and reused); false: the general model as it is."
        ),
    )
    fallback_text: str = Field(
        FALLBACK_TEXT, min_length=1, description="What the bot says when it does not know."
    )


class Ranker(Protocol):
    """Anything that ranks articles for a message (the BM25 index, or the hybrid one)."""

    def search(self, text: str, k: int = 5) -> Ranking: ...


# Up to this many articles BM25 ranks in well under a millisecond, less than handing the
# answer to a thread costs; above it, ranking runs off the event loop.
INLINE_ARTICLES = 1000
# Thresholds when none is set and none could be calibrated (too few questions to hold out):
# BM25's was fitted on several knowledge bases; the others' confidences read the same way.
DEFAULT_THRESHOLDS = {"bm25": 0.52, "semantic": 0.52, "hybrid": 0.52}


@dataclass(frozen=True, slots=True)
class _Index:
    """A ranker with the threshold its answers are held to (swapped together)."""

    ranker: Ranker
    threshold: float
    calibration: Calibration | None = None
    # Word matching standing in until the configured index is built.
    standing_in: bool = False


class KnowledgeBaseBot:
    """Answers with the best-matching article when confident enough, else falls back."""

    def __init__(
        self,
        articles: Sequence[Article],
        settings: KnowledgeBaseSettings,
        *,
        tuned_models: Path | None = None,
        index_folder: Path | None = None,
        word_matching_first: bool = False,
        on_progress: Callable[[str, int, int], None] | None = None,
    ) -> None:
        """`tuned_models`: where hybrid retrieval saves the models it tunes, so that a restart
        or another worker reuses them (`Settings.tuned_models_folder`); None: memory only.
        `index_folder`: where semantic retrieval keeps article vectors and calibrated
        thresholds (`Settings.index_folder`); None: memory only.
        `word_matching_first`: with semantic or hybrid retrieval, answer by BM25 alone until
        `reload` builds the full index when it is not ready on disk (tuning or encoding a
        new knowledge base takes a while: a server starts answering at once instead); the
        model is still loaded now, so a missing model fails here, not in the background.
        `on_progress(step, done, total)`: called while encoding and calibrating."""
        self.settings = settings
        self._tuned_models = tuned_models
        self._index_folder = index_folder
        self._on_progress = on_progress
        self._generation = 0
        self._generation_lock = threading.Lock()
        self._vectors: VectorCache | None = None
        self._size = len(articles)
        if settings.retrieval == "semantic":
            encoder = load_encoder(settings.embeddings_model)
            self._vectors = VectorCache(encoder, index_folder)
        if word_matching_first and not self._ready_on_disk(articles):
            if settings.retrieval == "hybrid":
                load_model(settings.embeddings_model)
            self._index = self._word_matching(articles)
        else:
            self._index = self._build(articles)

    def reload(self, articles: Sequence[Article]) -> None:
        """Swap in a new knowledge base; answers in flight finish on the old one. Of reloads
        running at once (from threads), the one started last wins whatever ends first."""
        with self._generation_lock:
            self._generation += 1
            generation = self._generation
        index = self._build(articles)
        with self._generation_lock:
            if generation == self._generation:
                # One reference assignment: readers see old or new, never half.
                self._index = index
                self._size = len(articles)

    @property
    def building(self) -> bool:
        """Answering by word matching while the configured full index is not built yet."""
        return self._index.standing_in

    @property
    def threshold(self) -> float:
        """The confidence the bot answers from: `[bot] threshold`, else the calibrated one."""
        return self._index.threshold

    @property
    def calibration(self) -> Calibration | None:
        """How the threshold was chosen, when it was calibrated."""
        return self._index.calibration

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        if self.settings.retrieval != "bm25" or self._size > INLINE_ARTICLES:
            # Encoding the message takes milliseconds, and ranking a big knowledge base
            # milliseconds: keep the event loop (every socket) free meanwhile.
            return await asyncio.to_thread(self.respond, message, history)
        return self.respond(message, history)

    def respond(self, message: str, history: Sequence[Turn] = ()) -> Answer:
        """The answer to `message`, synchronously."""
        index = self._index
        return self.decide(self._rank(index.ranker, message, history), index.threshold)

    def decide(self, ranking: Ranking, threshold: float | None = None) -> Answer:
        """The answer a ranking gives: its best article, or the fallback below the threshold."""
        best = ranking.best
        if best is None or ranking.confidence < (
            self.threshold if threshold is None else threshold
        ):
            return Answer(self.settings.fallback_text, ranking.confidence, fallback=True)
        return Answer(best.answer, ranking.confidence, False, best.id, best.title)

    def rank(self, message: str, history: Sequence[Turn] = ()) -> Ranking:
        """Rank the articles for `message` (see `_rank`)."""
        return self._rank(self._index.ranker, message, history)

    def _rank(self, ranker: Ranker, message: str, history: Sequence[Turn]) -> Ranking:
        """A long message is ranked on its question; a follow-up ("and for Europe?") is also
        read with the customer's messages before it, and the more confident reading wins."""
        ranking = ranker.search(question_of(message))
        earlier = _recent_customer_messages(history, self.settings.max_history_turns)
        if earlier and _is_follow_up(message):
            # The last customer message first, then older ones: the nearest context wins ties.
            for count in range(1, len(earlier) + 1):
                context = " ".join([*(question_of(t) for t in earlier[-count:]), message])
                candidate = ranker.search(context)
                if candidate.confidence > ranking.confidence:
                    ranking = candidate
        return ranking

    def _word_matching(self, articles: Sequence[Article]) -> _Index:
        threshold = self.settings.threshold
        return _Index(
            RetrievalIndex(articles, self.settings.synonyms),
            DEFAULT_THRESHOLDS["bm25"] if threshold is None else threshold,
            standing_in=self.settings.retrieval != "bm25",
        )

    def _ready_on_disk(self, articles: Sequence[Article]) -> bool:
        """Whether the configured index builds in a moment: word matching, or semantic
        retrieval whose vectors and threshold are saved."""
        if not articles or self.settings.retrieval == "bm25":
            return True  # word matching builds in a moment (its calibration is saved too)
        if self._vectors is None or self._index_folder is None:
            return False
        texts, _ = article_texts(articles)
        if not self._vectors.knows(texts):
            return False
        return self.settings.threshold is not None or (
            read_calibration(self._index_folder, self._calibration_key(articles)) is not None
        )

    def _build(self, articles: Sequence[Article]) -> _Index:
        retrieval = self.settings.retrieval
        if retrieval == "hybrid":
            # Imported here so that the torch stack loads only when chosen.
            from baton.bots.embeddings import HybridIndex

            hybrid = HybridIndex(
                articles,
                self.settings.synonyms,
                self.settings.embeddings_model,
                tune=self.settings.tune_embeddings,
                tuned_models_folder=self._tuned_models,
            )
            threshold = self.settings.threshold
            return _Index(hybrid, DEFAULT_THRESHOLDS["hybrid"] if threshold is None else threshold)
        threshold = self.settings.threshold
        if not articles:
            # Nothing to answer from: nothing to encode or calibrate.
            return _Index(
                RetrievalIndex(articles, self.settings.synonyms),
                DEFAULT_THRESHOLDS[retrieval] if threshold is None else threshold,
            )
        off_topic = off_topic_questions()
        if retrieval == "semantic":
            assert self._vectors is not None
            vectors = self._vectors
            texts, _ = article_texts(articles)
            progress = self._progress("Encoding articles")
            known = vectors.vectors(texts, keep=off_topic, on_progress=progress)
            lookup = dict(zip(texts, known, strict=True))
            # Held-out questions and off-topic ones are encoded once, here, not per fold.
            checks = vectors.vectors(
                off_topic, keep=texts, on_progress=self._progress("Encoding checks")
            )
            lookup.update(zip(off_topic, checks, strict=True))

            def build(chosen: Sequence[Article]) -> Ranker:
                chosen_texts, _ = article_texts(chosen)
                # An article whose only question is held out is known by its answer instead.
                missing = [t for t in dict.fromkeys(chosen_texts) if t not in lookup]
                if missing:
                    lookup.update(zip(missing, vectors.encoder.encode(missing), strict=True))
                matrix = np.stack([lookup[t] for t in chosen_texts]) if chosen_texts else known
                return _KnownVectors(
                    SemanticIndex(chosen, self.settings.synonyms, vectors.encoder, matrix),
                    lookup,
                )

            full = build(articles)
            ranker: Ranker = cast(_KnownVectors, full).index
        else:

            def build(chosen: Sequence[Article]) -> Ranker:
                return RetrievalIndex(chosen, self.settings.synonyms)

            full = ranker = build(articles)
        if self.settings.threshold is not None:
            return _Index(ranker, self.settings.threshold)
        key = self._calibration_key(articles)
        saved = read_calibration(self._index_folder, key)
        calibration: Calibration | None
        if saved is not None:
            calibration = Calibration(**saved) if saved.get("threshold") is not None else None
        else:
            calibration = calibrate(
                articles, build, full, off_topic, on_step=self._progress("Calibrating")
            )
            write_calibration(self._index_folder, key, calibration.as_dict() if calibration else {})
        if calibration is None:
            return _Index(ranker, DEFAULT_THRESHOLDS[retrieval])
        return _Index(ranker, calibration.threshold, calibration)

    def _calibration_key(self, articles: Sequence[Article]) -> str:
        """Names what a calibration depends on: the articles, the retrieval and its model."""
        digest = hashlib.sha256()
        model = self._vectors.encoder.name if self._vectors is not None else ""
        parts = [str(CALIBRATION_FORMAT), self.settings.retrieval, model]
        parts += [f"{k}={v}" for k, v in sorted(self.settings.synonyms.items())]
        for a in articles:
            parts += [a.id, a.title, a.answer, *a.questions, ""]
        for part in parts:
            digest.update(part.encode("utf-8", "surrogatepass") + b"\0")
        return digest.hexdigest()[:32]

    def _progress(self, step: str) -> Callable[[int, int], None] | None:
        report = self._on_progress
        if report is None:
            return None
        return lambda done, total: report(step, done, total)


class _KnownVectors:
    """A semantic index that looks up the vectors of texts it was given instead of
    encoding them (calibration asks the articles' own questions)."""

    def __init__(self, index: SemanticIndex, vectors: dict[str, np.ndarray]) -> None:
        self.index = index
        self._vectors = vectors

    def search(self, text: str, k: int = 5) -> Ranking:
        vector = self._vectors.get(text)
        if vector is None:
            return self.index.search(text, k)
        return self.index.search_vector(text, vector, k)


# A long message ("Hi! I bought a lamp last week... Can I return it?") is ranked on its
# question: the greeting and the story around it dilute what it means.
LONG_MESSAGE_WORDS = 14
SHORT_QUESTION_WORDS = 5
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
_ASKING = re.compile(
    r"^(how|what|where|when|why|which|who|can|could|do|does|did|is|are|will|would|should|"
    r"may|i need|i want|i would like|i'd like|i'm looking|i am looking|please)\b",
    re.I,
)


def question_of(message: str) -> str:
    """The question of a long message (its sentences that ask, with the sentence before a
    short one such as "Can you help?"); a short message, or one that asks nothing, whole."""
    text = message.strip()
    if len(Normaliser.words(text)) < LONG_MESSAGE_WORDS:
        return text
    sentences = [s.strip() for s in _SENTENCE_END.split(text) if s.strip()]
    if len(sentences) < 2:
        return text
    asking = [i for i, s in enumerate(sentences) if s.endswith("?")]
    if not asking:
        asking = [i for i, s in enumerate(sentences) if _ASKING.search(s)][-1:]
    if not asking:
        return text
    chosen = set(asking)
    if sum(len(Normaliser.words(sentences[i])) for i in asking) <= SHORT_QUESTION_WORDS:
        chosen.add(max(asking[0] - 1, 0))
    return " ".join(sentences[i] for i in sorted(chosen))


def _recent_customer_messages(history: Sequence[Turn], limit: int) -> list[str]:
    """Up to `limit` customer messages before this one, oldest first."""
    if limit <= 0:
        return []
    texts = [t.text for t in history if t.role == "customer" and t.text.strip()]
    return texts[-limit:]


def _is_follow_up(message: str) -> bool:
    text = message.strip()
    words = Normaliser.words(text)
    return bool(_CONTINUATION.search(text)) or (
        len(words) <= FOLLOW_UP_MAX_WORDS and bool(_POINTER.search(text))
    )
