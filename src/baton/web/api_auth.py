"""The server-to-server principal: an API token (`baton token add`) holding the scope a route
needs. A missing, unknown or revoked token is a 401; a token without the scope, a 403."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Security
from fastapi.security import HTTPAuthorizationCredentials

from baton.services.api_tokens import access_api_token
from baton.services.auth import Unauthorized
from baton.store.tables import ApiToken
from baton.web.deps import Ctx
from baton.web.security import api_token


def token_with_scope(scope: str) -> Callable[..., Awaitable[ApiToken]]:
    """A dependency: the calling token, which must hold `scope`."""

    async def calling_token(
        ctx: Ctx,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Security(api_token)],
    ) -> ApiToken:
        secret = credentials.credentials.strip() if credentials else ""
        if not secret:
            raise Unauthorized("send an API token as 'Authorization: Bearer <token>'")
        return await access_api_token(ctx, secret, scope)

    return calling_token
