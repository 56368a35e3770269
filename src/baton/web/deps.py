"""Dependencies the views share: the service context, the visitor's conversation, rate limits."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Security
from fastapi.security import HTTPAuthorizationCredentials

from baton.services.context import ServiceContext
from baton.services.conversations import access_conversation
from baton.services.errors import NotFound, RateLimited, UserError
from baton.store.tables import Conversation
from baton.web.rate_limits import RateLimiter
from baton.web.security import conversation_token


class Unauthorized(UserError):
    status = 401
    code = "unauthorized"


def get_ctx(request: Request) -> ServiceContext:
    ctx: ServiceContext = request.app.state.ctx
    return ctx


Ctx = Annotated[ServiceContext, Depends(get_ctx)]


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def check_rate(request: Request, key: str, limit: int, window_seconds: int) -> None:
    """Count one request against `key` in every process; 429 past `limit` per window."""
    limiter: RateLimiter = request.app.state.rate_limiter
    wait = await limiter.hit(key, limit, window_seconds)
    if wait is not None:
        raise RateLimited("too many requests; try again shortly", retry_after=wait)


async def limit_address(request: Request, ctx: Ctx) -> None:
    await check_rate(
        request,
        f"ip:{client_address(request)}",
        ctx.settings.limits.requests_per_minute_per_ip,
        60,
    )


async def visitor_conversation(
    ctx: Ctx,
    conversation_id: str,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Security(conversation_token)],
) -> Conversation:
    """The conversation the visitor's bearer token opens (tokens never travel in URLs)."""
    token = credentials.credentials.strip() if credentials else ""
    if not token:
        raise Unauthorized("send the conversation token as 'Authorization: Bearer <token>'")
    if len(conversation_id) > 64:
        raise NotFound("no such conversation")
    return await access_conversation(ctx, conversation_id, token)


VisitorConversation = Annotated[Conversation, Depends(visitor_conversation)]
