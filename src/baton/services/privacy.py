"""A person's data on request: find their contact records, export them, forget them.

`export_contact` gathers everything Baton holds about one contact (their conversations with
every message, the handoffs, satisfaction answers and emails) as one JSON-ready bundle.
`forget_contact` removes it all in one transaction — messages, events, handoffs, emails, jobs
still waiting to run and webhook deliveries still to retry — and touches no other contact.
What remains is a `Deletion` row: the contact's random id, who asked and how many rows went,
no personal data. Copies already sent elsewhere (a Zendesk ticket, a Slack thread, mail in
someone's inbox) are outside Baton and must be removed there.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import delete, func, or_, select

from baton.runtime.bus import Event
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import message_data
from baton.services.errors import NotFound
from baton.store.database import AsyncSession
from baton.store.integrations import IntegrationLink, WebhookDelivery
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

Row = TypeVar("Row", Message, Handoff, Mail)

# Payload keys by which an outbox job names what it works on.
_JOB_REFERENCES = ("conversation_id", "handoff_id", "message_id")


async def find_contacts(ctx: ServiceContext, email: str) -> list[dict[str, Any]]:
    """The contact records with this email address (one person may have several)."""
    async with ctx.sessions() as session:
        contacts = (
            await session.scalars(
                select(Contact)
                .where(func.lower(Contact.email) == email.strip().lower())
                .order_by(Contact.created_at)
            )
        ).all()
        found = []
        for contact in contacts:
            conversations = (
                await session.scalars(
                    select(Conversation.id).where(Conversation.contact_id == contact.id)
                )
            ).all()
            found.append({**_contact_data(contact), "conversations": len(conversations)})
    return found


async def export_contact(ctx: ServiceContext, contact_id: str) -> dict[str, Any]:
    """Everything held about one contact, machine-readable (GDPR articles 15 and 20)."""
    async with ctx.sessions() as session:
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("no such contact")
        conversations = (
            await session.scalars(
                select(Conversation)
                .where(Conversation.contact_id == contact_id)
                .order_by(Conversation.created_at)
            )
        ).all()
        ids = [conversation.id for conversation in conversations]
        # One query per kind for all the contact's conversations, not three per conversation.
        messages = await _by_conversation(session, Message, ids, Message.id)
        handoffs = await _by_conversation(session, Handoff, ids, Handoff.created_at)
        mail = await _by_conversation(session, Mail, ids, Mail.id)
        bundle_conversations = [
            {
                "id": conversation.id,
                "state": conversation.state,
                "page_url": conversation.page_url,
                "page_title": conversation.page_title,
                "timezone": conversation.timezone,
                "created_at": _when(conversation.created_at),
                "updated_at": _when(conversation.updated_at),
                "messages": [message_data(m) for m in messages.get(conversation.id, [])],
                "handoffs": [_handoff_data(h) for h in handoffs.get(conversation.id, [])],
                "emails": [_mail_data(m) for m in mail.get(conversation.id, [])],
            }
            for conversation in conversations
        ]
        held = await _held_mail(session, contact)
    return {
        "exported_at": _when(ctx.clock.now()),
        "contact": _contact_data(contact),
        "conversations": bundle_conversations,
        "emails_not_in_a_conversation": [_mail_data(m) for m in held],
    }


async def forget_contact(ctx: ServiceContext, contact_id: str, *, requested_by: str) -> Deletion:
    """Remove one contact and everything about them; returns the tombstone."""
    async with transaction(ctx) as tx:
        session = tx.session
        contact = await session.get(Contact, contact_id)
        if contact is None:
            raise NotFound("no such contact")
        conversation_ids = set(
            (
                await session.scalars(
                    select(Conversation.id).where(Conversation.contact_id == contact_id)
                )
            ).all()
        )
        handoff_ids = set(
            (
                await session.scalars(
                    select(Handoff.id).where(Handoff.conversation_id.in_(conversation_ids))
                )
            ).all()
        )
        message_ids = set(
            (
                await session.scalars(
                    select(Message.id).where(Message.conversation_id.in_(conversation_ids))
                )
            ).all()
        )
        references: dict[str, Collection[Any]] = {
            "conversation_id": conversation_ids,
            "handoff_id": handoff_ids,
            "message_id": message_ids,
        }
        # Nothing made before the contact existed can be about them.
        since = contact.created_at
        jobs = await _matching_jobs(session, references, since)
        deliveries = await _matching_deliveries(session, conversation_ids, since)
        held = [m.id for m in await _held_mail(session, contact)]
        removed = {
            "outbox_jobs": await _delete(session, OutboxJob, OutboxJob.id.in_(jobs)),
            "webhook_deliveries": await _delete(
                session, WebhookDelivery, WebhookDelivery.id.in_(deliveries)
            ),
            "integration_links": await _delete(
                session, IntegrationLink, IntegrationLink.handoff_id.in_(handoff_ids)
            ),
            "events": await _delete(
                session, EventRow, EventRow.conversation_id.in_(conversation_ids)
            ),
            "emails": await _delete(
                session,
                Mail,
                or_(Mail.conversation_id.in_(conversation_ids), Mail.id.in_(held)),
            ),
            "messages": await _delete(
                session, Message, Message.conversation_id.in_(conversation_ids)
            ),
            "handoffs": await _delete(session, Handoff, Handoff.id.in_(handoff_ids)),
            "conversations": await _delete(
                session, Conversation, Conversation.id.in_(conversation_ids)
            ),
            "contacts": await _delete(session, Contact, Contact.id == contact_id),
        }
        tombstone = Deletion(
            contact_id=contact_id,
            requested_by=requested_by,
            removed=removed,
            created_at=ctx.clock.now(),
        )
        session.add(tombstone)
        await session.flush()
        # Consoles drop the conversations from their lists; no personal data in the event.
        tx.on_commit(Event("contact.forgotten", None, data={"contact_id": contact_id}))
    return tombstone


async def _matching_jobs(
    session: AsyncSession, references: Mapping[str, Collection[Any]], since: datetime
) -> list[int]:
    rows = await session.execute(
        select(OutboxJob.id, OutboxJob.payload).where(OutboxJob.created_at >= since)
    )
    return [
        job_id
        for job_id, payload in rows
        if any(payload.get(key) in references[key] for key in _JOB_REFERENCES)
    ]


async def _matching_deliveries(
    session: AsyncSession, conversation_ids: Collection[str], since: datetime
) -> list[str]:
    if not conversation_ids:
        return []
    rows = await session.execute(
        select(WebhookDelivery.id, WebhookDelivery.body).where(WebhookDelivery.created_at >= since)
    )
    # A delivery names its conversation in its body; pending ones would otherwise be retried.
    return [
        delivery_id
        for delivery_id, body in rows
        if any(conversation_id in body for conversation_id in conversation_ids)
    ]


async def _held_mail(session: AsyncSession, contact: Contact) -> list[Mail]:
    """Inbound mail from the contact's address that never reached a conversation."""
    if not contact.email:
        return []
    return list(
        (
            await session.scalars(
                select(Mail)
                .where(
                    Mail.conversation_id.is_(None),
                    Mail.direction == "in",
                    func.lower(Mail.sender) == contact.email.lower(),
                )
                .order_by(Mail.id)
            )
        ).all()
    )


