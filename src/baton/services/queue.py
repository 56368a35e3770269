"""Queue rules: nobody left to take a queued customer means an email ticket, said honestly.

A queued conversation becomes a ticket when every agent has gone offline (or is full), or when
the business closes; the customer is told so, with the promise. (Waiting too long is the
`queue_timeout` job in `handoffs.expire_queue_wait`.)
"""

from __future__ import annotations

from sqlalchemy import select

from baton.services.context import ServiceContext, transaction
from baton.services.conversations import lock_conversation
from baton.services.handoffs import count_available_agents, get_open_handoff, queue_to_ticket
from baton.store.tables import Conversation


async def sweep_queue(ctx: ServiceContext) -> int:
    """Turn queued conversations into tickets when no one can take them; returns how many."""
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        queued = list(
            (
                await session.scalars(select(Conversation.id).where(Conversation.state == "queued"))
            ).all()
        )
        if not queued:
            return 0
        if ctx.hours.is_open(now) and await count_available_agents(session) > 0:
            return 0
    moved = 0
    for conversation_id in queued:
        async with transaction(ctx) as tx:
            conversation = await lock_conversation(tx.session, conversation_id)
            handoff = await get_open_handoff(tx.session, conversation_id)
            if conversation.state != "queued" or handoff is None:
                continue
            await queue_to_ticket(ctx, tx, conversation, handoff)
            moved += 1
    return moved
