"""Baton's escalation rules as a library: should this conversation go to a human, and why?

Usable without the server, by any bot that keeps its own conversation history::

    from baton.escalation import Turn, assess

    history = [
        Turn("customer", "Can I restrict guests to one column of a board?"),
        Turn("bot", "Sorry, I don't have an answer for that.", outcome="fallback"),
    ]
    decision = assess("what about hiding a single field from guests", history)
    decision.kind       # DecisionKind.OFFER
    decision.reasons    # (ReasonCategory.KNOWLEDGE_GAP,)
    print(decision.explain())

`assess` reads the signals of one customer message (with the turns before it, oldest first) and
runs the policy. Pass `offer_declined_at_score` when the customer turned down an earlier offer,
so the offer is not repeated unless something stronger follows. See docs/escalation.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from pydantic import BaseModel, Field

from baton.domain.policy import (
    DecisionKind,
    PolicyDecision,
    PolicySettings,
    decide,
)
from baton.domain.reasons import ReasonCategory
from baton.domain.signals import Signal, SignalKind, SignalSettings, read_signals
from baton.domain.turns import ContactView, PageView, Turn

__all__ = [
    "ContactView",
    "DecisionKind",
    "EscalationSettings",
    "PageView",
    "PolicyDecision",
    "PolicySettings",
    "ReasonCategory",
    "Signal",
    "SignalKind",
    "SignalSettings",
    "Turn",
    "assess",
    "decide",
    "read_signals",
]


class EscalationSettings(BaseModel):
    """The signal and policy settings together (`[signals]` and `[policy]` in baton.toml)."""

    signals: SignalSettings = Field(
        default_factory=SignalSettings, description="What counts as a signal (`[signals]`)."
    )
    policy: PolicySettings = Field(
        default_factory=PolicySettings, description="When signals become a decision (`[policy]`)."
    )


DEFAULT_SETTINGS = EscalationSettings()


def assess(
    message: str,
    history: Sequence[Turn] = (),
    contact: ContactView | None = None,
    page: PageView | None = None,
    now: datetime | None = None,
    settings: EscalationSettings | None = None,
    *,
    offer_declined_at_score: float | None = None,
) -> PolicyDecision:
    """Decide none, offer or escalate for one customer message, with reasons and evidence."""
    chosen = settings or DEFAULT_SETTINGS
    signals = read_signals(message, history, contact, page, now, chosen.signals)
    return decide(signals, offer_declined_at_score=offer_declined_at_score, settings=chosen.policy)
