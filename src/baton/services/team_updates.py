"""After an email handoff, what the customer adds reaches the team's email thread.

Each customer message on a ticket (typed in the chat, or emailed in reply to the confirmation)
opens or joins a batch: an outbox job due `[email] team_update_seconds` after the first
message, so a burst becomes one email, and a restart or a mail server that is down loses
nothing (the job waits in the outbox and is retried). The customer hears once per batch, in the
chat, that their message was added to their request.

How far the team's thread goes is kept on the handoff (`team_mailed_through`): the escalation
email's transcript first, then each update. A batch's job is named after that point, so every
message until the job has run joins the same one; after sending, anything that arrived
meanwhile opens the next batch (docs/handoff.md, "After an email handoff").

When the conversation is resolved, from the console or by a `#resolve` reply, the thread gets
a last short email saying who resolved it and when, so a team that never opens the console
sees it is done.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo

from sqlalchemy import select

from baton.domain.switchboard import ControlState
from baton.runtime.jobs import enqueue_job
from baton.services.contact_details import first_name_of
from baton.services.context import ServiceContext, Transaction, transaction
from baton.services.promise_words import word_promise
from baton.store.database import AsyncSession
from baton.store.tables import Agent, Contact, Conversation, Handoff, Message

TEAM_UPDATE_JOB = "team_update_email"
TEAM_CLOSING_JOB = "team_closing_email"
MAX_UPDATE_MESSAGES = 200


def _batch_key(handoff: Handoff) -> str:
    return f"{TEAM_UPDATE_JOB}:{handoff.id}:{handoff.team_mailed_through or 0}"


async def _open_email_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    return await session.scalar(
        select(Handoff).where(
            Handoff.conversation_id == conversation_id,
            Handoff.status == "open",
            Handoff.model == "email",
        )
    )


async def _enqueue_batch(
    ctx: ServiceContext, tx: Transaction, handoff: Handoff, now: datetime
) -> bool:
    """True when this opened a new batch (no job was waiting for the same point)."""
    job = await enqueue_job(
        tx.session,
        TEAM_UPDATE_JOB,
        {"handoff_id": handoff.id, "after": handoff.team_mailed_through or 0},
        now=now,
        run_at=now + timedelta(seconds=ctx.settings.email.team_update_seconds),
        dedupe_key=_batch_key(handoff),
    )
    return job is not None


async def add_to_team_thread(
    ctx: ServiceContext,
    tx: Transaction,
    message: Message,
    contact_id: str,
    state: ControlState,
) -> Message | None:
    """A customer message stored inside `tx`: on an email ticket it joins the batch for the
    team's thread; returns the chat notice to publish when it opened a new batch."""
    if state is not ControlState.TICKET or not ctx.settings.integrations.escalation_email:
        return None
    handoff = await _open_email_handoff(tx.session, message.conversation_id)
    if handoff is None or not await _enqueue_batch(ctx, tx, handoff, message.created_at):
        return None
    contact = await tx.session.get(Contact, contact_id)
    conversation = await tx.session.get(Conversation, message.conversation_id)
    promise = (
        word_promise(
            ctx,
            handoff.promised_by,
            timezone=conversation.timezone if conversation else None,
            made_at=handoff.created_at,
        )
        if handoff.promised_by
        else None
    )
    notice = Message(
        conversation_id=message.conversation_id,
        author="system",
        body=ctx.scripts.render(
            "added_to_request",
            first_name=first_name_of(contact),
            promise=promise,
            email=contact.email if contact else None,
        ),
        internal=False,
        meta={"added_to_request": True, "reply_to": message.id},
        created_at=message.created_at,
    )
    tx.session.add(notice)
    await tx.session.flush()
    return notice


@dataclass(frozen=True)
class UpdateLine:
    at: datetime
    text: str


@dataclass(frozen=True)
class TeamUpdate:
    """What the next email in the team's thread carries."""

    handoff_id: str
    after: int
    through: int
    lines: tuple[UpdateLine, ...]


async def read_team_update(ctx: ServiceContext, handoff_id: str, after: int) -> TeamUpdate | None:
    """The batch that starts after message `after`: the customer's messages the team does not
    have by email yet. None when there are none, when the thread has moved past `after` (the
    batch that starts there has its own job and its own wait), or while the escalation email
    has not gone (its transcript will carry them)."""
    async with ctx.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None or handoff.team_mailed_through is None:
            return None
        if handoff.team_mailed_through != after:
            return None
        query = select(Message).where(
            Message.conversation_id == handoff.conversation_id,
            Message.author == "customer",
            Message.internal.is_(False),
            Message.id > handoff.team_mailed_through,
        )
        if handoff.closed_at is not None:
            # Written after the handoff closed: the bot's again, not the team's.
            query = query.where(Message.created_at <= handoff.closed_at)
        rows = (await session.scalars(query.order_by(Message.id).limit(MAX_UPDATE_MESSAGES))).all()
    if not rows:
        return None
    return TeamUpdate(
        handoff_id=handoff_id,
        after=handoff.team_mailed_through,
        through=rows[-1].id,
        lines=tuple(UpdateLine(row.created_at, row.body) for row in rows),
    )


async def record_team_mail(ctx: ServiceContext, handoff_id: str, through: int) -> None:
    """The team now has the thread up to message `through` by email; anything the customer
    added meanwhile opens the next batch."""
    async with transaction(ctx) as tx:
        handoff = await tx.session.scalar(
            select(Handoff).where(Handoff.id == handoff_id).with_for_update()
        )
        if handoff is None:
            return
        if handoff.team_mailed_through is not None and handoff.team_mailed_through >= through:
            return  # a retried job, or an older email than the one recorded
        handoff.team_mailed_through = through
        if handoff.status != "open" or handoff.model != "email":
            return
        later = await tx.session.scalar(
            select(Message.id)
            .where(
                Message.conversation_id == handoff.conversation_id,
                Message.author == "customer",
                Message.id > through,
            )
            .limit(1)
        )
        if later is not None:
            await _enqueue_batch(ctx, tx, handoff, ctx.clock.now())


async def enqueue_team_closing(
    ctx: ServiceContext, tx: Transaction, handoff: Handoff, agent: Agent, now: datetime
) -> None:
    """Inside the resolving transaction: the team's thread hears who resolved it, and when.

    Only a thread that exists: an email handoff whose escalation email went out."""
    if (
        handoff.model != "email"
        or handoff.team_mailed_through is None
        or not ctx.settings.integrations.escalation_email
    ):
        return
    await enqueue_job(
        tx.session,
        TEAM_CLOSING_JOB,
        {"handoff_id": handoff.id, "by": agent.email, "at": now.isoformat()},
        now=now,
        dedupe_key=f"{TEAM_CLOSING_JOB}:{handoff.id}",
    )


def render_team_closing(payload: dict[str, str], tz: tzinfo) -> str:
    """The closing note: "Resolved by jo@example.com at 14:05 CET on Monday 23 November."."""
    at = datetime.fromisoformat(payload["at"]).astimezone(tz)
    return (
        f"Resolved by {payload['by']} at {at:%H:%M} {at.tzname()} on {at:%A} {at.day} "
        f"{at:%B}.\n\n"
        "The customer was told, and asked how it went. If they write again, the bot answers "
        "them first; a new handoff starts a new email.\n"
    )
