"""Which service function runs each kind of outbox job."""

from __future__ import annotations

from typing import Any

from baton.services.context import ServiceContext
from baton.services.conversations import BOT_REPLY_JOB, answer_with_bot


def register_job_handlers(ctx: ServiceContext) -> None:
    async def bot_reply(payload: dict[str, Any]) -> None:
        await answer_with_bot(ctx, str(payload["conversation_id"]), int(payload["message_id"]))

    ctx.jobs.register(BOT_REPLY_JOB, bot_reply)
