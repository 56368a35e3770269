"""Rank knowledge-base articles for a customer message, with a confidence in [0, 1].

Each article is indexed twice with BM25: once per question (its title and each of its
questions is a short document of its own) and once as a whole (title, questions and answer).
An article's score mixes the mean of its best few question scores with its whole-article
score, both divided by the most the query could score, so scores mean the same on any
knowledge base whatever its size or wording. Greetings and padding ("hi, I was wondering
if...") are dropped from the message first.

The confidence says whether the knowledge base answers the message at all. It is a logistic
of six signals, each bounded and none growing with the length of the message or the number
of questions an article has, so that it means the same on any knowledge base:

- `matched`: the message's content words the best article's title and questions know
  (a few specific words matched; capped);
- `specific`: the share of the message's content, weighted by idf, that the best article's
  title and questions know;
- `covered`: the same share counting the article's answer too (an answer that mentions the
  customer's words is evidence as well);
- `known`: the share, weighted by idf, of the message's content words the knowledge base
  knows at all (a message about something else brings words of its own);
- `nearest`: how close the message is to the nearest known question (idf-weighted cosine);
- `margin`: how far the best article leads the runner-up (a clear winner, not a coin toss).
"""

from __future__ import annotations

import importlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import bm25s
import numpy as np
from bm25s.stopwords import STOPWORDS_EN, STOPWORDS_EN_PLUS

from baton.domain.articles import Article

# BM25 over short question documents: the usual parameters hold up well.
K1 = 1.5
B = 0.75
# An article's question score is the mean of its best few questions, so one lucky
# word-for-word match weighs less than several good ones.
TOP_QUESTIONS = 3
# Weight of the whole-article score against the question score.
ARTICLE_WEIGHT = 0.5
# The nearest known question is looked for among this many best question documents.
NEAREST_POOL = 20
# Typos are fixed only between terms this long, where one wrong letter rarely makes another
# word ("europ" is not taken for "euro").
MIN_TYPO_LENGTH = 5

# Confidence = logistic(INTERCEPT + sum(weight * signal)). Fitted once by logistic regression
# on several knowledge bases of different shapes together (a banking intent set with 1, 3, 5
# or 10 questions per article and random halves of its topics; help centres for a shop, a
# software product, an airline, a telecom, a university and a clinic with 1 to 7 questions
# per article and conversational messages), each set weighing the same (the full banking set
# twice), answerable and unanswerable messages weighing the same within each set. `specific`
# weighs against `covered`: a word known only from an answer counts 3.4, one from a question
# 0.7 plus its `matched` weight.
CONFIDENCE_INTERCEPT = -1.73
CONFIDENCE_WEIGHTS = {
    "matched": 0.52,
    "specific": -2.67,
    "covered": 3.41,
    "known": 0.14,
    "nearest": 0.79,
    "margin": 3.42,
}
MATCHED_CAP = 6  # past a few matched words, more say little: keeps long messages in check

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "`": "'", "\u00b4": "'"})
_CONTRACTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), replacement)
    for pattern, replacement in (
        (r"\bwon'?t\b", "will not"),
        (r"\bcan'?t\b", "can not"),
        (r"\bshan'?t\b", "shall not"),
        (r"\b(do|does|did|is|are|was|were|has|have|had|could|would|should|must)n'?t\b", r"\1 not"),
        (r"n't\b", " not"),
        (r"\bi'?m\b", "i am"),
        (r"'re\b", " are"),
        (r"\bi'?ve\b", "i have"),
        (r"'ve\b", " have"),
        (r"'ll\b", " will"),
        (r"'d\b", " would"),
        (r"'s\b", ""),
    )
)
_WORD = re.compile(r"[^\W_]+")
_RETRIEVAL_STOPWORDS = frozenset(STOPWORDS_EN)
# Words that carry no topic: a message's content words are what is left without them.
_FUNCTION_WORDS = frozenset(STOPWORDS_EN_PLUS) | {
    "how", "what", "why", "when", "where", "who", "which", "can", "could", "would", "should",
    "do", "does", "did", "i", "my", "me", "you", "your", "please", "hi", "hello", "hey",
    "thanks", "thank", "need", "want", "get", "got", "help", "know", "tell", "ok", "okay",
    "still", "yet", "just", "also", "one", "im", "like", "way", "able",
}  # fmt: skip


def _load_stemmer() -> Callable[[list[str]], list[str]]:
    """Snowball's English stemmer when installed; otherwise plain suffix stripping."""
    try:
        module = importlib.import_module("Stemmer")
    except ImportError:
        return lambda words: [_strip_suffix(w) for w in words]
    stemmer = module.Stemmer("english")
    return lambda words: list(stemmer.stemWords(words))


