"""What agents read in the console: the queue, tickets, one conversation with its context."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import or_, select

from baton.services.context import ServiceContext
from baton.services.conversations import message_data
from baton.services.errors import NotFound
from baton.services.presence import effective_presence
from baton.services.promise_words import word_promise
from baton.store.tables import Agent, Contact, Conversation, Handoff, Message

View = Literal["queue", "mine", "tickets", "open", "all"]
VIEW_STATES: dict[View, tuple[str, ...]] = {
    "queue": ("queued", "collecting"),
    "mine": ("agent", "ticket"),
    "tickets": ("ticket",),
    "open": ("collecting", "queued", "agent", "ticket"),
    "all": (),
}


@dataclass(frozen=True)
class ConversationSummary:
    id: str
    state: str
    customer: str
    email: str | None
    page_title: str | None
    summary: str
    reasons: list[str]
    model: str | None
    waiting_since: datetime | None
    promised_by: datetime | None
    promise_text: str | None
    first_response_at: datetime | None
    agent_id: str | None
    updated_at: datetime

    def as_dict(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        for key in ("waiting_since", "promised_by", "first_response_at", "updated_at"):
            value = data[key]
            data[key] = value.isoformat() if value else None
        return data


@dataclass(frozen=True)
class ConversationDetail:
    summary: ConversationSummary
    messages: list[dict[str, Any]]
    contact: dict[str, Any]
    page_url: str | None
    handoff: dict[str, Any] | None
    earlier: list[dict[str, Any]] = field(default_factory=list)


def _customer_name(contact: Contact | None) -> str:
    if contact is None:
        return "Visitor"
    return contact.name or contact.email or "Visitor"


async def list_conversations(
    ctx: ServiceContext, view: View, *, acting: str, limit: int = 200
) -> list[ConversationSummary]:
    """The console's lists: the queue, my conversations, tickets, everything open."""
    query = (
        select(Conversation, Contact, Handoff)
        .join(Contact, Contact.id == Conversation.contact_id)
        .outerjoin(
            Handoff,
            (Handoff.conversation_id == Conversation.id) & (Handoff.status == "open"),
        )
    )
    states = VIEW_STATES[view]
    if states:
        query = query.where(Conversation.state.in_(states))
    if view == "mine":
        query = query.where(Conversation.assigned_agent_id == acting)
    if view == "tickets":
        query = query.where(
            or_(Conversation.assigned_agent_id.is_(None), Conversation.assigned_agent_id == acting)
        )
    # Oldest waiting first: the customer who has waited longest is served first.
    query = query.order_by(Conversation.waiting_since.is_(None), Conversation.waiting_since)
    async with ctx.sessions() as session:
        rows = (await session.execute(query.limit(limit))).all()
    return [
        _summary(ctx, conversation, contact, handoff) for conversation, contact, handoff in rows
    ]


def _promise_words(ctx: ServiceContext, handoff: Handoff | None) -> str | None:
    """The promise as the team reads it now, on the business's clock."""
    if handoff is None or handoff.promised_by is None:
        return None
    return word_promise(ctx, handoff.promised_by, timezone=None, made_at=handoff.created_at)


def _summary(
    ctx: ServiceContext,
    conversation: Conversation,
    contact: Contact | None,
    handoff: Handoff | None,
) -> ConversationSummary:
    return ConversationSummary(
        id=conversation.id,
        state=conversation.state,
        customer=_customer_name(contact),
        email=contact.email if contact else None,
        page_title=conversation.page_title,
        summary=handoff.summary if handoff else "",
        reasons=list(handoff.reasons) if handoff else [],
        model=handoff.model if handoff else None,
        waiting_since=conversation.waiting_since,
        promised_by=handoff.promised_by if handoff else None,
        promise_text=_promise_words(ctx, handoff),
        first_response_at=handoff.first_response_at if handoff else None,
        agent_id=conversation.assigned_agent_id,
        updated_at=conversation.updated_at,
    )


async def read_conversation(ctx: ServiceContext, conversation_id: str) -> ConversationDetail:
    """One conversation for an agent: every message (notes too), the customer, the handoff."""
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        if conversation is None:
            raise NotFound("no such conversation")
        contact = await session.get(Contact, conversation.contact_id)
        handoff = await session.scalar(
            select(Handoff)
            .where(Handoff.conversation_id == conversation_id)
            .order_by(Handoff.created_at.desc())
            .limit(1)
        )
        messages = (
            await session.scalars(
                select(Message)
                .where(Message.conversation_id == conversation_id)
                .order_by(Message.id)
            )
        ).all()
        earlier: list[Conversation] = []
        # Only a verified email ties conversations together: anyone can type someone's address.
        if contact is not None and contact.email and contact.verified:
            earlier = list(
                (
                    await session.scalars(
                        select(Conversation)
                        .join(Contact, Contact.id == Conversation.contact_id)
                        .where(Contact.email == contact.email, Conversation.id != conversation_id)
                        .order_by(Conversation.created_at.desc())
                        .limit(10)
                    )
                ).all()
            )
    open_handoff = handoff if handoff is not None and handoff.status == "open" else None
    return ConversationDetail(
        summary=_summary(ctx, conversation, contact, open_handoff),
        messages=[message_data(m) for m in messages],
        contact={
            "name": contact.name if contact else None,
            "email": contact.email if contact else None,
            "verified": contact.verified if contact else False,
            "attributes": dict(contact.attributes) if contact else {},
            "returning": bool(earlier),
        },
        page_url=conversation.page_url,
        handoff=None
        if handoff is None
        else {
            "id": handoff.id,
            "status": handoff.status,
            "model": handoff.model,
            "summary": handoff.summary,
            "reasons": list(handoff.reasons),
            "explanation": handoff.decision.get("explanation", ""),
            "signals": handoff.decision.get("signals", []),
            "promise_text": _promise_words(ctx, handoff),
            "promised_by": handoff.promised_by.isoformat() if handoff.promised_by else None,
            "first_response_at": handoff.first_response_at.isoformat()
            if handoff.first_response_at
            else None,
        },
        earlier=[
            {"id": c.id, "state": c.state, "created_at": c.created_at.isoformat()} for c in earlier
        ],
    )


async def list_agents(ctx: ServiceContext) -> list[dict[str, Any]]:
    """The team; `presence` is "online" only for an agent really at their console."""
    now = ctx.clock.now()
    async with ctx.sessions() as session:
        agents = (await session.scalars(select(Agent).order_by(Agent.name))).all()
    return [
        {
            "id": a.id,
            "name": a.name,
            "email": a.email,
            "role": a.role,
            "presence": effective_presence(a, now, ctx.settings),
            "capacity": a.capacity,
            "active": a.active,
        }
        for a in agents
    ]
