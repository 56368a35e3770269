"""Which service function runs each kind of outbox job, and how many jobs wait."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from baton.services.context import ServiceContext
from baton.services.conversations import BOT_REPLY_JOB
from baton.services.dialogue import reply_to_customer
from baton.services.handoffs import QUEUE_TIMEOUT_JOB, expire_queue_wait
from baton.services.retention import PURGE_JOB, purge_old_rows
from baton.store.tables import OutboxJob


def register_job_handlers(ctx: ServiceContext) -> None:
    async def bot_reply(payload: dict[str, Any]) -> None:
        await reply_to_customer(ctx, str(payload["conversation_id"]), int(payload["message_id"]))

    async def queue_timeout(payload: dict[str, Any]) -> None:
        version = payload.get("version")
        await expire_queue_wait(
            ctx,
            str(payload["conversation_id"]),
            str(payload["handoff_id"]),
            version=None if version is None else int(version),
        )

    async def purge(payload: dict[str, Any]) -> None:
        await purge_old_rows(ctx)

    ctx.jobs.register(BOT_REPLY_JOB, bot_reply)
    ctx.jobs.register(QUEUE_TIMEOUT_JOB, queue_timeout)
    ctx.jobs.register(PURGE_JOB, purge)


async def outbox_backlog(ctx: ServiceContext) -> dict[tuple[str, str], int]:
    """Jobs not done, by (kind, status): `pending` and `running` wait or are being sent, and
    `failed` ones gave up (shown to the team: the mailbox lists failed mail)."""
    async with ctx.sessions() as session:
        rows = await session.execute(
            select(OutboxJob.kind, OutboxJob.status, func.count())
            .where(OutboxJob.status != "done")
            .group_by(OutboxJob.kind, OutboxJob.status)
        )
        return {(kind, status): count for kind, status, count in rows}