async def _delete(session: AsyncSession, model: Any, where: Any) -> int:
    result = await session.execute(
        delete(model).where(where).execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def _by_conversation(
    session: AsyncSession, model: type[Row], conversation_ids: list[str], order: Any
) -> dict[str | None, list[Row]]:
    """The rows of `model` in these conversations, grouped by conversation, in `order`."""
    grouped: dict[str | None, list[Row]] = defaultdict(list)
    if conversation_ids:
        rows = await session.scalars(
            select(model).where(model.conversation_id.in_(conversation_ids)).order_by(order)
        )
        for row in rows:
            grouped[row.conversation_id].append(row)
    return grouped


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _contact_data(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "verified": contact.verified,
        "external_id": contact.external_id,
        "attributes": contact.attributes,
        "created_at": _when(contact.created_at),
    }


def _handoff_data(handoff: Handoff) -> dict[str, Any]:
    return {
        "id": handoff.id,
        "status": handoff.status,
        "model": handoff.model,
        "reasons": handoff.reasons,
        "summary": handoff.summary,
        "promise": handoff.promise_text,
        "promised_by": _when(handoff.promised_by),
        "created_at": _when(handoff.created_at),
        "first_response_at": _when(handoff.first_response_at),
        "closed_at": _when(handoff.closed_at),
        "rating": handoff.rating,
        "rating_comment": handoff.rating_comment,
    }


def _mail_data(mail: Mail) -> dict[str, Any]:
    return {
        "id": mail.id,
        "direction": mail.direction,
        "kind": mail.kind,
        "status": mail.status,
        "from": mail.sender,
        "to": mail.recipients,
        "subject": mail.subject,
        "created_at": _when(mail.created_at),
        "raw": mail.raw,
    }
