"""Queue rules: nobody left to take a queued customer means an email ticket, said honestly.

A queued conversation becomes a ticket when every agent has gone offline (or is full); the
customer is told so, with the promise. Business hours alone do not close the queue: an agent who
is online takes customers whenever they are. (Waiting too long is the
`queue_timeout` job in `handoffs.expire_queue_wait`.)
"""

from __future__ import annotations

import logging

from sqlalchemy import and_, or_, select

from baton.domain.switchboard import ControlState
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import lock_conversation
from baton.services.handoffs import (
    count_available_agents,
    get_open_handoff,
    queue_to_ticket,
    requeue,
)
from baton.services.presence import is_online, online_clause
from baton.store.tables import Agent, Conversation, Handoff

log = logging.getLogger(__name__)


async def sweep_queue(ctx: ServiceContext) -> int:
    """Turn queued conversations into tickets when no one can take them; returns how many."""
    async with ctx.sessions() as session:
        queued = list(
            (
                await session.scalars(select(Conversation.id).where(Conversation.state == "queued"))
            ).all()
        )
        if not queued:
            return 0
        # Hours alone do not close the queue: someone online takes customers whenever they are.
        if await count_available_agents(ctx, session) > 0:
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


async def check_ownership(ctx: ServiceContext) -> int:
    """No conversation is left with nobody to answer: run at start-up and periodically.

    A holder who is no longer online (console closed past the grace, or idle) gives their live
    chats back; a handoff left open while the bot holds the chat, or a live chat held by
    nobody, is put back in the queue. Returns how many conversations were moved."""
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        absent = select(Agent.id).where(online_clause(now, ctx.settings))
        stranded = list(
            (
                await session.scalars(
                    select(Conversation.id)
                    .join(Handoff, (Handoff.conversation_id == Conversation.id))
                    .where(
                        Handoff.status == "open",
                        or_(
                            Conversation.state.in_(
                                (ControlState.BOT.value, ControlState.OFFERED.value)
                            ),
                            and_(
                                Conversation.state == ControlState.AGENT.value,
                                or_(
                                    Conversation.assigned_agent_id.is_(None),
                                    Conversation.assigned_agent_id.not_in(absent),
                                ),
                            ),
                        ),
                    )
                )
            ).all()
        )
    moved = 0
    for conversation_id in stranded:
        if await _put_back(ctx, conversation_id):
            moved += 1
    if moved:
        log.info("put %d conversation(s) with nobody to answer back in the queue", moved)
    return moved


async def _put_back(ctx: ServiceContext, conversation_id: str) -> bool:
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        handoff = await get_open_handoff(tx.session, conversation_id)
        if handoff is None:
            return False
        state = ControlState(conversation.state)
        holder: Agent | None = None
        if state is ControlState.AGENT:
            holder = (
                await tx.session.get(Agent, conversation.assigned_agent_id)
                if conversation.assigned_agent_id
                else None
            )
            if holder is not None and is_online(holder, now, ctx.settings):
                return False  # back meanwhile
        elif state not in (ControlState.BOT, ControlState.OFFERED):
            return False
        await requeue(ctx, tx, conversation, handoff, left=holder)
    return True
