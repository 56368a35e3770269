"""Mail in and out: the inbound-mail webhook, and the console's view of the mail log."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Path, Request, Response

from baton.channels.email_jobs import confirm_held_reply, receive_raw_email
from baton.services.auth import Unauthorized
from baton.services.email import list_failed_mail_jobs, list_mail
from baton.services.email_queue import MAIL_JOB_KINDS
from baton.services.errors import UserError
from baton.services.jobs import outbox_backlog
from baton.web.console_auth import CurrentAgent
from baton.web.console_schemas import MailLog, ReplySent
from baton.web.deps import Ctx, limit_address
from baton.web.openapi import errors
from baton.web.schemas import CallbackStatus

router = APIRouter(
    tags=["email"], dependencies=[Depends(limit_address)], responses=errors(401, 429, 503)
)
INBOUND_EMAIL_PATH = "/api/inbound-email"


class TooLarge(UserError):
    status = 413
    code = "too_large"


@router.post(INBOUND_EMAIL_PATH, name="receive_inbound_email", responses=errors(413))
async def inbound_email(
    request: Request,
    ctx: Ctx,
    x_baton_inbound_secret: Annotated[str | None, Header()] = None,
) -> CallbackStatus:
    """Raw MIME from a mail provider's inbound webhook; the shared secret is required."""
    secret = ctx.settings.email.inbound_webhook_secret
    given = x_baton_inbound_secret or ""
    if secret is None or not secrets.compare_digest(
        given.encode(), secret.get_secret_value().encode()
    ):
        raise Unauthorized("missing or wrong X-Baton-Inbound-Secret")
    raw = await request.body()
    if len(raw) > ctx.settings.email.max_inbound_bytes:
        raise TooLarge("email larger than max_inbound_bytes")
    return CallbackStatus(status=await receive_raw_email(ctx, raw))


@router.post(
    "/api/console/mail/{mail_id}/confirm",
    name="confirm_held_reply",
    responses=errors(403, 404, 409),
)
async def confirm_reply(
    ctx: Ctx, me: CurrentAgent, mail_id: Annotated[int, Path(ge=1, le=2**31 - 1)]
) -> ReplySent:
    """Post a reply held in your name because nothing showed you sent it: you did."""
    message = await confirm_held_reply(ctx, mail_id, acting=me.agent.id)
    return ReplySent(id=message.id)


@router.get("/api/console/mail", name="read_mail_log")
async def mail_log(response: Response, ctx: Ctx, me: CurrentAgent) -> MailLog:
    """Sent mail (the local mailbox when no SMTP server is set), held inbound mail, mail that
    could not be delivered, and how many emails wait to be sent."""
    response.headers["Cache-Control"] = "private, no-store"
    failed = await list_failed_mail_jobs(ctx)
    backlog = await outbox_backlog(ctx)
    waiting = sum(
        count
        for (kind, status), count in backlog.items()
        if kind in MAIL_JOB_KINDS and status in ("pending", "running")
    )
    return MailLog.model_validate(
        {
            "waiting": waiting,
            "failed": [
                {
                    "id": job.id,
                    "kind": job.kind,
                    "attempts": job.attempts,
                    "reason": job.last_error,
                    "payload": job.payload,
                    "created_at": job.created_at.isoformat(),
                }
                for job in failed
            ],
            "mail": [
                {
                    "id": m.id,
                    "direction": m.direction,
                    "status": m.status,
                    "kind": m.kind,
                    "conversation_id": m.conversation_id,
                    "sender": m.sender,
                    "recipients": m.recipients,
                    "subject": m.subject,
                    "reason": m.reason,
                    "raw": m.raw,
                    "created_at": m.created_at.isoformat(),
                }
                for m in await list_mail(ctx)
            ],
        }
    )
