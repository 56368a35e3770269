"""The confidence threshold, set from each knowledge base itself.

A knowledge base's own questions are what customers ask it, worded by whoever wrote it. They
are split into folds; each fold is left out in turn, the articles are indexed without it, and
its questions are asked (every article keeps its title, so each stays findable). Of those
ranked to their own article, the threshold lets `ANSWER_SHARE` be answered: the bot then
answers most of the answerable questions it ranks right, on any help centre, without hand
tuning. A shipped set of generic questions from many trades, some far from any help centre
and some near one (`data/off_topic_questions.txt`), is asked too: the threshold is raised
until it declines at least `OFF_TOPIC_DECLINED` of them, and the share it declines is
reported. A knowledge base too small to hold out enough questions keeps the retrieval's
default threshold.
"""

from __future__ import annotations

import dataclasses
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

import numpy as np

from baton.bots.retrieval import Ranking
from baton.domain.articles import Article

# Share of the held-out questions ranked right that the threshold lets the bot answer. Real
# customers word things further from the articles than the articles' own questions are from
# each other, so the aim is above the 85% the bot should keep on real questions.
ANSWER_SHARE = 0.95
# ...unless that lets more than this share of the generic off-topic questions through: a help
# centre whose own questions are all close to each other would otherwise answer anything.
OFF_TOPIC_DECLINED = 0.85
FOLDS = 5
# Enough held-out questions for a stable percentile; more only costs import time.
MAX_HELD_OUT = 600
MIN_RANKED_RIGHT = 12
SEED = 0
# Bump when the way a threshold is chosen changes: saved calibrations are then redone.
FORMAT = 3


class Ranker(Protocol):
    def search(self, text: str, k: int = 5) -> Ranking: ...


@dataclass(frozen=True, slots=True)
class Calibration:
    """The threshold chosen and what it is expected to do."""

    threshold: float
    answered: float  # share of held-out questions ranked right that it answers
    ranked_right: float  # share of held-out questions ranked to their own article
    declined: float  # share of the generic off-topic questions it declines
    held_out: int
    off_topic: int

    def describe(self) -> str:
        return (
            f"threshold {self.threshold:.3f}: answers {self.answered:.0%} of its own "
            f"questions held out and ranked right ({self.ranked_right:.0%} of "
            f"{self.held_out} were), declines {self.declined:.0%} of {self.off_topic} "
            "off-topic questions"
        )

    def as_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


def off_topic_questions() -> list[str]:
    """The shipped generic questions, one a line (blank lines and # comments skipped)."""
    text = (
        resources.files("baton.bots")
        .joinpath("data/off_topic_questions.txt")
        .read_text(encoding="utf-8")
    )
    lines = (line.strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def held_out_folds(
    articles: Sequence[Article],
) -> list[tuple[list[Article], list[tuple[str, str]]]]:
    """Per fold: the articles without the fold's questions, and (question, article id) left
    out, at most `MAX_HELD_OUT` in all (a seeded sample)."""
    entries: list[tuple[int, int, str, str]] = []  # fold, article position, question, id
    for position, article in enumerate(articles):
        title = article.title.casefold().strip()
        for number, question in enumerate(article.questions):
            if question.casefold().strip() != title:
                entries.append(((number + position) % FOLDS, position, question, article.id))
    chosen = entries
    if len(entries) > MAX_HELD_OUT:
        chosen = sorted(random.Random(SEED).sample(entries, MAX_HELD_OUT))
    folds = []
    for fold in range(FOLDS):
        asked = [(q, article_id) for f, _, q, article_id in chosen if f == fold]
        if not asked:
            continue
        left_out = {(p, q) for f, p, q, _ in entries if f == fold}
        kept = [
            dataclasses.replace(
                a, questions=tuple(q for q in a.questions if (position, q) not in left_out)
            )
            for position, a in enumerate(articles)
        ]
        folds.append((kept, asked))
    return folds


def calibrate(
    articles: Sequence[Article],
    build: Callable[[Sequence[Article]], Ranker],
    full: Ranker,
    off_topic: Sequence[str],
    on_step: Callable[[int, int], None] | None = None,
) -> Calibration | None:
    """Choose the threshold for `full` (the index of `articles`); `build` indexes a fold's
    articles. None when too few held-out questions are ranked right to choose one."""
    folds = held_out_folds(articles)
    steps = len(folds) + 1
    right: list[float] = []
    asked = 0
    for done, (kept, questions) in enumerate(folds, start=1):
        index = build(kept)
        for question, article_id in questions:
            ranking = index.search(question)
            asked += 1
            if ranking.best is not None and ranking.best.id == article_id:
                right.append(ranking.confidence)
        if on_step is not None:
            on_step(done, steps)
    off = np.asarray([full.search(q).confidence for q in off_topic], dtype=np.float64)
    if on_step is not None:
        on_step(steps, steps)
    if len(right) < MIN_RANKED_RIGHT:
        return None
    confidences = np.asarray(right, dtype=np.float64)
    threshold = float(np.quantile(confidences, 1 - ANSWER_SHARE, method="lower"))
    if len(off):
        # The least confidence that at least OFF_TOPIC_DECLINED of them stay below.
        ordered = np.sort(off)
        floor = ordered[min(math.ceil(OFF_TOPIC_DECLINED * len(off)), len(off) - 1)]
        threshold = max(threshold, float(floor))
    return Calibration(
        threshold=threshold,
        answered=float(np.mean(confidences >= threshold)),
        ranked_right=len(right) / asked,
        declined=float(np.mean(off < threshold)) if len(off) else 0.0,
        held_out=asked,
        off_topic=len(off),
    )
