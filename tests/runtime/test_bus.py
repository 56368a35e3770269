"""The in-process fan-out: a subscriber that falls behind is told so, never skipped silently."""

from __future__ import annotations

import pytest

from baton.runtime.bus import Event, InProcessBus, Lagged


async def test_a_subscriber_too_far_behind_is_marked_lagged_instead_of_missing_events() -> None:
    bus = InProcessBus(queue_size=2)
    async with bus.subscribe("agents") as events:
        for n in range(1, 4):
            await bus.publish(Event("message.created", "c", data={"n": n}, id=n))
        assert events.lagged
        with pytest.raises(Lagged):
            await events.__anext__()
