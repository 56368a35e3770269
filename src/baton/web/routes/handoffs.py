"""The server-to-server API: another system (an external bot) hands a customer to a human.

Authorised by an API token (`baton token add NAME --scope handoffs:write`); see docs/api.md.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, Response, status

from baton.services.api_handoffs import (
    HandoffView,
    NewConversation,
    TranscriptTurn,
    read_api_handoff,
    start_api_handoff,
)
from baton.services.conversations import ContactIn
from baton.store.tables import ApiToken
from baton.web.api_auth import token_with_scope
from baton.web.deps import Ctx, limit_address
from baton.web.handoff_schemas import HandoffCreate, HandoffPublic, HandoffStarted
from baton.web.openapi import errors

router = APIRouter(
    prefix="/api/v1/handoffs",
    tags=["handoffs"],
    dependencies=[Depends(limit_address)],
    responses=errors(401, 403, 429, 503),
)
WritingToken = Annotated[ApiToken, Depends(token_with_scope("handoffs:write"))]
ReadingToken = Annotated[ApiToken, Depends(token_with_scope("handoffs:read"))]


def _public(view: HandoffView) -> HandoffPublic:
    return HandoffPublic.model_validate(asdict(view))


@router.post(
    "",
    name="start_handoff",
    status_code=status.HTTP_201_CREATED,
    responses=errors(404, 409),
)
async def start_handoff(
    body: HandoffCreate, response: Response, ctx: Ctx, token: WritingToken
) -> HandoffStarted:
    """Hand the customer to a human now (scope `handoffs:write`): live when an agent is
    free, an email ticket otherwise. The answer carries the promise told to the customer."""
    new_conversation = None
    if body.conversation is not None:
        given = body.conversation
        contact = ContactIn(
            name=given.contact.name if given.contact else None,
            email=str(given.contact.email) if given.contact and given.contact.email else None,
            attributes=given.contact.attributes if given.contact else {},
        )
        new_conversation = NewConversation(
            contact,
            [TranscriptTurn(turn.author, turn.text) for turn in given.transcript],
            page_url=given.page.url if given.page else None,
            page_title=given.page.title if given.page else None,
            timezone=given.timezone,
        )
    started = await start_api_handoff(
        ctx,
        reason=body.reason,
        summary=body.summary,
        conversation_id=body.conversation_id,
        new_conversation=new_conversation,
        acting=f"API token {token.name!r}",
    )
    response.headers["Cache-Control"] = "no-store"
    return HandoffStarted(
        **_public(started.handoff).model_dump(), conversation_token=started.conversation_token
    )


@router.get("/{handoff_id}", name="read_handoff", responses=errors(404))
async def read_handoff(
    handoff_id: str, response: Response, ctx: Ctx, token: ReadingToken
) -> HandoffPublic:
    """A handoff's state now (scope `handoffs:read`): who holds the conversation, the promise."""
    response.headers["Cache-Control"] = "no-store"
    return _public(await read_api_handoff(ctx, handoff_id))
