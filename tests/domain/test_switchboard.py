from __future__ import annotations

import pytest

from baton.domain.switchboard import (
    TRANSITIONS,
    ControlState,
    IllegalTransition,
    SwitchboardEvent,
    has_open_handoff,
    is_bot_speaking,
    transition,
)

S, E = ControlState, SwitchboardEvent


@pytest.mark.parametrize(
    ("state", "event", "after"),
    [
        (S.BOT, E.OFFER, S.OFFERED),
        (S.OFFERED, E.DECLINE, S.BOT),
        (S.OFFERED, E.COLLECT, S.COLLECTING),
        (S.COLLECTING, E.QUEUE, S.QUEUED),
        (S.QUEUED, E.CLAIM, S.AGENT),
        (S.QUEUED, E.OPEN_TICKET, S.TICKET),
        (S.TICKET, E.CLAIM, S.AGENT),
        (S.AGENT, E.HAND_BACK, S.BOT),
        (S.AGENT, E.RESOLVE, S.RESOLVED),
        (S.RESOLVED, E.REOPEN, S.BOT),
    ],
    ids=lambda v: v.value if hasattr(v, "value") else None,
)
def test_legal_moves(state: ControlState, event: SwitchboardEvent, after: ControlState) -> None:
    assert transition(state, event) is after


@pytest.mark.parametrize(
    ("state", "event"),
    [(S.BOT, E.CLAIM), (S.RESOLVED, E.RESOLVE), (S.AGENT, E.OFFER), (S.TICKET, E.DECLINE)],
    ids=lambda v: v.value if hasattr(v, "value") else None,
)
def test_illegal_moves_raise_a_named_error(state: ControlState, event: SwitchboardEvent) -> None:
    with pytest.raises(IllegalTransition) as caught:
        transition(state, event)
    assert caught.value.state is state and caught.value.event is event


def test_every_state_can_be_left_and_reached() -> None:
    sources = {state for state, _ in TRANSITIONS}
    targets = set(TRANSITIONS.values())
    assert sources == set(ControlState)
    assert targets == set(ControlState)


def test_the_bot_is_silent_whenever_a_human_holds_the_conversation() -> None:
    for state in ControlState:
        if state in (S.QUEUED, S.AGENT, S.TICKET, S.RESOLVED):
            assert not is_bot_speaking(state)
    assert is_bot_speaking(S.BOT) and is_bot_speaking(S.OFFERED)
    assert has_open_handoff(S.AGENT) and not has_open_handoff(S.BOT)