def _strip_suffix(word: str) -> str:
    """A light English stemmer: plurals and -ed/-ing forms to their stem."""
    if len(word) <= 3:
        return word
    if word.endswith(("ies", "ied")) and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("sses"):
        return word[:-2]
    for suffix in ("ing", "ed"):
        stem = word[: -len(suffix)]
        if word.endswith(suffix) and len(stem) >= 3 and any(c in "aeiouy" for c in stem):
            # "stopped" -> "stop", but "called" stays "call".
            if len(stem) > 3 and stem[-1] == stem[-2] and stem[-1] not in "lsz":
                stem = stem[:-1]
            return stem
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    # "activate" and "activating" meet at "activat".
    return word[:-1] if word.endswith("e") and len(word) > 4 else word


_stem = _load_stemmer()


class Normaliser:
    """Turns text into index terms: lower case, accents and contractions undone, synonyms
    replaced by their canonical word, stop words dropped, words stemmed."""

    def __init__(self, synonyms: Mapping[str, str] | None = None) -> None:
        self._synonyms: dict[tuple[str, ...], list[str]] = {}
        # Matched on stems, so "reimbursements" finds the synonym given as "reimbursement".
        for word, canonical in (synonyms or {}).items():
            key = tuple(_stem(self.words(word)))
            if key:
                self._synonyms[key] = _stem(self.words(canonical))
        self._longest = max((len(k) for k in self._synonyms), default=0)
        self._starts = frozenset(k[0] for k in self._synonyms)

    @staticmethod
    def words(text: str) -> list[str]:
        """Lower-case words without accents, contractions spelt out."""
        text = text.translate(_APOSTROPHES)
        if not text.isascii():  # plain ASCII has no accents to strip: skip the slow part
            text = unicodedata.normalize("NFKD", text)
            text = "".join(c for c in text if not unicodedata.combining(c))
        text = text.casefold()
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
        return _WORD.findall(text)

    def terms(self, text: str) -> list[str]:
        """The index terms of `text`, in order, with repeats."""
        # Synonyms before stop words, so a phrase such as "sign in" keeps its "in".
        terms = self._replace_synonyms(_stem(self.words(text)))
        return [t for t in terms if t not in _RETRIEVAL_STOP_TERMS]

    def _replace_synonyms(self, words: list[str]) -> list[str]:
        if not self._synonyms:
            return words
        out: list[str] = []
        i = 0
        while i < len(words):
            if words[i] not in self._starts:  # most words start no synonym
                out.append(words[i])
                i += 1
                continue
            for size in range(min(self._longest, len(words) - i), 0, -1):
                canonical = self._synonyms.get(tuple(words[i : i + size]))
                if canonical is not None:
                    out.extend(canonical)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out


# Conversational padding around a question ("hi, I was wondering if you could tell me..."):
# dropped from messages (never from articles), so it neither dilutes nor counts as unknown.
_FILLER_WORDS = frozenset(
    "hi hello hey hiya dear morning afternoon evening thanks thank cheers please pls kindly "
    "wondering wonder wondered curious question quick ask asking hoping hope assist anyone "
    "someone somebody guys folks really actually basically literally maybe perhaps possible "
    "possibly let sure yes yeah um uh btw anyway okay ok hopefully appreciate appreciated "
    "advance regards mind usually currently exactly simply tell know wanted".split()
)
_RETRIEVAL_STOP_TERMS = frozenset(_stem(sorted(_RETRIEVAL_STOPWORDS)))
_FILLER_TERMS = frozenset(_stem(sorted(_FILLER_WORDS)))
_CONTENT_STOP_TERMS = frozenset(_stem(sorted(_FUNCTION_WORDS))) | _FILLER_TERMS


def logistic(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-z))


def bm25_confidence(signals: Mapping[str, float]) -> float:
    """The confidence from the signals (see the module docstring)."""
    z = CONFIDENCE_INTERCEPT
    for name, weight in CONFIDENCE_WEIGHTS.items():
        value = signals[name]
        z += weight * (min(value, MATCHED_CAP) if name == "matched" else value)
    return logistic(z)


@dataclass(frozen=True, slots=True)
class Ranking:
    """Articles best first with their scores, the confidence, and the signals behind it."""

    ranked: list[tuple[Article, float]]
    confidence: float
    signals: Mapping[str, float] = field(default_factory=dict)

    @property
    def best(self) -> Article | None:
        return self.ranked[0][0] if self.ranked else None


