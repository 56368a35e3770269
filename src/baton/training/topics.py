"""Fit the topic reader (`baton train topics`): first messages labelled with a topic in,
`topics.npz` out.

The corpus is JSON Lines, one customer message a line: `{"id", "lang", "business", "text",
"topic"}`, the topic one of `baton.domain.topics.TOPIC_IDS` (docs/escalation.md, "The topic of a
handoff"). One multinomial logistic regression (scikit-learn, fitting only) over the reader's
features (`baton.training.reader.feature_matrix`), every topic weighing the same in the fit however
many messages it has. Cross-validated accuracy comes from folds
grouped by business, so a figure is for businesses the fold never saw. Seeded: the same corpus
gives a byte-identical weights file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from baton.domain.reader import FEATURE_VERSION
from baton.domain.topics import TOPIC_IDS, LabelledTopic, labelled_topic
from baton.training.reader import CorpusError, feature_matrix

DEFAULT_BITS = 18
DEFAULT_FOLDS = 5
DEFAULT_C = 20.0


def load_topic_file(path: Path) -> list[LabelledTopic]:
    """Every labelled message of one JSON Lines file; blank lines are skipped."""
    out: list[LabelledTopic] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            where = f"{path.name}:{number}"
            try:
                raw = json.loads(line)
            except json.JSONDecodeError as exc:
                raise CorpusError(f"{where}: not JSON ({exc.msg})") from None
            try:
                out.append(labelled_topic(raw, where))
            except ValueError as exc:
                raise CorpusError(str(exc)) from None
    return out


def load_topic_corpus(folder: Path) -> list[LabelledTopic]:
    """Every example of every `*.jsonl` file in `folder`, files in name order."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{folder}: no .jsonl files")
    return [example for path in files for example in load_topic_file(path)]


@dataclass(slots=True)
class TopicFitReport:
    """Cross-validated accuracy overall ("all"), per language and per topic: (right, messages)."""

    examples: int
    per_language: dict[str, tuple[int, int]] = field(default_factory=dict)
    per_topic: dict[str, tuple[int, int]] = field(default_factory=dict)


def _fit(x: Any, y: npt.NDArray[np.int_], c: float, seed: int) -> Any:
    from sklearn.linear_model import LogisticRegression

    # lbfgs on every class at once: a softmax over the topics, not one-vs-rest. Balanced weights:
    # the corpus has far more product questions than returns or greetings, and an unweighted fit
    # leans every doubtful message toward the topics written most.
    model = LogisticRegression(
        C=c, solver="lbfgs", max_iter=2000, random_state=seed, class_weight="balanced"
    )
    model.fit(x, y)
    return model


def _add(table: dict[str, tuple[int, int]], key: str, right: bool) -> None:
    hits, count = table.get(key, (0, 0))
    table[key] = (hits + right, count + 1)


def fit_topics(
    examples: Sequence[LabelledTopic],
    *,
    bits: int = DEFAULT_BITS,
    folds: int = DEFAULT_FOLDS,
    c: float = DEFAULT_C,
    seed: int = 0,
    on_step: Callable[[], None] | None = None,
) -> tuple[dict[str, npt.NDArray[np.generic]], TopicFitReport]:
    """Fit the topics; return the arrays of the weights file and the cross-validated report."""
    from sklearn.model_selection import GroupKFold

    full: Any = feature_matrix([(ex.text, "start", "") for ex in examples], bits)
    # Fit on the buckets the corpus uses only: the rest would get zero weight anyway, and the
    # solver's work grows with every column.
    used = np.unique(full.nonzero()[1])
    x = full[:, used]
    y = np.array([TOPIC_IDS.index(ex.topic) for ex in examples], dtype=np.int_)
    missing = sorted(set(TOPIC_IDS) - {ex.topic for ex in examples})
    if missing:
        raise CorpusError(f"no examples of {', '.join(missing)}")
    groups = np.array([f"{ex.lang}/{ex.business}" for ex in examples])
    report = TopicFitReport(len(examples))
    for train, test in GroupKFold(n_splits=folds).split(np.zeros(len(examples)), groups=groups):
        model = _fit(x[train], y[train], c, seed)
        predicted = model.predict(x[test])
        for index, guess in zip(test.tolist(), predicted.tolist(), strict=True):
            ex = examples[index]
            right = TOPIC_IDS[int(guess)] == ex.topic
            _add(report.per_language, "all", right)
            _add(report.per_language, ex.lang, right)
            _add(report.per_topic, ex.topic, right)
        if on_step is not None:
            on_step()
    model = _fit(x, y, c, seed)
    # Classes are 0..13 in TOPIC_IDS order (every topic has examples), so the rows line up.
    coef = np.zeros((len(TOPIC_IDS), 1 << bits), dtype=np.float16)
    coef[:, used] = np.asarray(model.coef_, dtype=np.float16)
    if on_step is not None:
        on_step()
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "feature_version": np.array(FEATURE_VERSION, dtype=np.int32),
        "topics": np.array(TOPIC_IDS),
        "weights": coef,
        "bias": np.asarray(model.intercept_, dtype=np.float32),
    }
    return arrays, report
