"""A team working from its inbox resolves a conversation by replying `#resolve`.

The command comes in an emailed reply (`services.email.post_email_reply` finds it). The
conversation is resolved through `resolve_conversation`, the console's own function, with the
rest of the reply as the agent's last reply to the customer in the same transaction (both or
neither): the customer gets the same resolution (the satisfaction question in the chat and by
email) and the team's thread its confirmation (`services.team_updates.enqueue_team_closing`).
Who may act is the rule for an
agent's emailed reply: an active agent, writing to the team's reply address or vouched for by
the receiving server (docs/handoff.md, "Working from the inbox").

The escalation email also carries a Resolve link: signed with the app's secret for one handoff
of one conversation, and good for `[email] resolve_link_days`. Opening it only shows a page
(mail scanners open every link); the team member sends the form with their agent address,
which is the same trust as a reply to the team's address: whoever has the team's mail, naming
an agent of the team.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select

from baton.domain.mail_commands import COMMAND_HELP, MailAction, MailCommand
from baton.domain.switchboard import ControlState
from baton.services.auth import Forbidden
from baton.services.context import ServiceContext
from baton.services.errors import Conflict, NotFound, UserError
from baton.services.handoffs import resolve_conversation
from baton.store.tables import Agent, Contact, Conversation, Handoff


class CommandRefused(Conflict):
    """The command was not carried out, and nothing was changed (its text not sent either)."""

    code = "command_refused"


async def act_on_mail_command(
    ctx: ServiceContext,
    conversation_id: str,
    command: MailCommand,
    *,
    sender: str,
    acting: str | None,
    proven: bool,
) -> None:
    """A team member's command by email, with their text (if any) to the customer.

    `acting` is the active agent the sender's address belongs to, `proven` whether the mail
    shows that agent sent it. Raises CommandRefused, with why, when nothing was done."""
    if command.action is None:
        raise CommandRefused(
            f"#{command.word} is not a command; the command Baton knows is {COMMAND_HELP}, "
            "alone on the first line of your reply"
        )
    if not command.alone:
        raise CommandRefused(
            f"#{command.word} must stand alone on the first line of your reply, with your "
            "text for the customer (if any) on the lines below it"
        )
    if acting is None:
        raise CommandRefused(
            f"{sender} is not an agent of the team, and only the team's agents can "
            f"#{command.word} a conversation by email"
        )
    if not proven:
        raise CommandRefused(
            f"nothing shows that {sender} sent this email: a command is carried out when it "
            "replies to the team's email (whose address only the team receives), or when the "
            "receiving mail server vouches for the sender"
        )
    await _require_team_holds(ctx, conversation_id)
    if command.action is MailAction.RESOLVE:
        try:
            await resolve_conversation(
                ctx, conversation_id, acting=acting, last_reply=command.rest or None
            )
        except UserError as exc:
            raise CommandRefused(exc.message) from exc


async def _require_team_holds(ctx: ServiceContext, conversation_id: str) -> None:
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    state = conversation.state if conversation is not None else None
    if state == ControlState.RESOLVED:
        raise CommandRefused("the conversation is already resolved")
    if state not in (ControlState.TICKET, ControlState.AGENT):
        raise CommandRefused(
            "the conversation is not with the team any more (the bot is answering the "
            "customer), so there is nothing to resolve"
        )


# --- the Resolve link of the escalation email -------------------------------------------------


def _link_signature(secret: str, conversation_id: str, handoff_id: str, expires: int) -> str:
    message = f"resolve:{conversation_id}:{handoff_id}:{expires}".encode()
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def resolve_link(ctx: ServiceContext, conversation_id: str, handoff_id: str, now: datetime) -> str:
    """The escalation email's link to resolve this handoff; it opens a page, never acts."""
    expires = int((now + timedelta(days=ctx.settings.email.resolve_link_days)).timestamp())
    signature = _link_signature(ctx.settings.secret(), conversation_id, handoff_id, expires)
    return f"{ctx.settings.public_url}/resolve/{handoff_id}/{expires}/{signature}"


@dataclass(frozen=True)
class ResolveLinkView:
    """What a Resolve link would resolve, for its confirmation page."""

    handoff_id: str
    conversation_id: str
    customer_name: str | None
    summary: str
    open: bool


async def read_resolve_link(
    ctx: ServiceContext, handoff_id: str, expires: int, signature: str
) -> ResolveLinkView:
    """NotFound unless the link was signed for this handoff; Conflict once it has expired."""
    async with ctx.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
        if handoff is None:
            raise NotFound("this link is not valid")
        expected = _link_signature(
            ctx.settings.secret(), handoff.conversation_id, handoff.id, expires
        )
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise NotFound("this link is not valid")
        if ctx.clock.now().timestamp() > expires:
            raise Conflict(
                "this link has expired: reply to the email with #resolve on its first line instead",
                code="link_expired",
            )
        conversation = await session.get(Conversation, handoff.conversation_id)
        contact = await session.get(Contact, conversation.contact_id) if conversation else None
    return ResolveLinkView(
        handoff_id=handoff.id,
        conversation_id=handoff.conversation_id,
        customer_name=contact.name if contact else None,
        summary=handoff.summary,
        open=handoff.status == "open",
    )


async def resolve_by_link(
    ctx: ServiceContext, handoff_id: str, expires: int, signature: str, *, address: str
) -> str:
    """A team member confirms the Resolve link's page with their agent address; returns it."""
    view = await read_resolve_link(ctx, handoff_id, expires, signature)
    if not view.open:
        # A later handoff of the same conversation has a link of its own.
        raise Conflict("this conversation was already resolved", code="already_resolved")
    async with ctx.sessions() as session:
        agent = await session.scalar(
            select(Agent).where(
                func.lower(Agent.email) == address.strip().lower(), Agent.active.is_(True)
            )
        )
    if agent is None:
        raise Forbidden(
            f"{address.strip() or 'that'} is not the address of an agent of the team: only "
            "the team's agents can resolve a conversation",
            code="not_an_agent",
        )
    await _require_team_holds(ctx, view.conversation_id)
    await resolve_conversation(ctx, view.conversation_id, acting=agent.id)
    return agent.email
