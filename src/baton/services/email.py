"""Email use cases: what an escalation email says, the mail log, and replies coming back.

Building and sending the bytes is the email channel's job (`baton.channels.email_jobs`); it
reads what to say from here and records what it sent here. An emailed reply comes back through
`post_email_reply`, which calls the same service functions as the console and the widget.

Who an email is from is never taken from its `From` alone when it claims to be an agent: the
customer knows the conversation's reply address, and can write `From: agent@…`. An agent's
reply is posted when it came to the team's reply address (`team_reply_token`: only in mail to
the team, never shown to the customer) and the receiving server did not fail it, or to the
customer's address with the receiving server's DMARC or DKIM pass for the agent's domain
(`[email] authserv_id`). Anything else is held for that agent to confirm in the console, and
the agent is told by email.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy import func, select, update

from baton.domain.brief_guard import new_words
from baton.domain.mail_commands import read_mail_command
from baton.runtime.bus import Event
from baton.runtime.jobs import enqueue_job
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import receive_customer_message
from baton.services.email_queue import HELD_REPLY_NOTICE_JOB, MAIL_JOB_KINDS
from baton.services.errors import Conflict, InvalidInput, NotFound, UserError
from baton.services.handoffs import send_agent_reply
from baton.services.inbound_notices import (
    NoticeAbout,
    enqueue_inbound_notice,
    leaked_brief,
    team_address,
)
from baton.services.mail_commands import CommandRefused, act_on_mail_command
from baton.services.promise_words import state_promise
from baton.store.database import AsyncSession
from baton.store.tables import Agent, Contact, Conversation, Handoff, Mail, Message, OutboxJob

log = logging.getLogger(__name__)

AGENT_REPLY_KIND = "agent_reply"  # a mail in an agent's name, held until they confirm it
_TEAM_SIGNATURE_CHARS = 24


def _team_signature(secret: str, conversation_token: str) -> str:
    digest = hmac.new(secret.encode(), f"team-reply:{conversation_token}".encode(), hashlib.sha256)
    return digest.hexdigest()[:_TEAM_SIGNATURE_CHARS]


def team_reply_token(ctx: ServiceContext, conversation_token: str) -> str:
    """The reply token of mail to the team: the conversation's, signed; the customer never
    sees it, so a reply to it comes from someone who received the team's mail."""
    return f"{conversation_token}-{_team_signature(ctx.settings.secret(), conversation_token)}"


def read_reply_token(ctx: ServiceContext, token: str) -> tuple[str, bool]:
    """(the conversation's reply token, whether it was the team's) of a token in an address."""
    conversation_token, dash, signature = token.rpartition("-")
    if dash and len(signature) == _TEAM_SIGNATURE_CHARS:
        expected = _team_signature(ctx.settings.secret(), conversation_token)
        if hmac.compare_digest(expected.encode(), signature.lower().encode()):
            return conversation_token, True
    return token, False


@dataclass(frozen=True)
class ReplyEmailView:
    message_id: int
    conversation_id: str
    text: str
    agent_name: str | None
    customer_email: str | None
    customer_name: str | None
    reply_token: str
    handoff_id: str | None
    subject: str


async def read_reply_for_email(ctx: ServiceContext, message_id: int) -> ReplyEmailView:
    async with ctx.sessions() as session:
        message = await session.get(Message, message_id)
        if message is None:
            raise NotFound("no such message")
        conversation = await session.get(Conversation, message.conversation_id)
        assert conversation is not None
        contact = await session.get(Contact, conversation.contact_id)
        handoff = await session.scalar(
            select(Handoff)
            .where(Handoff.conversation_id == conversation.id)
            .order_by(Handoff.created_at.desc())
            .limit(1)
        )
    topic = (
        handoff.summary.removeprefix("Customer is asking about ").split(" — ")[0] if handoff else ""
    )
    return ReplyEmailView(
        message_id=message.id,
        conversation_id=conversation.id,
        text=message.body,
        agent_name=message.author_name,
        customer_email=contact.email if contact else None,
        customer_name=contact.name if contact else None,
        reply_token=conversation.reply_token or "",
        handoff_id=handoff.id if handoff else None,
        subject=f"Your question about {topic}"
        if topic
        else f"Your chat with {ctx.settings.company_name}",
    )


