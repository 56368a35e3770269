"""Whether a reply address (`reply+<token>@<reply_domain>`) belongs to a conversation."""

from __future__ import annotations

import re

from sqlalchemy import select

from baton.services.context import ServiceContext
from baton.services.email import read_reply_token
from baton.store.tables import Conversation

_REPLY_ADDRESS = re.compile(r"^<?reply\+([A-Za-z0-9_-]{22,})@([A-Za-z0-9.-]+)>?$", re.IGNORECASE)


async def is_known_reply_address(ctx: ServiceContext, address: str) -> bool:
    """True for the reply address of an existing conversation, on our reply domain."""
    match = _REPLY_ADDRESS.match(address.strip())
    domain = ctx.settings.email.reply_domain.lower().rstrip(".")
    if match is None or match.group(2).lower().rstrip(".") != domain:
        return False
    async with ctx.sessions() as session:
        found = await session.scalar(
            select(Conversation.id)
            .where(Conversation.reply_token == read_reply_token(ctx, match.group(1))[0])
            .limit(1)
        )
    return found is not None
