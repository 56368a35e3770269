"""Single messages labelled ask / not ask for a person (`baton eval asks`).

Each line: `{"id", "lang", "text", "ask": true|false}`, or a line of the reader's corpus
(`{"id", "lang", "text", "labels": [...]}`, an ask when the labels hold `explicit_request`,
routine when they are empty). A message is read as the first of a conversation; it counts as
recognised when the policy hands over with the reason `explicit_request`. Scores are given
overall and per language, since an ask missed in one language is a customer left with the bot;
`routine_escalated` is the share of routine messages (no ask, nothing else wrong) handed over
for any reason.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from baton.domain.policy import PolicyDecision, decide
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import read_signals
from baton.escalation import DEFAULT_SETTINGS, EscalationSettings


@dataclass(frozen=True, slots=True)
class LabelledAsk:
    id: str
    lang: str
    text: str
    ask: bool
    # nothing wrong at all, a plain question (the loader sets it: an ask file's non-asks, a
    # corpus line without labels)
    routine: bool = False


@dataclass(slots=True)
class AskScores:
    """Recall of asks and the share of other messages read as asks, for one language or all."""

    messages: int = 0
    asks: int = 0
    recognised: int = 0
    false_asks: int = 0
    routine: int = 0
    routine_escalated: int = 0
    missed: list[str] = field(default_factory=list, repr=False)
    wrongly_read: list[str] = field(default_factory=list, repr=False)

    @property
    def recall(self) -> float:
        return self.recognised / self.asks if self.asks else 0.0

    @property
    def false_ask_rate(self) -> float:
        others = self.messages - self.asks
        return self.false_asks / others if others else 0.0

    @property
    def routine_escalated_rate(self) -> float:
        return self.routine_escalated / self.routine if self.routine else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "messages": self.messages,
            "asks": self.asks,
            "recall": round(self.recall, 3),
            "false_ask_rate": round(self.false_ask_rate, 3),
            "routine": self.routine,
            "routine_escalated": round(self.routine_escalated_rate, 3),
        }


def load_asks(path: Path | str) -> list[LabelledAsk]:
    """Read an ask file (UTF-8 JSON Lines); blank lines are skipped."""
    rows: list[LabelledAsk] = []
    with Path(path).open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                raw = json.loads(line)
                if "ask" in raw:
                    ask, routine = bool(raw["ask"]), not raw["ask"]
                else:
                    labels = list(raw["labels"])
                    ask, routine = "explicit_request" in labels, not labels
                rows.append(
                    LabelledAsk(
                        str(raw.get("id", "")), str(raw.get("lang", "")), raw["text"], ask, routine
                    )
                )
    return rows


def reads_as_ask(text: str, settings: EscalationSettings = DEFAULT_SETTINGS) -> bool:
    """Whether the policy hands over for an explicit request on this first message."""
    decision = _decide(text, settings)
    return decision.hands_over and ReasonCategory.EXPLICIT_REQUEST in decision.reasons


def _decide(text: str, settings: EscalationSettings) -> PolicyDecision:
    signals = read_signals(text, (), None, None, None, settings.signals)
    return decide(signals, settings=settings.policy)


def evaluate_asks(
    rows: Iterable[LabelledAsk],
    settings: EscalationSettings = DEFAULT_SETTINGS,
    on_message: Callable[[], None] | None = None,
) -> dict[str, AskScores]:
    """Scores under "all" and under each language code."""
    scores: dict[str, AskScores] = {"all": AskScores()}
    for row in rows:
        decision = _decide(row.text, settings)
        read = decision.hands_over and ReasonCategory.EXPLICIT_REQUEST in decision.reasons
        for key in ("all", row.lang):
            score = scores.setdefault(key, AskScores())
            score.messages += 1
            if row.routine:
                score.routine += 1
                score.routine_escalated += decision.hands_over
            if row.ask:
                score.asks += 1
                score.recognised += read
                if not read:
                    score.missed.append(row.text)
            elif read:
                score.false_asks += 1
                score.wrongly_read.append(row.text)
        if on_message is not None:
            on_message()
    return scores
