"""The email jobs a handoff writes in its own transaction (sent by `baton.channels.email_jobs`)."""

from __future__ import annotations

from datetime import timedelta

from baton.runtime.jobs import enqueue_job
from baton.services.context import ServiceContext, Transaction
from baton.store.tables import Handoff, Message

ESCALATION_EMAIL_JOB = "escalation_email"
CONFIRMATION_EMAIL_JOB = "customer_confirmation"
REPLY_EMAIL_JOB = "reply_email"
ALERT_EMAIL_JOB = "alert_email"
RATING_EMAIL_JOB = "rating_email"
HELD_REPLY_NOTICE_JOB = "held_reply_notice"
MAIL_JOB_KINDS = (
    ESCALATION_EMAIL_JOB,
    CONFIRMATION_EMAIL_JOB,
    REPLY_EMAIL_JOB,
    ALERT_EMAIL_JOB,
    RATING_EMAIL_JOB,
    HELD_REPLY_NOTICE_JOB,
    "inbound_notice",  # services.inbound_notices
    "team_update_email",  # services.team_updates
    "team_closing_email",  # services.team_updates
)
# While the bot is still asking for the customer's email, wait a little so the escalation
# carries it; the job runs regardless, so a customer who leaves is never lost.
COLLECTING_GRACE = timedelta(minutes=3)


async def enqueue_escalation_email(
    ctx: ServiceContext, tx: Transaction, handoff: Handoff, *, collecting: bool
) -> None:
    """Send the team the escalation (once per handoff), in the handoff's own transaction."""
    if not ctx.settings.integrations.escalation_email:
        return  # the team works in their ticket system instead
    now = ctx.clock.now()
    await enqueue_job(
        tx.session,
        ESCALATION_EMAIL_JOB,
        {"handoff_id": handoff.id},
        now=now,
        run_at=now + COLLECTING_GRACE if collecting else now,
        dedupe_key=f"{ESCALATION_EMAIL_JOB}:{handoff.id}",
    )


async def enqueue_confirmation(ctx: ServiceContext, tx: Transaction, handoff: Handoff) -> None:
    if not ctx.settings.email.confirm_to_customer:
        return
    await enqueue_job(
        tx.session,
        CONFIRMATION_EMAIL_JOB,
        {"handoff_id": handoff.id},
        now=ctx.clock.now(),
        dedupe_key=f"{CONFIRMATION_EMAIL_JOB}:{handoff.id}",
    )


async def enqueue_reply_email(ctx: ServiceContext, tx: Transaction, message: Message) -> None:
    """An agent's reply on a ticket also goes to the customer by email."""
    await enqueue_job(
        tx.session,
        REPLY_EMAIL_JOB,
        {"message_id": message.id},
        now=ctx.clock.now(),
        dedupe_key=f"{REPLY_EMAIL_JOB}:{message.id}",
    )


async def enqueue_alert_email(
    ctx: ServiceContext, tx: Transaction, handoff: Handoff, kind: str
) -> None:
    """Tell the assigned agent (or the team) that a promise is about to break, or broke."""
    await enqueue_job(
        tx.session,
        ALERT_EMAIL_JOB,
        {"handoff_id": handoff.id, "kind": kind},
        now=ctx.clock.now(),
        dedupe_key=f"{ALERT_EMAIL_JOB}:{kind}:{handoff.id}",
    )


async def enqueue_rating_email(ctx: ServiceContext, tx: Transaction, handoff: Handoff) -> None:
    """Ask the customer by email too, with one-click links (once per handoff)."""
    await enqueue_job(
        tx.session,
        RATING_EMAIL_JOB,
        {"handoff_id": handoff.id},
        now=ctx.clock.now(),
        dedupe_key=f"{RATING_EMAIL_JOB}:{handoff.id}",
    )
