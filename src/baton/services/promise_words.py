"""A stored promise in words, made when it is shown (docs/handoff.md, "Promises").

Only the due instant is kept as the promise; the chat words it relative to now ("by 9:00 AM
today"), email states it absolutely with the zone, as mail is read later.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from baton.domain.promises import render_due_absolute, render_promise, restore_promise
from baton.services.context import ServiceContext


def word_promise(
    ctx: ServiceContext, due: datetime, *, timezone: str | None, made_at: datetime | None = None
) -> str:
    """For the chat, at this moment, on the customer's clock when known (else the business's,
    with its zone named); `made_at`: when the promise was made, so it reads as it did then
    while that is still true ("within 2 hours" at once, "first thing Monday")."""
    tz = ZoneInfo(timezone) if timezone else ctx.hours.tz
    promise = restore_promise(made_at, due, ctx.hours, ctx.settings.sla)
    return render_promise(promise, ctx.clock.now(), tz, show_zone=timezone is None)


def state_promise(ctx: ServiceContext, due: datetime, *, timezone: str | None = None) -> str:
    """For email: "by 09:00 Tuesday 8 December (Europe/London)", in `timezone` when given
    (the customer's), else the business's."""
    name = timezone or ctx.settings.business_hours.timezone
    return render_due_absolute(due, ZoneInfo(name), name)
