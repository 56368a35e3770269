"""The default ranking: BM25 word matching plus the meaning of the words.

Each article is known by the vectors of its title and questions (or, without questions, of its
title and the start of its answer), encoded by the packaged sentence-embedding model
(`sentence_encoder`). An article's score is a weighted sum of the message's cosine to the
article's nearest question and to the centroid of its questions, and its BM25 score (see
`retrieval`): the cosines weigh what the message means, BM25 the exact words, so a paraphrase
that shares no word with the article is still found.

The confidence is a logistic of the content words matched, the idf-weighted shares of the
message's content words that the best article's questions (`specific`) and its questions or
answer (`covered`) know, the lead of the best score over the runner-up (`margin`), the best
article's cosines (`nearest_cosine`, `centroid_cosine`) and the message's cosine to the
nearest question of any other article (`runner_up_cosine`: a message halfway between two
articles is often about neither); the weights are those fitted for the hybrid retrieval (see
`embeddings`). The threshold it is compared with is set from each knowledge base itself
(`calibration`), so the confidence only has to order messages well, not mean the same on
every knowledge base.

Article vectors are encoded once and kept on disk (`vector_cache`): a restart encodes only
messages.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from baton.bots.retrieval import (
    MATCHED_CAP,
    NO_MATCH,
    Ranking,
    RetrievalIndex,
    logistic,
    margin,
    top_positions,
)
from baton.bots.sentence_encoder import SentenceEncoder
from baton.domain.articles import Article

# Cosines weigh most: BM25 breaks ties between articles that mean much the same.
SCORE_WEIGHTS = {"nearest": 0.5, "centroid": 1.0, "bm25": 0.5}
CONFIDENCE_INTERCEPT = -4.12
CONFIDENCE_WEIGHTS = {
    "matched": 0.34,
    "margin": 1.17,
    "specific": -6.67,
    "covered": 6.94,
    "nearest_cosine": 2.94,
    "centroid_cosine": 6.90,
    "runner_up_cosine": -5.03,
}
# On a big knowledge base the nearest text is looked for among this many articles nearest by
# centroid, and this many best by words (see `SemanticIndex._nearest`).
CANDIDATES_BY_CENTROID = 64
CANDIDATES_BY_WORDS = 16
# An article without questions is known by its title and this much of its answer.
ANSWER_START = 500


def article_texts(articles: Sequence[Article]) -> tuple[list[str], list[int]]:
    """The texts each article is known by, and the position of the article of each."""
    texts: list[str] = []
    owners: list[int] = []
    for position, article in enumerate(articles):
        extra = article.questions or (article.answer[:ANSWER_START],)
        for text in dict.fromkeys((article.title, *extra)):
            texts.append(text)
            owners.append(position)
    return texts, owners


class SemanticIndex:
    """Ranks articles by BM25 and embedding similarity together. Immutable once built."""

    def __init__(
        self,
        articles: Sequence[Article],
        synonyms: Mapping[str, str] | None,
        encoder: SentenceEncoder,
        vectors: np.ndarray,
    ) -> None:
        """`vectors`: one row per text of `article_texts(articles)`, in that order."""
        self.articles = list(articles)
        self.words = RetrievalIndex(self.articles, synonyms)
        self.encoder = encoder
        _, owners = article_texts(self.articles)
        self._owners = np.asarray(owners, dtype=np.int64)
        # An article's texts are contiguous: its nearest question is a max over a slice.
        self._starts = np.flatnonzero(np.r_[True, self._owners[1:] != self._owners[:-1]])
        self._ends = np.r_[self._starts[1:], len(self._owners)]
        self._vectors = np.asarray(vectors, dtype=np.float32)
        centroids = np.zeros((len(self.articles), encoder.dimension), dtype=np.float32)
        np.add.at(centroids, self._owners, self._vectors)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.maximum(norms, 1e-9)

    def __len__(self) -> int:
        return len(self.articles)

    def search(self, text: str, k: int = 5) -> Ranking:
        if not self.articles or not text.strip():
            return NO_MATCH
        return self.search_vector(text, self.encoder.encode([text])[0], k)

    def _nearest(self, query: np.ndarray, centroid: np.ndarray, lexical: np.ndarray) -> np.ndarray:
        """Each article's cosine to the message's nearest text of it. On a big knowledge base
        only for the articles nearest by centroid or by words (a product with every text
        reads more memory than a few milliseconds allow); the others get -1 and rank last."""
        articles = len(self.articles)
        if articles <= CANDIDATES_BY_CENTROID + CANDIDATES_BY_WORDS:
            similarity = (self._vectors @ query).astype(np.float64)
            return np.asarray(np.maximum.reduceat(similarity, self._starts), dtype=np.float64)
        chosen = np.union1d(
            np.argpartition(-centroid, CANDIDATES_BY_CENTROID)[:CANDIDATES_BY_CENTROID],
            np.argpartition(-lexical, CANDIDATES_BY_WORDS)[:CANDIDATES_BY_WORDS],
        )
        starts, ends = self._starts[chosen], self._ends[chosen]
        rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)])
        similarity = (self._vectors[rows] @ query).astype(np.float64)
        offsets = np.r_[0, np.cumsum(ends - starts)[:-1]]
        nearest = np.full(articles, -1.0, dtype=np.float64)
        nearest[chosen] = np.maximum.reduceat(similarity, offsets)
        return nearest

    def search_vector(self, text: str, query: np.ndarray, k: int = 5) -> Ranking:
        """Rank for `text` whose vector is `query` (already encoded)."""
        if not self.articles or not text.strip():
            return NO_MATCH
        centroid = (self._centroids @ query).astype(np.float64)
        scored = self.words.score(text)
        lexical = scored.scores if scored is not None else np.zeros(len(self.articles))
        nearest = self._nearest(query, centroid, lexical)
        combined = (
            SCORE_WEIGHTS["nearest"] * nearest
            + SCORE_WEIGHTS["centroid"] * centroid
            + SCORE_WEIGHTS["bm25"] * lexical
        )
        order = top_positions(combined, max(k, 2))
        best = int(order[0])
        signals = (
            self.words.signals(scored, best)
            if scored is not None
            else {"matched": 0.0, "specific": 0.0, "covered": 0.0, "known": 0.0, "nearest": 0.0}
        )
        rivals = np.delete(nearest, best)
        signals["margin"] = margin(combined, order)
        signals["nearest_cosine"] = float(nearest[best])
        signals["centroid_cosine"] = float(centroid[best])
        signals["runner_up_cosine"] = float(rivals.max()) if len(rivals) else 0.0
        z = CONFIDENCE_INTERCEPT
        for name, weight in CONFIDENCE_WEIGHTS.items():
            value = signals[name]
            z += weight * (min(value, MATCHED_CAP) if name == "matched" else value)
        ranked = [(self.articles[int(i)], float(combined[i])) for i in order[:k]]
        return Ranking(ranked, logistic(z), signals)
