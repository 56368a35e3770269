"""Agent use cases: create an agent, set presence."""

from __future__ import annotations

import uuid
from typing import Literal

from argon2 import PasswordHasher
from sqlalchemy import select

from baton.runtime.bus import Event
from baton.services.context import ServiceContext, transaction
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.services.queue import sweep_queue
from baton.store.tables import Agent

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
        tx.on_commit(Event("agent.presence", data={"agent_id": agent_id, "presence": presence}))
    if presence != "online":
        # The last agent leaving must not strand queued customers.
        await sweep_queue(ctx)
