"""Who holds a conversation now: the control states and the one table of legal moves.

See docs/architecture.md ("The switchboard"). Every change of state in Baton goes through
`transition`, so an illegal move fails loudly instead of leaving a conversation nowhere.
"""

from __future__ import annotations

from enum import StrEnum


class ControlState(StrEnum):
    BOT = "bot"
    OFFERED = "offered"
    COLLECTING = "collecting"
    QUEUED = "queued"
    AGENT = "agent"
    TICKET = "ticket"
    RESOLVED = "resolved"


class SwitchboardEvent(StrEnum):
    OFFER = "offer"
    DECLINE = "decline"
    COLLECT = "collect"
    QUEUE = "queue"
    OPEN_TICKET = "open_ticket"
    CLAIM = "claim"
    HAND_BACK = "hand_back"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    # The agent holding it went away (console closed or idle): back to the queue.
    RELEASE = "release"


class IllegalTransition(Exception):
    """An event that the current state does not accept."""

    def __init__(self, state: ControlState, event: SwitchboardEvent) -> None:
        super().__init__(f"cannot {event.value} a conversation in state {state.value!r}")
        self.state = state
        self.event = event


S = ControlState
E = SwitchboardEvent

TRANSITIONS: dict[tuple[ControlState, SwitchboardEvent], ControlState] = {
    (S.BOT, E.OFFER): S.OFFERED,
    (S.BOT, E.COLLECT): S.COLLECTING,
    (S.BOT, E.QUEUE): S.QUEUED,
    (S.BOT, E.OPEN_TICKET): S.TICKET,
    (S.OFFERED, E.DECLINE): S.BOT,
    (S.OFFERED, E.COLLECT): S.COLLECTING,
    (S.OFFERED, E.QUEUE): S.QUEUED,
    (S.OFFERED, E.OPEN_TICKET): S.TICKET,
    (S.COLLECTING, E.QUEUE): S.QUEUED,
    (S.COLLECTING, E.OPEN_TICKET): S.TICKET,
    # An agent may take the conversation live while the bot is still asking for an email.
    (S.COLLECTING, E.CLAIM): S.AGENT,
    (S.QUEUED, E.CLAIM): S.AGENT,
    # No agent in time, every agent left, or the business closed.
    (S.QUEUED, E.OPEN_TICKET): S.TICKET,
    (S.AGENT, E.HAND_BACK): S.BOT,
    # The holder went away and nobody else can take it live: an email ticket, with the promise.
    (S.AGENT, E.RELEASE): S.QUEUED,
    (S.AGENT, E.OPEN_TICKET): S.TICKET,
    (S.AGENT, E.RESOLVE): S.RESOLVED,
    # Customer and agent both online again: the ticket becomes a live chat.
    (S.TICKET, E.CLAIM): S.AGENT,
    (S.TICKET, E.RESOLVE): S.RESOLVED,
    # The customer writes again after resolution: a repeat contact, back to the bot.
    (S.RESOLVED, E.REOPEN): S.BOT,
}

# States in which a handoff is open: a human has been promised.
HANDOFF_STATES = frozenset({S.COLLECTING, S.QUEUED, S.AGENT, S.TICKET})
# States in which the bot may speak; in any other state a late bot reply is dropped.
BOT_STATES = frozenset({S.BOT, S.OFFERED, S.COLLECTING})


def transition(state: ControlState, event: SwitchboardEvent) -> ControlState:
    """The state after `event`, or IllegalTransition."""
    try:
        return TRANSITIONS[(state, event)]
    except KeyError:
        raise IllegalTransition(state, event) from None


def can(state: ControlState, event: SwitchboardEvent) -> bool:
    return (state, event) in TRANSITIONS


def is_bot_speaking(state: ControlState) -> bool:
    return state in BOT_STATES


def has_open_handoff(state: ControlState) -> bool:
    return state in HANDOFF_STATES
