"""Presence that follows the console: who can take a customer now.

An agent is online when they chose "online", a console socket of theirs answered within
`handoff.console_timeout_seconds` (each open socket keeps `console_seen_at` fresh, in whatever
process it is open), and they did something there within `handoff.idle_minutes`. The chats of
a holder who is no longer online go back to the queue, or to email with the promise
(`services.ownership.release_absent_holders`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, update

from baton.config import Settings
from baton.services.context import ServiceContext
from baton.store.tables import Agent

# A console's pings refresh its row at most this often: a write every few seconds per agent.
TOUCH_EVERY = timedelta(seconds=10)


def online_clause(now: datetime, settings: Settings) -> ColumnElement[bool]:
    """SQL: the agent is online now (chosen, console open, not idle)."""
    handoff = settings.handoff
    return and_(
        Agent.active.is_(True),
        Agent.presence == "online",
        Agent.console_seen_at >= now - timedelta(seconds=handoff.console_timeout_seconds),
        Agent.active_at >= now - timedelta(minutes=handoff.idle_minutes),
    )


def is_online(agent: Agent, now: datetime, settings: Settings) -> bool:
    handoff = settings.handoff
    return (
        agent.active
        and agent.presence == "online"
        and agent.console_seen_at is not None
        and agent.console_seen_at >= now - timedelta(seconds=handoff.console_timeout_seconds)
        and agent.active_at is not None
        and agent.active_at >= now - timedelta(minutes=handoff.idle_minutes)
    )


def effective_presence(agent: Agent, now: datetime, settings: Settings) -> str:
    """What the team sees: "online" only when the agent really is; "away" when they chose
    online but their console is closed or idle."""
    if agent.presence != "online":
        return agent.presence
    return "online" if is_online(agent, now, settings) else "away"


def touch(agent: Agent, now: datetime, *, acted: bool = True) -> None:
    """The agent is at their console now (an action taken there, in a use case's transaction)."""
    agent.console_seen_at = now
    if acted:
        agent.active_at = now


async def console_seen(ctx: ServiceContext, agent_id: str, *, acted: bool) -> None:
    """A console socket of this agent answered (`acted`: the agent did something there)."""
    now = ctx.clock.now()
    values: dict[str, datetime] = {"console_seen_at": now}
    if acted:
        values["active_at"] = now
    async with ctx.sessions() as session, session.begin():
        await session.execute(update(Agent).where(Agent.id == agent_id).values(**values))
