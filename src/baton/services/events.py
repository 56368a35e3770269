"""Reading the event log: what a reconnecting socket missed."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select

from baton.runtime.bus import Event
from baton.services.context import ServiceContext
from baton.store.tables import EventRow

# A client further behind than this refetches the conversation instead of replaying events.
REPLAY_LIMIT = 500


@dataclass(frozen=True)
class Missed:
    events: list[Event]
    resync: bool  # too far behind: refetch over the API


async def events_since(
    ctx: ServiceContext, after_id: int, *, conversation_id: str | None = None
) -> Missed:
    """Events after `after_id`: one conversation's public ones (a visitor), or all (agents)."""
    query = select(EventRow).where(EventRow.id > after_id)
    if conversation_id is not None:
        query = query.where(EventRow.conversation_id == conversation_id, EventRow.public.is_(True))
    async with ctx.sessions() as session:
        rows = (await session.scalars(query.order_by(EventRow.id).limit(REPLAY_LIMIT + 1))).all()
        # Events after `after_id` were purged (`services.retention`): replaying the rest would
        # skip them silently.
        oldest = await session.scalar(select(func.min(EventRow.id))) if after_id > 0 else None
    if len(rows) > REPLAY_LIMIT or (oldest is not None and oldest > after_id + 1):
        return Missed([], resync=True)
    return Missed(
        [Event(r.type, r.conversation_id, r.public, dict(r.data), r.id) for r in rows],
        resync=False,
    )


async def latest_event_id(ctx: ServiceContext) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(EventRow.id).order_by(EventRow.id.desc())) or 0)
