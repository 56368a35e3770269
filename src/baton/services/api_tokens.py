"""API tokens: how another system (an external bot, a CRM) calls Baton's server-to-server API.

A token is shown once, when it is made; only its SHA-256 hash is stored (a token is 32 random
bytes, so a fast hash is enough). Each token carries scopes and can be revoked; a revoked or
unknown token is a 401, a token without the scope a route needs is a 403. See docs/api.md.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from baton.domain.api_scopes import SCOPES
from baton.services.auth import Forbidden, Unauthorized
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import hash_token
from baton.services.errors import InvalidInput, NotFound
from baton.store.tables import ApiToken

TOKEN_PREFIX = "baton_"
# Recording every use would write on every request; once a minute says "in use" just as well.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class CreatedToken:
    token: ApiToken
    secret: str


async def create_api_token(ctx: ServiceContext, name: str, scopes: Iterable[str]) -> CreatedToken:
    """Make a token with these scopes; the secret is in the answer and never stored."""
    wanted = sorted(set(scopes))
    unknown = [scope for scope in wanted if scope not in SCOPES]
    if unknown:
        raise InvalidInput(
            f"unknown scope {', '.join(unknown)}; known scopes: {', '.join(SCOPES)}",
            code="unknown_scope",
        )
    if not wanted:
        raise InvalidInput("give the token at least one scope", code="no_scope")
    name = name.strip()
    if not name or len(name) > 100:
        raise InvalidInput("a token's name has 1 to 100 characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    async with transaction(ctx) as tx:
        row = ApiToken(
            id=str(uuid.uuid4()),
            name=name,
            token_hash=hash_token(secret),
            scopes=wanted,
            created_at=ctx.clock.now(),
        )
        tx.session.add(row)
    return CreatedToken(row, secret)


async def list_api_tokens(ctx: ServiceContext) -> list[ApiToken]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(ApiToken).order_by(ApiToken.created_at))
        return list(rows)


async def revoke_api_token(ctx: ServiceContext, token_id: str) -> ApiToken:
    """Stop a token from working, at once and for good (revoking twice changes nothing)."""
    async with transaction(ctx) as tx:
        row = await tx.session.get(ApiToken, token_id[:36])
        if row is None:
            raise NotFound("no such API token")
        row.revoked_at = row.revoked_at or ctx.clock.now()
    return row


async def access_api_token(ctx: ServiceContext, secret: str, scope: str) -> ApiToken:
    """The live token behind `secret`, if it holds `scope`; 401 or 403 otherwise."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        row = await tx.session.scalar(
            select(ApiToken).where(ApiToken.token_hash == hash_token(secret))
        )
        if row is None or row.revoked_at is not None:
            raise Unauthorized("unknown or revoked API token", code="invalid_token")
        if scope not in row.scopes:
            raise Forbidden(f"this API token lacks the scope {scope}", code="insufficient_scope")
        if row.last_used_at is None or now - row.last_used_at >= LAST_USED_PRECISION:
            row.last_used_at = now
    return row