NO_MATCH = Ranking([], 0.0)


@dataclass(frozen=True, slots=True)
class Scored:
    """A message scored against every article (positions as in `RetrievalIndex.articles`)."""

    terms: list[str]
    content: list[str]
    scores: np.ndarray
    question_scores: np.ndarray


class RetrievalIndex:
    """A BM25 index of articles that ranks them for a message. Immutable once built."""

    def __init__(self, articles: Sequence[Article], synonyms: Mapping[str, str] | None = None):
        self.articles = list(articles)
        self.normaliser = Normaliser(synonyms)
        terms = self.normaliser.terms
        question_docs: list[list[str]] = []
        owners: list[int] = []
        for position, article in enumerate(self.articles):
            for text in (article.title, *article.questions):
                question_docs.append(terms(text))
                owners.append(position)
        article_docs = [terms(" ".join((a.title, *a.questions, a.answer))) for a in self.articles]
        self._owners = np.asarray(owners, dtype=np.int64)
        self._questions = _bm25(question_docs)
        self._whole = _bm25(article_docs)
        self._question_terms = [frozenset(d) for d in question_docs]
        # The words an article is known to be about: its title and questions, which name
        # what customers ask; a long answer mentions much else, so it counts only for an
        # article without questions.
        self._article_terms = [
            frozenset(
                terms(" ".join((a.title, *a.questions) if a.questions else (a.title, a.answer)))
            )
            for a in self.articles
        ]
        self._whole_terms = [frozenset(d) for d in article_docs]
        self._idf_q = _idf(question_docs)
        self._idf_a = _idf(article_docs)
        self._max_idf_q = _idf_value(len(question_docs), 0)
        self._max_idf_a = _idf_value(len(article_docs), 0)
        self._question_weight = np.asarray(
            [sum(self._idf_q[t] for t in d) for d in self._question_terms], dtype=np.float64
        )
        self._slots = _slots(owners, len(self.articles))
        self._slot_counts = np.maximum(
            np.minimum(np.bincount(self._owners, minlength=len(self.articles)), TOP_QUESTIONS), 1
        )
        self._typo_table = _deletion_table(self._idf_a)

    def __len__(self) -> int:
        return len(self.articles)

    def search(self, text: str, k: int = 5) -> Ranking:
        """Rank the articles for `text`; the confidence is 0 when nothing in it is known."""
        scored = self.score(text)
        if scored is None:
            return NO_MATCH
        order = top_positions(scored.scores, max(k, 2))
        best = int(order[0])
        signals = self.signals(scored, best)
        signals["margin"] = margin(scored.scores, order)
        ranked = [(self.articles[int(i)], float(scored.scores[i])) for i in order[:k]]
        if not self.knows_topic(scored):
            return Ranking(ranked, 0.0, signals)
        return Ranking(ranked, bm25_confidence(signals), signals)

    def score(self, text: str) -> Scored | None:
        """Every article's score for `text`, or None when no word of it is known."""
        query = list(dict.fromkeys(self._fix_typos(self.normaliser.terms(text))))
        query = [t for t in query if t not in _FILLER_TERMS] or query
        if not self.articles or not any(t in self._idf_a for t in query):
            return None
        question_scores = self._score(self._questions, query)
        whole_scores = self._score(self._whole, query)
        # Each article's best few question scores, averaged over as many as it has.
        padded = np.append(question_scores, 0.0)[self._slots]
        best_few = -np.sort(-padded, axis=1)[:, :TOP_QUESTIONS]
        question_part = best_few.sum(axis=1) / self._slot_counts
        norm_q = sum(self._idf_q.get(t, self._max_idf_q) for t in query)
        norm_a = sum(self._idf_a.get(t, self._max_idf_a) for t in query)
        combined = (1 - ARTICLE_WEIGHT) * question_part / norm_q + ARTICLE_WEIGHT * (
            whole_scores / norm_a
        )
        content = [t for t in query if t not in _CONTENT_STOP_TERMS]
        return Scored(query, content, combined, question_scores)

    def signals(self, scored: Scored, position: int) -> dict[str, float]:
        """The signals of the module docstring for the article at `position`, but the margin."""
        asked = self._article_terms[position]
        whole = self._whole_terms[position]
        # A word the knowledge base has never seen weighs as much as its rarest word.
        weights = [(t, self._idf_a.get(t, self._max_idf_a)) for t in scored.content]
        total = sum(w for _, w in weights)
        matched, _ = self.coverage(scored, position)

        def share(keep: Callable[[str], bool]) -> float:
            return sum(w for t, w in weights if keep(t)) / total if total else 0.0

        return {
            "matched": float(matched),
            "specific": share(asked.__contains__),
            "covered": share(lambda t: t in asked or t in whole),
            "known": share(self._idf_a.__contains__),
            "nearest": self._nearest(scored.terms, scored.question_scores),
        }

    def coverage(self, scored: Scored, position: int) -> tuple[int, int]:
        """How many of the message's content words the article knows, and how many not."""
        matched = sum(1 for t in scored.content if t in self._article_terms[position])
        return matched, len(scored.content) - matched

    def knows_topic(self, scored: Scored) -> bool:
        """False when only function words ("what", "how") are known: the topic is not."""
        return any(t in self._idf_a for t in scored.content)

    def _score(self, index: bm25s.BM25, query: list[str]) -> np.ndarray:
        known = [t for t in query if t in index.vocab_dict]
        if not known:
            return np.zeros(index.scores["num_docs"], dtype=np.float64)
        return np.asarray(index.get_scores(known), dtype=np.float64)

    def _nearest(self, query: list[str], question_scores: np.ndarray) -> float:
        """Idf-weighted cosine of the query and its nearest known question."""
        query_set = frozenset(query)
        query_weight = sum(self._idf_q.get(t, self._max_idf_q) for t in query_set)
        pool = np.argpartition(-question_scores, min(NEAREST_POOL, len(question_scores) - 1))
        best = 0.0
        for doc in pool[:NEAREST_POOL]:
            if question_scores[doc] <= 0:
                continue
            shared = sum(self._idf_q[t] for t in query_set & self._question_terms[doc])
            if shared:
                best = max(best, shared / math.sqrt(query_weight * self._question_weight[doc]))
        return best

    def _fix_typos(self, terms: list[str]) -> list[str]:
        """Replace an unknown term by a known one a single edit away (the most specific)."""
        fixed = []
        for term in terms:
            if term in self._idf_a or len(term) < MIN_TYPO_LENGTH:
                fixed.append(term)
                continue
            candidates: set[str] = set()
            for variant in _deletions(term):
                candidates |= self._typo_table.get(variant, set())
            fixed.append(min(candidates, key=lambda c: (self._idf_a[c], c)) if candidates else term)
        return fixed


