"""Fit the reader (`baton train reader`): labelled customer messages in, `reader.npz` out.

The corpus is JSON Lines, one customer message a line (docs/escalation.md, "Refitting the
reader"): `{"id", "lang", "business", "history": [{"role", "text", "outcome"?}], "text",
"labels": [...]}`. Each label is a one-vs-rest logistic regression (scikit-learn, fitting only)
over `baton.domain.reader.features`. Thresholds come from cross-validation on the corpus alone,
folds grouped by business so a figure is for businesses the fold never saw. Seeded: the same
corpus gives a byte-identical weights file.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import numpy.typing as npt

from baton.domain.reader import FEATURE_VERSION, LABELS, context_key, features
from baton.domain.turns import Turn

DEFAULT_BITS = 18
DEFAULT_FOLDS = 5
DEFAULT_C = 16.0
# An explicit ask hands the conversation over at once: its threshold keeps precision this high.
_EXPLICIT_PRECISION = 0.9
# The bars at which the reader is trusted alone: an ask it reads hands over at once, so it must
# be right nearly every time; upset or a complex problem only brings an offer the customer can
# decline, but a conversation has many messages and each may be misread, so that one too must
# be rarely wrong.
TRUST_PRECISION = {"explicit_request": 0.98, "emotional": 0.95, "complex_issue": 0.95}
_ROLES = frozenset({"customer", "bot", "agent", "system"})


class CorpusError(ValueError):
    """A corpus line that cannot be read; names the file and line."""


@dataclass(frozen=True, slots=True)
class Example:
    id: str
    lang: str
    business: str
    text: str
    outcome: str
    previous: str
    labels: frozenset[str]


def _example(raw: object, where: str) -> Example:
    if not isinstance(raw, dict):
        raise CorpusError(f"{where}: expected a JSON object")
    text = raw.get("text")
    if not isinstance(text, str) or not text.strip():
        raise CorpusError(f"{where}: 'text' must be a non-empty string")
    labels = raw.get("labels", [])
    if not isinstance(labels, list) or any(label not in LABELS for label in labels):
        raise CorpusError(f"{where}: 'labels' must be a list of {', '.join(LABELS)}")
    history: list[Turn] = []
    for turn in raw.get("history") or []:
        if not isinstance(turn, dict) or turn.get("role") not in _ROLES:
            raise CorpusError(f"{where}: each history turn needs a role of {sorted(_ROLES)}")
        outcome = turn.get("outcome")
        history.append(
            Turn(
                role=turn["role"],
                text=str(turn.get("text", "")),
                outcome=outcome if outcome in ("answered", "fallback") else None,
            )
        )
    outcome, previous = context_key(history)
    return Example(
        id=str(raw.get("id", where)),
        lang=str(raw.get("lang", "")) or "?",
        business=str(raw.get("business", "")),
        text=text,
        outcome=outcome,
        previous=previous,
        labels=frozenset(labels),
    )


def load_corpus(folder: Path) -> list[Example]:
    """Every example of every `*.jsonl` file in `folder`, files in name order."""
    files = sorted(folder.glob("*.jsonl"))
    if not files:
        raise CorpusError(f"{folder}: no .jsonl files")
    out: list[Example] = []
    for path in files:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                where = f"{path.name}:{number}"
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise CorpusError(f"{where}: not JSON ({exc.msg})") from None
                out.append(_example(raw, where))
    return out


def design_matrix(examples: Sequence[Example], bits: int = DEFAULT_BITS) -> object:
    """The examples' features as a sparse matrix (rows in order)."""
    return feature_matrix([(ex.text, ex.outcome, ex.previous) for ex in examples], bits)


def feature_matrix(messages: Sequence[tuple[str, str, str]], bits: int = DEFAULT_BITS) -> object:
    """The features of (text, bot outcome before it, previous customer message) triples as a
    sparse matrix, one row per message in order."""
    from scipy import sparse

    rows, cols, vals = [], [], []
    for i, (text, outcome, previous) in enumerate(messages):
        feats = features(text, outcome, previous, bits)
        rows.append(np.full(len(feats.buckets), i, dtype=np.int64))
        cols.append(feats.buckets)
        vals.append(feats.values)
    return sparse.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
        shape=(len(messages), 1 << bits),
        dtype=np.float64,
    )


def _fit_one(x: object, y: npt.NDArray[np.int_], c: float, seed: int) -> tuple[object, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=c, solver="liblinear", random_state=seed, max_iter=1000)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def _threshold(y: npt.NDArray[np.int_], p: npt.NDArray[np.float64], label: str) -> float:
    """Best F1 on the out-of-fold probabilities; for explicit asks, among thresholds whose
    precision is high enough."""
    best, best_t = -1.0, 0.5
    for t in np.round(np.arange(0.2, 0.96, 0.01), 2):
        chosen = p >= t
        tp = int((chosen & (y == 1)).sum())
        precision = tp / chosen.sum() if chosen.sum() else 1.0
        recall = tp / (y == 1).sum() if (y == 1).sum() else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        if label == "explicit_request" and precision < _EXPLICIT_PRECISION:
            continue
        if f1 > best:
            best, best_t = f1, float(t)
    return best_t


