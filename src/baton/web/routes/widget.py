"""The visitor's API: start a conversation, send messages, read the conversation."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response, status

from baton.domain.identity import IdentityError, verify_identity
from baton.services.conversations import (
    ContactIn,
    list_messages,
    receive_customer_message,
    require_conversation,
    start_conversation,
)
from baton.services.errors import InvalidInput
from baton.services.events import latest_event_id
from baton.services.satisfaction import rate_conversation
from baton.web.deps import Ctx, VisitorConversation, check_rate, client_address, limit_address
from baton.web.openapi import errors
from baton.web.schemas import (
    ConversationCreate,
    ConversationPublic,
    ConversationStarted,
    MessageCreate,
    MessagePosted,
    MessagePublic,
    Rated,
    RatingCreate,
)

router = APIRouter(
    prefix="/api/conversations",
    tags=["widget"],
    dependencies=[Depends(limit_address)],
    responses=errors(429, 503),
)
# A conversation's operations: its token (401), the conversation (404).
ONE_CONVERSATION = errors(401, 404)


def _no_store(response: Response) -> None:
    response.headers["Cache-Control"] = "no-store"


def contact_from_request(ctx: Ctx, body: ConversationCreate) -> ContactIn:
    """A signed identity is trusted; anything else is kept but marked unverified."""
    if body.identity is not None:
        secret = ctx.settings.widget_secret
        if secret is None:
            raise InvalidInput(
                "this Baton accepts no signed identities", code="identity_unsupported"
            )
        try:
            signed = verify_identity(secret.get_secret_value(), body.identity, ctx.clock.now())
        except IdentityError as exc:
            raise InvalidInput(str(exc), code="invalid_identity") from None
        return ContactIn(
            name=signed.name,
            email=signed.email,
            attributes=signed.attributes,
            external_id=signed.external_id,
            verified=True,
        )
    contact = body.contact
    return ContactIn(
        name=contact.name if contact else None,
        email=str(contact.email) if contact and contact.email else None,
        attributes=contact.attributes if contact else {},
    )


@router.post("", name="start_conversation", status_code=status.HTTP_201_CREATED)
async def create_conversation(
    body: ConversationCreate, request: Request, response: Response, ctx: Ctx
) -> ConversationStarted:
    """Start a conversation; the token in the answer opens this conversation and no other."""
    await check_rate(
        request,
        f"start:{client_address(request)}",
        ctx.settings.limits.conversations_per_hour_per_ip,
        3600,
    )
    started = await start_conversation(
        ctx,
        contact=contact_from_request(ctx, body),
        page_url=body.page.url if body.page else None,
        page_title=body.page.title if body.page else None,
        timezone=body.timezone,
    )
    _no_store(response)
    return ConversationStarted(
        conversation=ConversationPublic(
            id=started.conversation.id, state=started.conversation.state, messages=[]
        ),
        token=started.token,
    )


@router.get("/{conversation_id}", name="read_conversation", responses=ONE_CONVERSATION)
async def read_conversation(
    conversation: VisitorConversation, response: Response, ctx: Ctx, after: int = 0
) -> ConversationPublic:
    """The conversation's public messages (after message id `after`, to catch up)."""
    # The event id is read first: anything newer than it will also reach the socket.
    last_event_id = await latest_event_id(ctx)
    messages = await list_messages(ctx, conversation.id, after_id=max(after, 0))
    _no_store(response)
    return ConversationPublic(
        id=conversation.id,
        state=conversation.state,
        messages=[MessagePublic.of(m) for m in messages],
        last_event_id=last_event_id,
    )


@router.post(
    "/{conversation_id}/messages",
    name="post_message",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"model": MessagePosted, "description": "A retried message (same client_id)"},
        **errors(409),
        **ONE_CONVERSATION,
    },
)
async def post_message(
    body: MessageCreate,
    conversation: VisitorConversation,
    request: Request,
    response: Response,
    ctx: Ctx,
) -> MessagePosted:
    """Send a customer message; the answer carries any replies ready by then."""
    await check_rate(
        request,
        f"messages:{conversation.id}",
        ctx.settings.limits.messages_per_minute_per_conversation,
        60,
    )
    received = await receive_customer_message(
        ctx,
        conversation.id,
        body.text,
        client_id=body.client_id,
        asks_for_person=body.asks_for_person,
    )
    if received.bot_job_id is not None:
        # The fast path: answer now instead of waiting for the runner's next pass.
        await ctx.jobs.run_job(received.bot_job_id)
    replies = await list_messages(ctx, conversation.id, after_id=received.message.id)
    current = await require_conversation(ctx, conversation.id)
    _no_store(response)
    if received.duplicate:
        response.status_code = status.HTTP_200_OK
    return MessagePosted(
        message=MessagePublic.of(received.message),
        replies=[MessagePublic.of(m) for m in replies],
        state=current.state,
    )


@router.post(
    "/{conversation_id}/rating",
    name="rate_conversation",
    responses={**errors(409), **ONE_CONVERSATION},
)
async def rate(
    body: RatingCreate, conversation: VisitorConversation, response: Response, ctx: Ctx
) -> Rated:
    """Answer the satisfaction question: good or bad, with an optional comment (once)."""
    await rate_conversation(ctx, conversation.id, body.rating, body.comment)
    _no_store(response)
    return Rated(rating=body.rating)
