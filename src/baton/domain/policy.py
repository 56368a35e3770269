"""The escalation policy: signals in, a decision out (`none`, `offer`, `escalate`), with reasons.

Pure and fast. The score is the sum of the signal weights, capped at 1. An explicit ask for a
person escalates at once. Context (a high-value customer, a large order discussed earlier, a
checkout page) never escalates on its own; with any sign of trouble it lowers the bar and, for a
high-value customer, adds `high_value` to the reasons. A declined offer is not repeated unless a
clearly stronger score follows. Thresholds live in `PolicySettings` (`[policy]` in baton.toml).
See docs/escalation.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from pydantic import BaseModel, Field

from baton.domain.reasons import ReasonCategory
from baton.domain.signals import CONTEXT_KINDS, READER_KINDS, Signal, SignalKind


class DecisionKind(StrEnum):
    NONE = "none"
    OFFER = "offer"
    ESCALATE = "escalate"


class PolicySettings(BaseModel):
    """When signals become an offer or a handoff (`[policy]`)."""

    offer_threshold: float = Field(
        0.45, gt=0, le=1, description="Score at or over which the bot offers a human."
    )
    escalate_threshold: float = Field(
        0.9,
        gt=0,
        le=1,
        description="Score at or over which the conversation is handed over without asking.",
    )
    high_value_offer_threshold: float = Field(
        0.3,
        gt=0,
        le=1,
        description="Offer threshold for a high-value customer who shows any sign of trouble.",
    )
    min_trouble: float = Field(
        0.15,
        ge=0,
        le=1,
        description="Smallest trouble score that counts as 'a sign of trouble' for context.",
    )
    reoffer_margin: float = Field(
        0.25,
        ge=0,
        le=1,
        description="After a declined offer, offer again only when the score beats the "
        "declined offer's score by this much (an explicit ask always escalates).",
    )
    min_reason_weight: float = Field(
        0.2,
        ge=0,
        le=1,
        description="A signal must weigh at least this much for its reason to be named.",
    )


DEFAULT_POLICY_SETTINGS = PolicySettings()

_HIGH_VALUE_CONTEXT = frozenset({SignalKind.HIGH_VALUE_CONTACT, SignalKind.LARGE_ORDER_EARLIER})


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """What to do after one customer message, and why."""

    kind: DecisionKind
    score: float
    reasons: tuple[ReasonCategory, ...]
    signals: tuple[Signal, ...]
    note: str = ""

    @property
    def hands_over(self) -> bool:
        """True for an offer or an escalation."""
        return self.kind is not DecisionKind.NONE

    def explain(self) -> str:
        """One readable paragraph: the decision, the score, and each signal with its words."""
        head = f"{self.kind.value} (score {self.score:.2f})"
        if self.reasons:
            head += ": " + ", ".join(r.value for r in self.reasons)
        if self.note:
            head += f" — {self.note}"
        if not self.signals:
            return head + "; no signals"
        lines = [head]
        for s in sorted(self.signals, key=lambda s: -s.weight):
            lines.append(f"  - {s.kind.value} [{s.reason.value}] +{s.weight:.2f}: {s.evidence}")
        return "\n".join(lines)


def _reasons(signals: Iterable[Signal], minimum: float) -> list[ReasonCategory]:
    totals: dict[ReasonCategory, float] = {}
    read_only: list[ReasonCategory] = []
    for s in signals:
        if s.weight >= minimum:
            totals[s.reason] = totals.get(s.reason, 0.0) + s.weight
        elif s.kind in READER_KINDS:
            # the reader read this reason without weighing it: named after the others
            read_only.append(s.reason)
    named = sorted(totals, key=lambda r: -totals[r])
    return named + [r for r in dict.fromkeys(read_only) if r not in totals]


def decide(
    signals: Iterable[Signal],
    *,
    offer_declined_at_score: float | None = None,
    settings: PolicySettings = DEFAULT_POLICY_SETTINGS,
) -> PolicyDecision:
    """Turn one message's signals into none, offer or escalate.

    `offer_declined_at_score` is the score of the offer the customer last declined in this
    conversation (None when no offer was declined since the bot took the conversation back).
    """
    found = tuple(signals)
    drivers = [s for s in found if s.kind not in CONTEXT_KINDS]
    if any(s.kind is SignalKind.EXPLICIT_ASK and s.weight > 0 for s in found):
        named = [ReasonCategory.EXPLICIT_REQUEST, *_reasons(drivers, settings.min_reason_weight)]
        if any(s.kind in _HIGH_VALUE_CONTEXT for s in found):
            named.append(ReasonCategory.HIGH_VALUE)
        return PolicyDecision(
            DecisionKind.ESCALATE,
            1.0,
            tuple(dict.fromkeys(named)),
            found,
            "the customer asked for a person",
        )
    trouble = sum(s.weight for s in drivers)
    score = trouble
    offer_at = settings.offer_threshold
    high_value = False
    reasons = _reasons(drivers, settings.min_reason_weight)
    if sum(s.weight for s in drivers if s.kind not in READER_KINDS) >= settings.min_trouble:
        context = [s for s in found if s.kind in CONTEXT_KINDS]
        score += sum(s.weight for s in context)
        if any(s.kind in _HIGH_VALUE_CONTEXT for s in context):
            high_value = True
            offer_at = min(offer_at, settings.high_value_offer_threshold)
    score = round(min(score, 1.0), 3)
    if high_value and score >= offer_at and ReasonCategory.HIGH_VALUE not in reasons:
        reasons.append(ReasonCategory.HIGH_VALUE)

    if score >= settings.escalate_threshold:
        kind = DecisionKind.ESCALATE
    elif score >= offer_at:
        kind = DecisionKind.OFFER
    else:
        return PolicyDecision(DecisionKind.NONE, score, (), found, "below the offer threshold")

    note = "high-value customer in trouble" if high_value else ""
    if offer_declined_at_score is not None:
        needed = offer_declined_at_score + settings.reoffer_margin
        if score < needed:
            return PolicyDecision(
                DecisionKind.NONE,
                score,
                (),
                found,
                f"an offer was declined at {offer_declined_at_score:.2f}; "
                f"not repeated below {min(needed, 1.0):.2f}",
            )
        note = f"stronger than the declined offer ({offer_declined_at_score:.2f})"
    return PolicyDecision(kind, score, tuple(reasons), found, note)
