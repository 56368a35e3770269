"""`baton eval kb`: replay labelled queries through the knowledge-base bot and score it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from baton.bots.base import Answer
from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from baton.domain.articles import Article


class QueryFormatError(Exception):
    """A queries file that cannot be used; names the file, the line and why."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = source if line is None else f"{source}, line {line}"
        super().__init__(f"{where}: {problem}")


@dataclass(frozen=True, slots=True)
class KbQuery:
    """A labelled query: `expect` is the id of the article that answers it, or None."""

    text: str
    expect: str | None


@dataclass(frozen=True, slots=True)
class KbScores:
    """The scores of one run; `auroc` is None when the queries lack one of the two kinds."""

    queries: int
    in_scope_accuracy: float
    # Answerable queries whose article is ranked first, whatever the confidence.
    in_scope_before_threshold: float
    threshold: float
    oos_recall: float
    oos_precision: float
    auroc: float | None
    p50_ms: float
    p99_ms: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def load_queries(path: Path) -> list[KbQuery]:
    """Read a queries file (JSON Lines of {"text": ..., "expect": id or null})."""
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryFormatError(source, None, f"cannot be read: {exc}") from None
    queries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise QueryFormatError(source, number, f"not valid JSON: {exc.msg}") from None
        if not isinstance(row, dict):
            raise QueryFormatError(source, number, "expected a JSON object")
        query, expect = row.get("text"), row.get("expect")
        if not isinstance(query, str):
            raise QueryFormatError(source, number, "'text' must be text")
        if expect is not None and not isinstance(expect, str):
            raise QueryFormatError(source, number, "'expect' must be an article id or null")
        queries.append(KbQuery(query, expect))
    return queries


def evaluate_kb(
    articles: Sequence[Article],
    queries: Sequence[KbQuery],
    settings: KnowledgeBaseSettings,
    on_query: Callable[[KbQuery, Answer], None] | None = None,
    on_built: Callable[[], None] | None = None,
    tuned_models: Path | None = None,
    index_folder: Path | None = None,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> tuple[KbScores, KnowledgeBaseBot]:
    """Ask the bot each query on its own (no history) and score its answers. `on_built` is
    called once the index is built (and its threshold calibrated, unless set)."""
    bot = KnowledgeBaseBot(
        articles,
        settings,
        tuned_models=tuned_models,
        index_folder=index_folder,
        on_progress=on_progress,
    )
    if on_built is not None:
        on_built()
    elapsed: list[float] = []
    confidences: list[float] = []
    right = ranked_first = answerable = caught = fallbacks = unanswerable = 0
    for query in queries:
        started = time.perf_counter()
        ranking = bot.rank(query.text)
        answer = bot.decide(ranking)
        elapsed.append(time.perf_counter() - started)
        best = ranking.best
        ranked_first += query.expect is not None and best is not None and best.id == query.expect
        confidences.append(answer.confidence)
        if query.expect is None:
            unanswerable += 1
            caught += answer.fallback
        else:
            answerable += 1
            right += not answer.fallback and answer.article_id == query.expect
        fallbacks += answer.fallback
        if on_query is not None:
            on_query(query, answer)
    times_ms = np.asarray(elapsed or [0.0]) * 1000
    is_unanswerable = np.asarray([q.expect is None for q in queries], dtype=bool)
    scores = KbScores(
        queries=len(queries),
        in_scope_accuracy=_share(right, answerable),
        in_scope_before_threshold=_share(ranked_first, answerable),
        threshold=bot.threshold,
        oos_recall=_share(caught, unanswerable),
        oos_precision=_share(caught, fallbacks),
        # Low confidence should flag the unanswerable ones: score them by 1 - confidence.
        auroc=auroc(1 - np.asarray(confidences, dtype=np.float64), is_unanswerable),
        p50_ms=float(np.percentile(times_ms, 50)),
        p99_ms=float(np.percentile(times_ms, 99)),
    )
    return scores, bot


def auroc(scores: np.ndarray, positive: np.ndarray) -> float | None:
    """Area under the ROC curve of `scores` for the `positive` items (Mann-Whitney U,
    ties counted half); None when either class is missing."""
    scores = np.asarray(scores, dtype=np.float64)
    positive = np.asarray(positive, dtype=bool)
    n_pos = int(positive.sum())
    n_neg = len(positive) - n_pos
    if n_pos == 0 or n_neg == 0:
        return None
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    # Tied scores share the mean of the ranks they span (1-based).
    ends = np.cumsum(counts)
    mean_ranks = ends - (counts - 1) / 2
    ranks = mean_ranks[inverse]
    u = ranks[positive].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 0.0
