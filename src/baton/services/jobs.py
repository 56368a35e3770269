"""Which service function runs each kind of outbox job."""

from __future__ import annotations

from typing import Any

from baton.services.context import ServiceContext
from baton.services.conversations import BOT_REPLY_JOB
from baton.services.dialogue import reply_to_customer
from baton.services.handoffs import QUEUE_TIMEOUT_JOB, expire_queue_wait


def register_job_handlers(ctx: ServiceContext) -> None:
    async def bot_reply(payload: dict[str, Any]) -> None:
        await reply_to_customer(ctx, str(payload["conversation_id"]), int(payload["message_id"]))

    async def queue_timeout(payload: dict[str, Any]) -> None:
        await expire_queue_wait(ctx, str(payload["conversation_id"]), str(payload["handoff_id"]))

    ctx.jobs.register(BOT_REPLY_JOB, bot_reply)
    ctx.jobs.register(QUEUE_TIMEOUT_JOB, queue_timeout)
