"""The console's principal: an agent signed in with a session cookie, CSRF-checked on writes.

A visitor's conversation token is a different kind of credential and opens nothing here.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request, Security

from baton.services.auth import Forbidden, Unauthorized, session_agent
from baton.store.tables import Agent
from baton.web.deps import Ctx
from baton.web.security import CSRF_HEADER, SESSION_COOKIE, console_session, csrf_token

__all__ = ["CSRF_HEADER", "SESSION_COOKIE", "CurrentAdmin", "CurrentAgent", "SignedInAgent"]
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class SignedInAgent:
    agent: Agent
    csrf_token: str


async def current_agent(
    request: Request,
    ctx: Ctx,
    token: Annotated[str | None, Security(console_session)],
    sent_csrf: Annotated[str | None, Security(csrf_token)],
) -> SignedInAgent:
    if not token:
        raise Unauthorized("sign in to the console")
    agent, csrf = await session_agent(ctx, token)
    if request.method not in SAFE_METHODS:
        sent = sent_csrf or ""
        if not secrets.compare_digest(sent.encode(), csrf.encode()):
            raise Forbidden("missing or wrong CSRF token", code="csrf_failed")
    return SignedInAgent(agent, csrf)


CurrentAgent = Annotated[SignedInAgent, Depends(current_agent)]


async def current_admin(signed_in: CurrentAgent) -> SignedInAgent:
    if signed_in.agent.role != "admin":
        raise Forbidden("admins only")
    return signed_in


CurrentAdmin = Annotated[SignedInAgent, Depends(current_admin)]
