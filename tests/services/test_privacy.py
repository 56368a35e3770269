"""A person's data on request: export it all, forget it all, touch no one else."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import func, select

from baton.domain.reasons import ReasonCategory
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, receive_customer_message, start_conversation
from baton.services.errors import NotFound
from baton.services.handoffs import escalate
from baton.services.privacy import export_contact, find_contacts, forget_contact
from baton.store.integrations import WebhookDelivery, WebhookEndpoint
from baton.store.tables import (
    Contact,
    Conversation,
    Deletion,
    EventRow,
    Handoff,
    Mail,
    Message,
    OutboxJob,
)


async def _customer(ctx: ServiceContext, name: str, email: str, words: str) -> tuple[str, str]:
    started = await start_conversation(ctx, contact=ContactIn(name=name, email=email))
    conversation_id = started.conversation.id
    await receive_customer_message(ctx, conversation_id, f"{words}, my order never came")
    await escalate(ctx, conversation_id, [ReasonCategory.EXPLICIT_REQUEST])
    return started.contact.id, conversation_id


async def _rows(ctx: ServiceContext, conversation_id: str) -> dict[str, int]:
    """How many rows of each kind still name this conversation."""
    async with ctx.sessions() as session:
        jobs = (await session.scalars(select(OutboxJob.payload))).all()
        bodies = (await session.scalars(select(WebhookDelivery.body))).all()
        counts = {
            table.__tablename__: await session.scalar(
                select(func.count()).select_from(table).where(column == conversation_id)
            )
            or 0
            for table, column in (
                (Conversation, Conversation.id),
                (Message, Message.conversation_id),
                (Handoff, Handoff.conversation_id),
                (EventRow, EventRow.conversation_id),
                (Mail, Mail.conversation_id),
            )
        }
    counts["outbox_jobs"] = sum(1 for p in jobs if p.get("conversation_id") == conversation_id)
    counts["webhook_deliveries"] = sum(1 for b in bodies if conversation_id in b)
    return counts


async def _leave_traces(
    ctx: ServiceContext, conversation_id: str, email: str, event_id: int
) -> None:
    """An email in the conversation, a held inbound mail, a webhook delivery waiting to retry."""
    now = ctx.clock.now()
    async with ctx.sessions() as session, session.begin():
        endpoint = await session.get(WebhookEndpoint, "endpoint-1")
        if endpoint is None:
            endpoint = WebhookEndpoint(
                id="endpoint-1", url="https://hooks.example/x", secret="s" * 32, created_at=now
            )
            session.add(endpoint)
            await session.flush()
        session.add_all(
            [
                Mail(
                    direction="out",
                    status="sent",
                    kind="confirmation",
                    conversation_id=conversation_id,
                    recipients=email,
                    subject="We have your request",
                    raw=f"To: {email}\n\nWe have your request",
                    created_at=now,
                ),
                Mail(
                    direction="in",
                    status="held",
                    kind="inbound",
                    sender=email,
                    subject="Where is it?",
                    raw=f"From: {email}\n\nWhere is it?",
                    created_at=now,
                ),
                WebhookDelivery(
                    id=f"msg_{conversation_id[:8]}",
                    endpoint_id=endpoint.id,
                    event_type="handoff.created",
                    event_id=event_id,
                    body=json.dumps({"data": {"conversation_id": conversation_id}}),
                    status="pending",
                    created_at=now,
                ),
            ]
        )


async def test_an_export_holds_all_of_one_contact_and_nothing_of_another(
    ctx: ServiceContext,
) -> None:
    ana, ana_chat = await _customer(ctx, "Ana", "ana@example.com", "Hello from Ana")
    _, ben_chat = await _customer(ctx, "Ben", "ben@example.com", "Hello from Ben")
    await _leave_traces(ctx, ana_chat, "ana@example.com", 1)
    await _leave_traces(ctx, ben_chat, "ben@example.com", 2)

    bundle = await export_contact(ctx, ana)

    assert bundle["contact"]["email"] == "ana@example.com"
    [conversation] = bundle["conversations"]
    assert conversation["id"] == ana_chat
    bodies = [m["body"] for m in conversation["messages"]]
    assert "Hello from Ana, my order never came" in bodies
    assert conversation["handoffs"][0]["reasons"] == ["explicit_request"]
    assert conversation["emails"][0]["subject"] == "We have your request"
    assert bundle["emails_not_in_a_conversation"][0]["from"] == "ana@example.com"
    text = json.dumps(bundle)
    assert "Ben" not in text and "ben@example.com" not in text and ben_chat not in text


async def test_forgetting_a_contact_removes_everything_about_them_and_nothing_else(
    ctx: ServiceContext,
) -> None:
    ana, ana_chat = await _customer(ctx, "Ana", "Ana@Example.com", "Hello from Ana")
    ben, ben_chat = await _customer(ctx, "Ben", "ben@example.com", "Hello from Ben")
    await _leave_traces(ctx, ana_chat, "Ana@Example.com", 1)
    await _leave_traces(ctx, ben_chat, "ben@example.com", 2)
    assert [c["id"] for c in await find_contacts(ctx, "ana@example.com")] == [ana]
    ana_before, ben_before = await _rows(ctx, ana_chat), await _rows(ctx, ben_chat)
    assert all(ana_before[k] > 0 for k in ("messages", "handoffs", "events", "outbox_jobs"))

    tombstone = await forget_contact(ctx, ana, requested_by="agent:admin-1")

    assert set((await _rows(ctx, ana_chat)).values()) == {0}
    assert await _rows(ctx, ben_chat) == ben_before  # another contact is untouched
    async with ctx.sessions() as session:
        assert await session.get(Contact, ana) is None
        assert await session.get(Contact, ben) is not None
        held = (await session.scalars(select(Mail.sender).where(Mail.direction == "in"))).all()
        assert held == ["ben@example.com"]
        [deletion] = (await session.scalars(select(Deletion))).all()
    assert tombstone.removed["messages"] == ana_before["messages"]
    assert tombstone.removed["webhook_deliveries"] == 1
    recorded: dict[str, Any] = {
        "contact_id": deletion.contact_id,
        "requested_by": deletion.requested_by,
        "removed": deletion.removed,
    }
    assert "ana" not in json.dumps(recorded).lower()  # the tombstone holds no personal data
    assert await find_contacts(ctx, "ana@example.com") == []


async def test_forgetting_an_unknown_contact_changes_nothing(ctx: ServiceContext) -> None:
    with pytest.raises(NotFound):
        await forget_contact(ctx, "no-such-contact", requested_by="cli")
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(Deletion)) == 0
