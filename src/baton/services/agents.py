"""Agent use cases: create an agent, set presence, deactivate an agent."""

from __future__ import annotations

import uuid
from typing import Literal

from argon2 import PasswordHasher
from sqlalchemy import delete, func, select

from baton.domain.switchboard import ControlState
from baton.runtime.bus import SESSION_ENDED, Event
from baton.services.auth import Forbidden
from baton.services.context import ServiceContext, transaction
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.services.presence import touch
from baton.services.queue import sweep_queue
from baton.store.tables import Agent, AgentSession, Conversation

Presence = Literal["online", "away", "offline"]
_hasher = PasswordHasher()


async def create_agent(
    ctx: ServiceContext,
    *,
    email: str,
    name: str,
    password: str,
    role: Literal["admin", "agent"] = "agent",
    capacity: int = 3,
) -> Agent:
    """Add a person to the support team (the password is stored as an argon2 hash)."""
    if len(password) < 10:
        raise InvalidInput("password must have at least 10 characters", code="weak_password")
    if capacity < 1:
        raise InvalidInput("capacity must be at least 1")
    async with transaction(ctx) as tx:
        if await tx.session.scalar(select(Agent.id).where(Agent.email == email.lower())):
            raise Conflict("an agent with this email exists")
        agent = Agent(
            id=str(uuid.uuid4()),
            email=email.lower(),
            name=name,
            password_hash=_hasher.hash(password),
            role=role,
            presence="offline",
            capacity=capacity,
            active=True,
            created_at=ctx.clock.now(),
        )
        tx.session.add(agent)
    return agent


async def set_presence(ctx: ServiceContext, agent_id: str, presence: Presence) -> None:
    """An agent goes online, away or offline."""
    async with transaction(ctx) as tx:
        agent = await tx.session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent")
        agent.presence = presence
        # Chosen at the console: the agent is there now.
        touch(agent, ctx.clock.now())
        tx.on_commit(Event("agent.presence", data={"agent_id": agent_id, "presence": presence}))
    if presence != "online":
        # The last agent leaving must not strand queued customers.
        await sweep_queue(ctx)


async def deactivate_agent(ctx: ServiceContext, agent_id: str, *, acting: str) -> None:
    """An admin removes someone from the team: their sessions end and their sockets close.

    Refused while they hold live chats (transfer or resolve them first: no customer is left
    with nobody) and for oneself (a team never locks out its last admin by accident)."""
    async with transaction(ctx) as tx:
        admin = await tx.session.get(Agent, acting)
        if admin is None or not admin.active or admin.role != "admin":
            raise Forbidden("only an admin can deactivate agents", code="admin_only")
        if agent_id == acting:
            raise Conflict("you cannot deactivate yourself", code="self_deactivation")
        agent = await tx.session.get(Agent, agent_id)
        if agent is None:
            raise NotFound("no such agent")
        holding = await tx.session.scalar(
            select(func.count(Conversation.id)).where(
                Conversation.assigned_agent_id == agent_id,
                Conversation.state == ControlState.AGENT.value,
            )
        )
        if holding:
            raise Conflict(
                f"{agent.name} holds {holding} live conversation(s): "
                "transfer or resolve them first",
                code="agent_busy",
            )
        agent.active = False
        agent.presence = "offline"
        await tx.session.execute(delete(AgentSession).where(AgentSession.agent_id == agent_id))
        tx.on_commit(Event("agent.presence", data={"agent_id": agent_id, "presence": "offline"}))
    await ctx.bus.publish(Event(SESSION_ENDED, data={"session": None}, agent_id=agent_id))
    await sweep_queue(ctx)
