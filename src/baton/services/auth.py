"""Console sign-in: argon2 password check, stored sessions, CSRF tokens.

A password check costs a fifth of a second of CPU on purpose: it runs in a small pool of
threads of its own, so a burst of sign-in attempts waits its turn there while the event loop
keeps serving chats, and at most `PASSWORD_CHECKS` run at once.
"""

from __future__ import annotations

import asyncio
import secrets
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select

from baton.runtime.bus import SESSION_ENDED, Event
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import hash_token
from baton.services.errors import UserError
from baton.store.tables import Agent, AgentSession

SESSION_LIFETIME = timedelta(hours=12)
PASSWORD_CHECKS = 2
_hasher = PasswordHasher()
_password_checks = ThreadPoolExecutor(PASSWORD_CHECKS, thread_name_prefix="baton-password")
# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = _hasher.hash("not a real password")


class Unauthorized(UserError):
    status = 401
    code = "unauthorized"


class Forbidden(UserError):
    status = 403
    code = "forbidden"


@dataclass(frozen=True)
class SignedIn:
    agent: Agent
    token: str
    csrf_token: str


def normalise_login(email: str) -> str:
    """The sign-in identifier as it is counted and looked up: spaces and case do not matter."""
    return email.strip().casefold()


def _password_matches(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


async def check_password(password_hash: str, password: str) -> bool:
    """The argon2 check, off the event loop, a few at a time."""
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(_password_checks, _password_matches, password_hash, password)


async def log_in(ctx: ServiceContext, email: str, password: str) -> SignedIn:
    """Check the password and open a session; one message for every failure."""
    async with ctx.sessions() as session:
        # Stored addresses are lower-cased (`create_agent`).
        agent = await session.scalar(select(Agent).where(Agent.email == email.strip().lower()))
    # No database connection is held while the password is checked.
    matches = await check_password(agent.password_hash if agent else _DUMMY_HASH, password)
    if agent is None or not matches or not agent.active:
        raise Unauthorized("wrong email or password", code="bad_credentials")
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
        tx.session.add(
            AgentSession(
                token_hash=hash_token(token),
                agent_id=agent.id,
                csrf_token=csrf,
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
        await tx.session.execute(delete(AgentSession).where(AgentSession.expires_at < now))
    return SignedIn(agent, token, csrf)


async def session_agent(ctx: ServiceContext, token: str) -> tuple[Agent, str]:
    """The agent and CSRF token of a live session; Unauthorized for anything else."""
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        row = await session.get(AgentSession, hash_token(token))
        agent = await session.get(Agent, row.agent_id) if row is not None else None
    if row is None or agent is None or row.expires_at < now or not agent.active:
        raise Unauthorized("sign in to the console")
    return agent, row.csrf_token


async def log_out(ctx: ServiceContext, token: str) -> None:
    """End the session; the console sockets opened with it close too."""
    session_hash = hash_token(token)
    async with transaction(ctx) as tx:
        row = await tx.session.get(AgentSession, session_hash)
        await tx.session.execute(
            delete(AgentSession).where(AgentSession.token_hash == session_hash)
        )
    if row is not None:
        await ctx.bus.publish(
            Event(SESSION_ENDED, data={"session": session_hash}, agent_id=row.agent_id)
        )
