"""Promise alerts: warn the team before a promise to a customer breaks, and when it has.

`check_promises` runs every half minute in every Baton process; marking the handoff with a
compare-and-set makes each alert go out once even then.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from baton.runtime.bus import Event
from baton.services.context import ServiceContext, transaction
from baton.services.email_queue import enqueue_alert_email
from baton.services.promise_words import state_promise
from baton.store.tables import Handoff

ALERT_LEAD = timedelta(minutes=30)


async def check_promises(ctx: ServiceContext, *, lead: timedelta = ALERT_LEAD) -> list[Event]:
    """Alert on open handoffs with no human reply whose promise is near or past."""
    now = ctx.clock.now()
    sent: list[Event] = []
    async with ctx.sessions() as session:
        candidates = (
            await session.scalars(
                select(Handoff).where(
                    Handoff.status == "open",
                    Handoff.first_response_at.is_(None),
                    Handoff.promised_by.is_not(None),
                    Handoff.promised_by <= now + lead,
                    Handoff.broken_alerted_at.is_(None),
                )
            )
        ).all()
    for handoff in candidates:
        assert handoff.promised_by is not None
        broken = handoff.promised_by <= now
        column = Handoff.broken_alerted_at if broken else Handoff.at_risk_alerted_at
        if not broken and handoff.at_risk_alerted_at is not None:
            continue
        async with transaction(ctx) as tx:
            claimed = await tx.session.execute(
                update(Handoff)
                .where(Handoff.id == handoff.id, column.is_(None))
                .values({column.key: now})
                .execution_options(synchronize_session=False)
            )
            if getattr(claimed, "rowcount", 0) != 1:
                continue  # another process alerted first
            event = Event(
                "promise.broken" if broken else "promise.at_risk",
                handoff.conversation_id,
                data={
                    "handoff_id": handoff.id,
                    "promised_by": handoff.promised_by.isoformat(),
                    "promise": state_promise(ctx, handoff.promised_by),
                    "summary": handoff.summary,
                    "agent_id": handoff.agent_id,
                    "minutes_left": round((handoff.promised_by - now).total_seconds() / 60),
                },
            )
            tx.on_commit(event)
            refreshed = await tx.session.get(Handoff, handoff.id)
            if refreshed is not None:
                await enqueue_alert_email(ctx, tx, refreshed, event.type.split(".")[1])
            sent.append(event)
    return sent