async def record_mail(
    ctx: ServiceContext,
    *,
    direction: Literal["out", "in"],
    status: Literal["sent", "held", "posted"],
    kind: str,
    raw: str,
    conversation_id: str | None = None,
    message_id: str | None = None,
    sender: str | None = None,
    recipients: str | None = None,
    subject: str | None = None,
    reason: str | None = None,
    notify: str | None = None,
    about: NoticeAbout = "reply",
) -> None:
    """Keep a copy of a mail sent or received, with why it was held if it was; `notify`: the
    address told why an inbound mail was not posted, or its command not carried out (`about`):
    its sender, or the team."""
    async with transaction(ctx) as tx:
        if notify:
            await enqueue_inbound_notice(
                ctx, tx, to=notify, sender=sender, subject=subject, reason=reason, about=about
            )
        tx.session.add(
            Mail(
                direction=direction,
                status=status,
                kind=kind,
                conversation_id=conversation_id,
                message_id=(message_id or "")[:300] or None,
                sender=(sender or "")[:320] or None,
                recipients=(recipients or "")[:1000] or None,
                subject=(subject or "")[:1000] or None,
                reason=(reason or "")[:500] or None,
                raw=raw,
                created_at=ctx.clock.now(),
            )
        )
        if status == "held":
            tx.on_commit(
                Event("mail.held", conversation_id, data={"reason": reason, "sender": sender})
            )


async def list_mail(ctx: ServiceContext, *, limit: int = 100) -> list[Mail]:
    async with ctx.sessions() as session:
        return list(
            (await session.scalars(select(Mail).order_by(Mail.id.desc()).limit(limit))).all()
        )


async def _conversation_by_token(session: AsyncSession, token: str) -> Conversation | None:
    return await session.scalar(select(Conversation).where(Conversation.reply_token == token))


