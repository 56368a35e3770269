"""Replay labelled conversations through the signals and the policy (`baton eval signals`).

The file format is "Escalation conversations" in the data formats page: one conversation per JSON
line, with the expected outcome. Each conversation is replayed customer message by customer
message: after each one, `read_signals` and `decide` run on the turns so far; bot turns are taken
from the file as written. An offer counts as an escalation.

Reason recall is read as follows: for a conversation the policy escalated, the reasons it named
are those of its first offer or escalation (the turn it escalated at); the score is the share of
all expected reasons, summed over the escalated conversations, that were among them.

Time is measured per customer message around `read_signals` + `decide`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from baton.domain.policy import PolicyDecision, decide
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import read_signals
from baton.domain.turns import BotOutcome, ContactView, PageView, Role, Turn
from baton.escalation import DEFAULT_SETTINGS, EscalationSettings


@dataclass(frozen=True, slots=True)
class Expectation:
    """What a reviewer expects of the policy in one conversation."""

    escalate: bool
    by_turn: int | None
    reasons: frozenset[ReasonCategory]


@dataclass(frozen=True, slots=True)
class LabelledConversation:
    """One conversation of an evaluation file."""

    id: str
    turns: tuple[Turn, ...]
    contact: ContactView | None
    page: PageView | None
    expect: Expectation


@dataclass(frozen=True, slots=True)
class ConversationResult:
    """How the policy did on one conversation."""

    conversation: LabelledConversation
    escalated_at: int | None  # 1-based customer message of the first offer or escalation
    decision: PolicyDecision | None  # that first offer or escalation
    correct: bool


@dataclass(slots=True)
class SignalScores:
    """The scores `baton eval signals` reports."""

    conversations: int = 0
    escalated: int = 0
    false_escalations: int = 0
    recall: float = 0.0
    false_escalation_rate: float = 0.0
    reason_recall: float = 0.0
    p50_us: float = 0.0
    p99_us: float = 0.0
    results: list[ConversationResult] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, float | int]:
        """The scores under the key names of the formats page (without per-conversation results)."""
        data = asdict(self)
        data.pop("results")
        return data


def _time(value: Any) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) else None


def _turn(raw: Mapping[str, Any]) -> Turn:
    role: Role = raw["role"]
    outcome: BotOutcome | None = raw.get("outcome")
    return Turn(role=role, text=str(raw["text"]), at=_time(raw.get("at")), outcome=outcome)


def parse_conversation(raw: Mapping[str, Any]) -> LabelledConversation:
    """One JSON object of an evaluation file as a LabelledConversation."""
    contact_raw = raw.get("contact")
    page_raw = raw.get("page")
    expect = raw.get("expect") or {}
    return LabelledConversation(
        id=str(raw.get("id", "")),
        turns=tuple(_turn(t) for t in raw.get("turns", [])),
        contact=ContactView(
            name=contact_raw.get("name"),
            email=contact_raw.get("email"),
            attributes=dict(contact_raw.get("attributes") or {}),
        )
        if isinstance(contact_raw, Mapping)
        else None,
        page=PageView(url=page_raw.get("url"), title=page_raw.get("title"))
        if isinstance(page_raw, Mapping)
        else None,
        expect=Expectation(
            escalate=bool(expect.get("escalate", False)),
            by_turn=expect.get("by_turn"),
            reasons=frozenset(ReasonCategory(r) for r in expect.get("reasons", [])),
        ),
    )


def load_conversations(path: Path | str) -> list[LabelledConversation]:
    """Read an evaluation file (UTF-8 JSON Lines); blank lines are skipped."""
    with Path(path).open(encoding="utf-8") as handle:
        return [parse_conversation(json.loads(line)) for line in handle if line.strip()]


def _percentile(sorted_values: Sequence[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    index = min(len(sorted_values) - 1, max(0, round(share * (len(sorted_values) - 1))))
    return sorted_values[index]


def replay(
    conversation: LabelledConversation,
    settings: EscalationSettings = DEFAULT_SETTINGS,
    timings: list[float] | None = None,
) -> tuple[int | None, PolicyDecision | None]:
    """The first customer message (1-based) at which the policy offers or escalates, and why.

    Every customer message is replayed (and timed), also after the first escalation.
    """
    customer_count = 0
    first: tuple[int | None, PolicyDecision | None] = (None, None)
    for index, turn in enumerate(conversation.turns):
        if turn.role != "customer":
            continue
        customer_count += 1
        history = conversation.turns[:index]
        started = time.perf_counter_ns()
        signals = read_signals(
            turn.text,
            history,
            conversation.contact,
            conversation.page,
            turn.at,
            settings.signals,
        )
        decision = decide(signals, settings=settings.policy)
        if timings is not None:
            timings.append((time.perf_counter_ns() - started) / 1000)
        if decision.hands_over and first[0] is None:
            first = (customer_count, decision)
    return first


def evaluate_signals(
    conversations: Iterable[LabelledConversation],
    settings: EscalationSettings | None = None,
    on_conversation: Callable[[ConversationResult], None] | None = None,
) -> SignalScores:
    """Replay every conversation and score the policy (see the module docstring)."""
    chosen = settings or DEFAULT_SETTINGS
    scores = SignalScores()
    timings: list[float] = []
    positives = hits = expected_reasons = named_reasons = negatives = 0
    for conversation in conversations:
        at, decision = replay(conversation, chosen, timings)
        expect = conversation.expect
        scores.conversations += 1
        if expect.escalate:
            positives += 1
            correct = at is not None and (expect.by_turn is None or at <= expect.by_turn)
            hits += correct
        else:
            negatives += 1
            correct = at is None
            scores.false_escalations += at is not None
        if decision is not None:
            scores.escalated += 1
            if expect.escalate:
                expected_reasons += len(expect.reasons)
                named_reasons += len(expect.reasons & set(decision.reasons))
        result = ConversationResult(conversation, at, decision, correct)
        scores.results.append(result)
        if on_conversation is not None:
            on_conversation(result)
    timings.sort()
    scores.recall = hits / positives if positives else 0.0
    scores.false_escalation_rate = scores.false_escalations / negatives if negatives else 0.0
    scores.reason_recall = named_reasons / expected_reasons if expected_reasons else 0.0
    scores.p50_us = round(_percentile(timings, 0.50), 1)
    scores.p99_us = round(_percentile(timings, 0.99), 1)
    return scores