def top_positions(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties keep article order)."""
    return np.argsort(-scores, kind="stable")[:k]


def margin(scores: np.ndarray, order: np.ndarray) -> float:
    """How far the best score leads the runner-up."""
    runner_up = float(scores[order[1]]) if len(order) > 1 else 0.0
    return float(scores[order[0]]) - runner_up


def _bm25(docs: list[list[str]]) -> bm25s.BM25:
    index = bm25s.BM25(k1=K1, b=B)
    # An empty document list or empty documents must still index: bm25s needs one token.
    index.index([d or [""] for d in docs] or [[""]], show_progress=False)
    return index


def _idf_value(documents: int, frequency: int) -> float:
    """BM25's idf as bm25s computes it (Lucene's variant, never negative)."""
    return math.log(1 + (documents - frequency + 0.5) / (frequency + 0.5))


def _idf(docs: list[list[str]]) -> dict[str, float]:
    frequency: dict[str, int] = {}
    for doc in docs:
        for term in set(doc):
            frequency[term] = frequency.get(term, 0) + 1
    return {t: _idf_value(len(docs), n) for t, n in frequency.items()}


def _slots(owners: list[int], articles: int) -> np.ndarray:
    """Row per article listing its question documents; padded with an index past the end,
    which reads a 0 score."""
    widths = np.bincount(np.asarray(owners, dtype=np.int64), minlength=articles)
    width = max(int(widths.max(initial=0)), 1)
    slots = np.full((articles, width), len(owners), dtype=np.int64)
    fill = np.zeros(articles, dtype=np.int64)
    for doc, owner in enumerate(owners):
        slots[owner, fill[owner]] = doc
        fill[owner] += 1
    return slots


def _deletions(term: str) -> Iterable[str]:
    yield term
    for i in range(len(term)):
        yield term[:i] + term[i + 1 :]


def _deletion_table(vocabulary: Iterable[str]) -> dict[str, set[str]]:
    """Every known term under itself and each one-letter deletion of it: two terms one edit
    apart (insertion, deletion, substitution, swap) share an entry."""
    table: dict[str, set[str]] = {}
    for term in vocabulary:
        if len(term) >= MIN_TYPO_LENGTH:
            for variant in _deletions(term):
                table.setdefault(variant, set()).add(term)
    return table