async def post_email_reply(
    ctx: ServiceContext,
    *,
    tokens: tuple[str, ...],
    sender: str,
    text: str,
    raw: str,
    subject: str,
    message_id: str | None,
    automatic_reason: str | None,
    authentication_checked: bool = False,
    authenticated_domains: frozenset[str] = frozenset(),
) -> Literal["posted", "held"]:
    """An emailed reply: posted as the customer or the agent it is from, or held with why.

    Held, never dropped, and never posted as someone it is not: mail with no known reply token,
    from an address that is neither the customer's nor an agent's, an agent's reply without
    the evidence above (held for that agent to confirm), auto-replies and bounces, and mail
    past `max_inbound_per_hour` for one conversation (a loop). The same Message-ID posted again
    is not posted twice. A reply whose first line is a command (`#resolve`) is acted on by
    `services.mail_commands`, and its sender told when it was not.
    """

    async def keep(
        status: Literal["posted", "held"],
        conversation_id: str | None,
        reason: str | None,
        *,
        tell_sender: bool = False,
        about: NoticeAbout = "reply",
    ) -> Literal["posted", "held"]:
        # Nothing held goes unnoticed: its sender (a participant) or else the team hears why.
        notify = None
        if status == "held":
            notify = sender if tell_sender else team_address(ctx.settings.email)
        await record_mail(
            ctx,
            direction="in",
            status=status,
            kind="inbound",
            raw=raw,
            conversation_id=conversation_id,
            message_id=message_id,
            sender=sender,
            subject=subject,
            reason=reason,
            notify=notify,
            about=about,
        )
        return status

    if automatic_reason:
        return await keep("held", None, f"automatic mail: {automatic_reason}")
    conversation = None
    via_team = False
    async with ctx.sessions() as session:
        for token in tokens:
            conversation_token, via_team = read_reply_token(ctx, token)
            conversation = await _conversation_by_token(session, conversation_token)
            if conversation is not None:
                break
        if conversation is None:
            return await keep("held", None, "no conversation has this reply address")
        posted = (
            Mail.conversation_id == conversation.id,
            Mail.direction == "in",
            Mail.status == "posted",
        )
        if message_id and await session.scalar(
            select(Mail.id).where(*posted, Mail.message_id == message_id[:300]).limit(1)
        ):
            # The same email again (a mail provider retrying its webhook): posted once.
            return "posted"
        since = ctx.clock.now() - timedelta(hours=1)
        recent = await session.scalar(
            select(func.count()).select_from(Mail).where(*posted, Mail.created_at >= since)
        )
        if (recent or 0) >= ctx.settings.email.max_inbound_per_hour:
            return await keep(
                "held",
                conversation.id,
                f"more than {ctx.settings.email.max_inbound_per_hour} emails posted to this "
                "conversation within an hour: a possible mail loop",
            )
        contact = await session.get(Contact, conversation.contact_id)
        agent = await session.scalar(
            select(Agent).where(func.lower(Agent.email) == sender.lower(), Agent.active.is_(True))
        )
    body = new_words(text)
    participant = agent is not None or (
        contact is not None and (contact.email or "").lower() == sender.lower()
    )
    domain = sender.rpartition("@")[2].lower()
    passed = domain in authenticated_domains
    # An agent's own mail: to the team's address (which the receiving server did not fail),
    # or vouched for by that server.
    proven = (via_team and (passed or not authentication_checked)) or passed
    command = read_mail_command(body)
    if command is not None and not command.alone and agent is None:
        # "#resolved my problem, thanks!" from the customer is their words, not a command.
        command = None
    if command is not None:
        try:
            await act_on_mail_command(
                ctx,
                conversation.id,
                command,
                sender=sender,
                acting=agent.id if agent is not None else None,
                proven=proven,
            )
        except CommandRefused as exc:
            # Whoever sent it hears why, as a command is a person's deliberate act.
            return await keep(
                "held",
                conversation.id,
                f"{exc.message}. Nothing was changed, and the customer has seen nothing",
                tell_sender=True,
                about="command",
            )
        return await keep("posted", conversation.id, None)
    if not body:
        return await keep(
            "held",
            conversation.id,
            "no new text in the reply: write above the quoted message",
            tell_sender=participant,
        )
    if await leaked_brief(ctx, conversation.id, body):
        return await keep(
            "held",
            conversation.id,
            "the reply contains the team's internal brief, which is never sent to a customer",
            tell_sender=participant,
        )
    try:
        if contact is not None and contact.email and contact.email.lower() == sender.lower():
            received = await receive_customer_message(ctx, conversation.id, body)
            if received.bot_job_id is not None:
                ctx.jobs.wake()
        elif agent is not None:
            if proven:
                await send_agent_reply(ctx, conversation.id, body, acting=agent.id)
            else:
                await _hold_for_agent(
                    ctx,
                    agent,
                    conversation.id,
                    raw=raw,
                    message_id=message_id,
                    sender=sender,
                    subject=subject,
                    reason=(
                        "a reply in an agent's name without proof that the agent sent it "
                        "(the mail server's check failed)"
                        if authentication_checked
                        else "a reply in an agent's name without proof that the agent sent it"
                    )
                    + ": the agent confirms it in the console",
                )
                return "held"
        else:
            return await keep(
                "held", conversation.id, "sender is not a participant of this conversation"
            )
    except UserError as exc:
        return await keep("held", conversation.id, exc.message)
    return await keep("posted", conversation.id, None)


async def _hold_for_agent(
    ctx: ServiceContext,
    agent: Agent,
    conversation_id: str,
    *,
    raw: str,
    message_id: str | None,
    sender: str,
    subject: str,
    reason: str,
) -> None:
    """Keep a reply in an agent's name until they confirm it, and tell them by email."""
    async with transaction(ctx) as tx:
        mail = Mail(
            direction="in",
            status="held",
            kind=AGENT_REPLY_KIND,
            conversation_id=conversation_id,
            message_id=(message_id or "")[:300] or None,
            sender=sender[:320],
            subject=subject[:1000] or None,
            reason=reason[:500],
            raw=raw,
            created_at=ctx.clock.now(),
        )
        tx.session.add(mail)
        await tx.session.flush()
        await enqueue_job(
            tx.session, HELD_REPLY_NOTICE_JOB, {"mail_id": mail.id}, now=ctx.clock.now()
        )
        tx.on_commit(
            Event(
                "mail.held",
                conversation_id,
                data={"reason": reason, "sender": sender, "mail_id": mail.id},
            )
        )


@dataclass(frozen=True)
class HeldReply:
    mail_id: int
    conversation_id: str
    raw: str