def trust_bar(
    y: npt.NDArray[np.int_], p: npt.NDArray[np.float64], precision: float, min_read: int = 25
) -> float:
    """The lowest probability from which up the out-of-fold precision never falls below
    `precision` (scanning down from 0.99); 0.99 when even that falls short. Until `min_read`
    messages are read, one mislabelled message would decide alone: precision counts from there."""
    bar = 0.99
    for t in np.round(np.arange(0.99, 0.19, -0.01), 2):
        chosen = p >= t
        if chosen.sum() < min_read:
            bar = float(t)
            continue
        if (chosen & (y == 1)).sum() / chosen.sum() < precision:
            break
        bar = float(t)
    return bar


@dataclass(slots=True)
class LabelFigures:
    """Cross-validated figures of one label in one language."""

    positives: int = 0
    negatives: int = 0
    true_positives: int = 0
    false_positives: int = 0

    @property
    def recall(self) -> float:
        return self.true_positives / self.positives if self.positives else 0.0

    @property
    def precision(self) -> float:
        read = self.true_positives + self.false_positives
        return self.true_positives / read if read else 0.0

    @property
    def false_rate(self) -> float:
        return self.false_positives / self.negatives if self.negatives else 0.0


@dataclass(slots=True)
class FitReport:
    """What fitting found: thresholds, and per language and label the cross-validated figures
    at those thresholds (`routine_escalated`: share of messages with no label read as any)."""

    examples: int
    thresholds: dict[str, float]
    figures: dict[str, dict[str, LabelFigures]] = field(default_factory=dict)
    routine: dict[str, tuple[int, int]] = field(default_factory=dict)
    # the same at the bars at which the reader is trusted alone (`trust_bar`)
    bars: dict[str, float] = field(default_factory=dict)
    figures_in_use: dict[str, dict[str, LabelFigures]] = field(default_factory=dict)


def _count(
    table: dict[str, dict[str, LabelFigures]], lang: str, label: str, positive: bool, read: bool
) -> None:
    fig = table.setdefault(lang, {}).setdefault(label, LabelFigures())
    if positive:
        fig.positives += 1
        fig.true_positives += read
    else:
        fig.negatives += 1
        fig.false_positives += read


def fit_reader(
    examples: Sequence[Example],
    *,
    bits: int = DEFAULT_BITS,
    folds: int = DEFAULT_FOLDS,
    c: float = DEFAULT_C,
    seed: int = 0,
    on_step: Callable[[str], None] | None = None,
) -> tuple[dict[str, npt.NDArray[np.generic]], FitReport]:
    """Fit every label; return the arrays of the weights file and the cross-validated report."""
    from sklearn.model_selection import GroupKFold

    x = design_matrix(examples, bits)
    groups = np.array([f"{ex.lang}/{ex.business}" for ex in examples])
    splits = list(GroupKFold(n_splits=folds).split(np.zeros(len(examples)), groups=groups))
    out_of_fold = np.zeros((len(LABELS), len(examples)))
    weights = np.zeros((len(LABELS), 1 << bits), dtype=np.float16)
    bias = np.zeros(len(LABELS), dtype=np.float32)
    thresholds = np.zeros(len(LABELS), dtype=np.float32)
    bars = np.zeros(len(LABELS), dtype=np.float32)
    for row, label in enumerate(LABELS):
        y = np.array([label in ex.labels for ex in examples], dtype=np.int_)
        for train, test in splits:
            coef, intercept = _fit_one(x[train], y[train], c, seed)  # type: ignore[index]
            logits = x[test] @ coef + intercept  # type: ignore[index]
            out_of_fold[row, test] = 1.0 / (1.0 + np.exp(-logits))
            if on_step is not None:
                on_step(label)
        thresholds[row] = _threshold(y, out_of_fold[row], label)
        bars[row] = max(thresholds[row], trust_bar(y, out_of_fold[row], TRUST_PRECISION[label]))
        coef, intercept = _fit_one(x, y, c, seed)
        weights[row] = np.asarray(coef, dtype=np.float16)
        bias[row] = intercept
        if on_step is not None:
            on_step(label)
    chosen = {label: float(t) for label, t in zip(LABELS, thresholds, strict=True)}
    report = FitReport(len(examples), chosen)
    report.bars = {label: float(t) for label, t in zip(LABELS, bars, strict=True)}
    for i, ex in enumerate(examples):
        read_any = False
        for row, label in enumerate(LABELS):
            read = bool(out_of_fold[row, i] >= thresholds[row])
            read_any = read_any or read
            for lang in ("all", ex.lang):
                _count(report.figures, lang, label, label in ex.labels, read)
                used = bool(out_of_fold[row, i] >= report.bars[label])
                _count(report.figures_in_use, lang, label, label in ex.labels, used)
        if not ex.labels:
            for lang in ("all", ex.lang):
                routine, escalated = report.routine.get(lang, (0, 0))
                report.routine[lang] = (routine + 1, escalated + read_any)
    arrays: dict[str, npt.NDArray[np.generic]] = {
        "feature_version": np.array(FEATURE_VERSION, dtype=np.int32),
        "labels": np.array(LABELS),
        "weights": weights,
        "bias": bias,
        "thresholds": thresholds,
        "bars": bars,
    }
    return arrays, report


def write_weights(path: Path, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """An .npz numpy can load, written byte for byte the same for the same arrays (np.savez
    stamps each member with the current time)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.asarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, member.getvalue())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buffer.getvalue())


def languages(examples: Iterable[Example]) -> list[str]:
    """The languages of a corpus, most examples first."""
    counts: dict[str, int] = {}
    for ex in examples:
        counts[ex.lang] = counts.get(ex.lang, 0) + 1
    return sorted(counts, key=lambda lang: (-counts[lang], lang))