async def claim_held_reply(ctx: ServiceContext, mail_id: int, *, acting: str) -> HeldReply:
    """The agent confirms a reply held in their name: it is theirs to post, once.

    A reply held in someone else's name looks like an unknown one."""
    async with transaction(ctx) as tx:
        agent = await tx.session.get(Agent, acting)
        mail = await tx.session.get(Mail, mail_id)
        if (
            agent is None
            or mail is None
            or mail.kind != AGENT_REPLY_KIND
            or mail.conversation_id is None
            or (mail.sender or "").lower() != agent.email.lower()
        ):
            raise NotFound("no such held reply")
        claimed = await tx.session.execute(
            update(Mail)
            .where(Mail.id == mail_id, Mail.status == "held")
            .values(status="posted", reason=f"confirmed by {agent.name}"[:500])
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            raise Conflict("this reply was already confirmed", code="already_posted")
        return HeldReply(mail.id, mail.conversation_id, mail.raw)


async def post_confirmed_reply(
    ctx: ServiceContext, held: HeldReply, text: str, *, acting: str
) -> Message:
    """Post the text of a reply its agent confirmed; held again (with why) if it cannot be."""
    try:
        body = text.strip()
        if not body:
            raise InvalidInput("the reply has no new text")
        return await send_agent_reply(ctx, held.conversation_id, body, acting=acting)
    except UserError as exc:
        async with transaction(ctx) as tx:
            await tx.session.execute(
                update(Mail)
                .where(Mail.id == held.mail_id)
                .values(status="held", reason=f"confirmed, but: {exc.message}"[:500])
            )
        raise


async def read_held_reply_notice(ctx: ServiceContext, mail_id: int) -> tuple[str | None, str]:
    """Who is told that a reply in their name waits for them, and the subject of that reply."""
    async with ctx.sessions() as session:
        mail = await session.get(Mail, mail_id)
        if mail is None or mail.status != "held":
            return None, ""
        agent = await session.scalar(
            select(Agent).where(func.lower(Agent.email) == (mail.sender or "").lower())
        )
    return (agent.email if agent is not None and agent.active else None), mail.subject or ""


@dataclass(frozen=True)
class NoticeView:
    to: str | None
    customer_name: str | None
    summary: str
    promise_text: str
    promised_by: datetime | None
    console_url: str


async def _notice_parts(
    ctx: ServiceContext, handoff_id: str
) -> tuple[Handoff, Agent | None, Contact | None]:
    async with ctx.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFound("no such handoff")
        agent = await session.get(Agent, handoff.agent_id) if handoff.agent_id else None
        conversation = await session.get(Conversation, handoff.conversation_id)
        contact = await session.get(Contact, conversation.contact_id) if conversation else None
    return handoff, agent, contact


def _notice(
    ctx: ServiceContext, handoff: Handoff, to: str | None, contact: Contact | None
) -> NoticeView:
    return NoticeView(
        to=to,
        customer_name=contact.name if contact else None,
        summary=handoff.summary,
        promise_text=state_promise(ctx, handoff.promised_by) if handoff.promised_by else "",
        promised_by=handoff.promised_by,
        console_url=f"{ctx.settings.public_url}/console#{handoff.conversation_id}",
    )


async def read_alert_recipient(ctx: ServiceContext, handoff_id: str) -> NoticeView:
    """Who hears about a promise at risk: the assigned agent, else the support address."""
    handoff, agent, contact = await _notice_parts(ctx, handoff_id)
    address = agent.email if agent is not None else None
    if address is None:
        address = ctx.settings.email.support_address.split("<")[-1].rstrip(">").strip()
    return _notice(ctx, handoff, address, contact)


async def read_rating_request(ctx: ServiceContext, handoff_id: str) -> NoticeView:
    """The customer asked how it went, by email."""
    handoff, _, contact = await _notice_parts(ctx, handoff_id)
    return _notice(ctx, handoff, contact.email if contact else None, contact)


async def list_failed_mail_jobs(ctx: ServiceContext, *, limit: int = 50) -> list[OutboxJob]:
    """Emails that could not be delivered (a permanent refusal, or every retry used up)."""
    async with ctx.sessions() as session:
        query = (
            select(OutboxJob)
            .where(OutboxJob.status == "failed", OutboxJob.kind.in_(MAIL_JOB_KINDS))
            .order_by(OutboxJob.id.desc())
            .limit(limit)
        )
        return list((await session.scalars(query)).all())
