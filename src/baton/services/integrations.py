"""Integration use cases: Zendesk tickets, Slack notices and outgoing webhooks.

Every integration runs as outbox jobs written in the same transaction as the change that needs
them (`integration_jobs_for`, called by `transaction()` before commit), so no handoff, claim or
resolution is ever lost between Baton and the outside system. The HTTP clients live in
`baton.channels.integrations`; the handlers here take them as `IntegrationClients`.

Faults end in one of three places: done; waiting (a job row with a next run time, e.g. after a
429 with Retry-After); or failed with the reason kept (the job's `last_error`, a webhook
delivery's `dead` status, a link's `last_error`).

Delivery is at least once: a crash after the remote side accepted a request but before Baton
recorded it repeats the request. Zendesk tickets are found by `external_id` before one is
created, and webhook receivers dedupe on the delivery id (`webhook-id`).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import select

from baton.domain.switchboard import ControlState
from baton.runtime.bus import Event
from baton.runtime.jobs import PermanentJobError, backoff, enqueue_job
from baton.services.auth import Forbidden
from baton.services.context import ServiceContext, transaction
from baton.services.conversations import lock_conversation, message_event
from baton.services.errors import Conflict, InvalidInput, NotFound
from baton.services.handoff_brief import HandoffBrief, console_url, handoff_brief
from baton.services.handoffs import get_open_handoff, record_human_reply, resolve_conversation
from baton.store.database import AsyncSession
from baton.store.integrations import IntegrationLink, WebhookDelivery, WebhookEndpoint
from baton.store.tables import Agent, Conversation, Handoff, Message, OutboxJob

log = logging.getLogger(__name__)

ZENDESK_TICKET_JOB = "zendesk_ticket"
ZENDESK_SYNC_JOB = "zendesk_sync"
ZENDESK_NOTE_JOB = "zendesk_note"
SLACK_NOTICE_JOB = "slack_notice"
WEBHOOK_DELIVERY_JOB = "webhook_delivery"

ZENDESK = "zendesk"
SLACK = "slack"

# What admins may subscribe to; Baton's own `handoff.escalated` is sent as `handoff.created`.
WEBHOOK_EVENT_TYPES = (
    "handoff.created",
    "handoff.claimed",
    "conversation.resolved",
    "message.created",
    "promise.at_risk",
    "promise.broken",
)
WEBHOOK_DISABLED_EVENT = "webhook.disabled"
# Waits asked for by a remote system (429 Retry-After) before the job gives up.
MAX_WAITS = 20
MAX_WAIT_SECONDS = 3600.0


class RetryLater(Exception):
    """The remote system asked Baton to wait (429, Slack `ratelimited`): run again later."""

    def __init__(self, message: str, delay_seconds: float) -> None:
        super().__init__(message)
        self.delay_seconds = max(0.0, delay_seconds)


# --- what the handlers need from settings and clients -----------------------------------------


class WebhookPolicy(Protocol):
    """How webhook deliveries are retried and when an endpoint is given up on."""

    @property
    def max_attempts(self) -> int: ...
    @property
    def retry_base_seconds(self) -> float: ...
    @property
    def retry_cap_seconds(self) -> float: ...
    @property
    def disable_after_dead_letters(self) -> int: ...
    @property
    def disable_after_failing_hours(self) -> float: ...


class IntegrationOptions(Protocol):
    """What the use cases read of the settings (`IntegrationSettings` satisfies it)."""

    @property
    def zendesk_tickets(self) -> bool: ...
    @property
    def slack_notices(self) -> bool: ...
    @property
    def webhooks_enabled(self) -> bool: ...
    @property
    def webhooks(self) -> WebhookPolicy: ...


@dataclass(frozen=True, slots=True)
class TicketComment:
    id: str
    author_name: str
    author_email: str | None
    by_agent: bool
    public: bool
    body: str


@dataclass(frozen=True, slots=True)
class TicketState:
    ticket_id: str
    status: str
    comments: tuple[TicketComment, ...]


class TicketSystem(Protocol):
    """A ticket system (Zendesk). Raise RetryLater when asked to wait, PermanentJobError when a
    retry cannot help, anything else for a fault worth retrying."""

    async def find_ticket(self, external_id: str) -> str | None: ...
    async def create_ticket(self, brief: HandoffBrief) -> str: ...
    async def read_ticket(self, ticket_id: str) -> TicketState: ...
    async def add_note(self, ticket_id: str, body: str) -> None: ...


class ChatNotifier(Protocol):
    """A team chat (Slack): a notice per handoff, then replies in its thread."""

    async def post_notice(self, brief: HandoffBrief) -> tuple[str, str]:
        """Post the notice; returns (channel id, message id) to thread under."""
        ...

    async def post_in_thread(self, channel: str, thread_id: str, text: str) -> None: ...


@dataclass(frozen=True, slots=True)
class DeliveryOutcome:
    """What one webhook try came to. `retryable` failures are tried again."""

    ok: bool
    status_code: int | None = None
    error: str | None = None
    retryable: bool = False
    retry_after: float | None = None


class WebhookTransport(Protocol):
    async def deliver(
        self, url: str, secret: str, delivery_id: str, body: str
    ) -> DeliveryOutcome: ...


@dataclass
class IntegrationClients:
    zendesk: TicketSystem | None = None
    slack: ChatNotifier | None = None
    webhooks: WebhookTransport | None = None


UrlCheck = Callable[[str], Awaitable[str]]


# --- events -> jobs, in the business transaction ----------------------------------------------


@dataclass
class _EventReader:
    """Reads what several hooks need about one batch of events, once."""

    session: AsyncSession
    messages: dict[int, Message | None] = field(default_factory=dict)

    async def message(self, event: Event) -> Message | None:
        message_id = event.data.get("id")
        if not isinstance(message_id, int):
            return None
        if message_id not in self.messages:
            self.messages[message_id] = await self.session.get(Message, message_id)
        return self.messages[message_id]

    async def joined(self, event: Event) -> Message | None:
        """The "agent joined" message an event announces, if it is one."""
        if event.type != "message.created" or event.data.get("author") != "system":
            return None
        message = await self.message(event)
        return message if message is not None and message.meta.get("agent_joined") else None


def webhooks_probe(events: Sequence[Event], options: IntegrationOptions) -> Any | None:
    """When `events` may need webhook deliveries: an expression, true when an active endpoint
    exists, for the statement that logs the events to read (see `integration_jobs_for`)."""
    if not options.webhooks_enabled or not any(e.type in _WEBHOOK_SOURCES for e in events):
        return None
    return select(WebhookEndpoint.id).where(WebhookEndpoint.active.is_(True)).exists()


async def integration_jobs_for(
    ctx: ServiceContext,
    session: AsyncSession,
    events: Sequence[Event],
    options: IntegrationOptions,
    *,
    webhooks_listening: bool | None = None,
) -> None:
    """Write the jobs the integrations need for `events`, inside the caller's transaction.

    Called by `transaction()` after the events are logged (so they have ids) and before
    commit: the business change and its integration jobs commit together or not at all.
    `webhooks_listening`: whether an active endpoint exists, when already read in this
    transaction (`webhooks_probe`); False spares the query of the endpoints.
    """
    if not events:
        return
    reader = _EventReader(session)
    now = ctx.clock.now()
    if options.zendesk_tickets:
        await _zendesk_jobs(session, events, now)
    if options.slack_notices:
        await _slack_jobs(session, reader, events, now)
    if options.webhooks_enabled and webhooks_listening is not False:
        await _webhook_jobs(ctx, session, reader, events, now)


async def _zendesk_jobs(session: AsyncSession, events: Sequence[Event], now: datetime) -> None:
    for event in events:
        if event.type == "message.created" and event.conversation_id is not None:
            data = event.data
            # An agent's reply in Baton goes on the ticket too, so Zendesk tells the whole story.
            if data.get("author") == "agent" and not data.get("internal"):
                handoff = await get_open_handoff(session, event.conversation_id)
                if handoff is not None and await _find_link(session, handoff.id, ZENDESK):
                    await enqueue_job(
                        session,
                        ZENDESK_NOTE_JOB,
                        {"handoff_id": handoff.id, "message_id": data["id"]},
                        now=now,
                        dedupe_key=f"{ZENDESK_NOTE_JOB}:{data['id']}",
                    )
            continue
        # A conversation becomes a ticket (directly, after the email question, or when nobody
        # claimed it in time): the moment the customer's email, if any, is known.
        if event.type != "conversation.state_changed" or event.data.get("state") != "ticket":
            continue
        if event.conversation_id is None:
            continue
        handoff = await get_open_handoff(session, event.conversation_id)
        if handoff is None:
            continue
        await enqueue_job(
            session,
            ZENDESK_TICKET_JOB,
            {"handoff_id": handoff.id},
            now=now,
            dedupe_key=f"{ZENDESK_TICKET_JOB}:{handoff.id}",
        )


def _slack_new_key(handoff_id: str) -> str:
    return f"{SLACK_NOTICE_JOB}:{handoff_id}:new"


async def _slack_jobs(
    session: AsyncSession, reader: _EventReader, events: Sequence[Event], now: datetime
) -> None:
    for event in events:
        if event.type == "handoff.escalated":
            handoff_id = str(event.data.get("handoff_id", ""))
            if handoff_id:
                await enqueue_job(
                    session,
                    SLACK_NOTICE_JOB,
                    {"handoff_id": handoff_id, "notice": "new"},
                    now=now,
                    dedupe_key=_slack_new_key(handoff_id),
                )
            continue
        follow = await _thread_line(session, reader, event)
        if follow is None:
            continue
        handoff_id, text = follow
        if not await _has_slack_notice(session, handoff_id):
            continue  # Slack was off when this handoff started: no thread to follow
        await enqueue_job(
            session,
            SLACK_NOTICE_JOB,
            {"handoff_id": handoff_id, "notice": "thread", "text": text},
            now=now,
            dedupe_key=f"{SLACK_NOTICE_JOB}:{handoff_id}:event:{event.id or uuid.uuid4().hex}",
        )


async def _thread_line(
    session: AsyncSession, reader: _EventReader, event: Event
) -> tuple[str, str] | None:
    """(handoff id, line for the Slack thread) for the events the thread follows."""
    if event.conversation_id is None:
        return None
    if event.type in ("promise.at_risk", "promise.broken"):
        handoff_id = str(event.data.get("handoff_id", ""))
        promise = event.data.get("promise") or "the promised time"
        if event.type == "promise.broken":
            return handoff_id, f":red_circle: Promise broken: {promise} passed without a reply."
        minutes = event.data.get("minutes_left")
        left = f" ({minutes} min left)" if isinstance(minutes, int) else ""
        return handoff_id, f":warning: Promise at risk: {promise}{left}, no reply yet."
    if event.type == "conversation.resolved":
        handoff = await _latest_handoff(session, event.conversation_id)
        return (handoff.id, ":white_check_mark: Resolved.") if handoff else None
    joined = await reader.joined(event)
    if joined is not None:
        handoff = await get_open_handoff(session, event.conversation_id)
        if handoff is None:
            return None
        name = joined.author_name or "an agent"
        if joined.meta.get("transferred_by"):
            return handoff.id, f":arrows_counterclockwise: Transferred to {name}."
        if joined.meta.get("auto_assigned"):
            return handoff.id, f":bust_in_silhouette: Assigned to {name}."
        return handoff.id, f":raising_hand: Claimed by {name}."
    return None


async def _latest_handoff(session: AsyncSession, conversation_id: str) -> Handoff | None:
    return await session.scalar(
        select(Handoff)
        .where(Handoff.conversation_id == conversation_id)
        .order_by(Handoff.created_at.desc(), Handoff.id)
        .limit(1)
    )


async def _has_slack_notice(session: AsyncSession, handoff_id: str) -> bool:
    link = await _find_link(session, handoff_id, SLACK)
    if link is not None:
        return True
    job = await session.scalar(
        select(OutboxJob.id).where(OutboxJob.dedupe_key == _slack_new_key(handoff_id))
    )
    return job is not None


async def _webhook_payloads(
    ctx: ServiceContext, session: AsyncSession, reader: _EventReader, event: Event
) -> list[tuple[str, dict[str, Any]]]:
    """The webhook events (type, data) one Baton event becomes."""
    base: dict[str, Any] = {"conversation_id": event.conversation_id}
    if event.conversation_id:
        base["console_url"] = console_url(ctx, event.conversation_id)
    if event.type == "handoff.escalated":
        return [("handoff.created", {**base, **event.data})]
    if event.type in ("promise.at_risk", "promise.broken"):
        return [(event.type, {**base, **event.data})]
    if event.type == "conversation.resolved" and event.conversation_id:
        handoff = await _latest_handoff(session, event.conversation_id)
        return [("conversation.resolved", {**base, "handoff_id": handoff.id if handoff else None})]
    if event.type == "message.created" and not event.data.get("internal"):
        found: list[tuple[str, dict[str, Any]]] = [
            ("message.created", {**base, "message": dict(event.data)})
        ]
        joined = await reader.joined(event)
        if joined is not None and event.conversation_id:
            handoff = await get_open_handoff(session, event.conversation_id)
            found.append(
                (
                    "handoff.claimed",
                    {
                        **base,
                        "handoff_id": handoff.id if handoff else None,
                        "agent_id": joined.meta.get("agent_joined"),
                        "agent_name": joined.author_name,
                        "transferred": bool(joined.meta.get("transferred_by")),
                    },
                )
            )
        return found
    return []


_WEBHOOK_SOURCES = frozenset(
    {
        "handoff.escalated",
        "promise.at_risk",
        "promise.broken",
        "conversation.resolved",
        "message.created",
    }
)


async def _webhook_jobs(
    ctx: ServiceContext,
    session: AsyncSession,
    reader: _EventReader,
    events: Sequence[Event],
    now: datetime,
) -> None:
    if not any(e.type in _WEBHOOK_SOURCES and e.id for e in events):
        return
    endpoints = (
        await session.scalars(select(WebhookEndpoint).where(WebhookEndpoint.active.is_(True)))
    ).all()
    if not endpoints:
        return
    for event in events:
        if event.type not in _WEBHOOK_SOURCES or not event.id:
            continue
        for kind, data in await _webhook_payloads(ctx, session, reader, event):
            subscribers = [e for e in endpoints if kind in e.events]
            if not subscribers:
                continue
            body = json.dumps(
                {
                    "type": kind,
                    "timestamp": now.isoformat(),
                    "data": {"event_id": event.id, **data},
                },
                separators=(",", ":"),
                ensure_ascii=False,
                default=str,
            )
            for endpoint in subscribers:
                if await _delivery_exists(session, endpoint.id, event.id, kind):
                    continue  # the hook ran twice for this event
                delivery = WebhookDelivery(
                    id=f"msg_{uuid.uuid4().hex}",
                    endpoint_id=endpoint.id,
                    event_type=kind,
                    event_id=event.id,
                    body=body,
                    status="pending",
                    attempts=0,
                    next_attempt_at=now,
                    created_at=now,
                )
                session.add(delivery)
                await session.flush()
                await enqueue_job(
                    session,
                    WEBHOOK_DELIVERY_JOB,
                    {"delivery_id": delivery.id, "attempt": 1},
                    now=now,
                    dedupe_key=f"{WEBHOOK_DELIVERY_JOB}:{delivery.id}:1",
                )


async def _delivery_exists(
    session: AsyncSession, endpoint_id: str, event_id: int, kind: str
) -> bool:
    found = await session.scalar(
        select(WebhookDelivery.id).where(
            WebhookDelivery.endpoint_id == endpoint_id,
            WebhookDelivery.event_id == event_id,
            WebhookDelivery.event_type == kind,
        )
    )
    return found is not None


# --- links (ticket id, Slack thread) ----------------------------------------------------------


async def _find_link(session: AsyncSession, handoff_id: str, system: str) -> IntegrationLink | None:
    return await session.scalar(
        select(IntegrationLink).where(
            IntegrationLink.handoff_id == handoff_id, IntegrationLink.system == system
        )
    )


async def get_link(ctx: ServiceContext, handoff_id: str, system: str) -> IntegrationLink | None:
    """The ticket or Slack message recorded for a handoff, if any."""
    async with ctx.sessions() as session:
        return await _find_link(session, handoff_id, system)


async def _save_link(
    ctx: ServiceContext,
    handoff_id: str,
    system: str,
    *,
    external_id: str | None = None,
    channel: str | None = None,
    error: str | None = None,
) -> IntegrationLink:
    """Record the external id (or the last error) of a handoff's ticket or message."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        link = await _find_link(tx.session, handoff_id, system)
        if link is None:
            link = IntegrationLink(
                handoff_id=handoff_id, system=system, created_at=now, updated_at=now
            )
            tx.session.add(link)
        if external_id is not None and link.external_id is None:
            link.external_id = external_id
            link.channel = channel
            link.last_error = None
        elif error is not None:
            link.last_error = error[:2000]
        link.updated_at = now
        await tx.session.flush()
        if external_id is not None and system == ZENDESK:
            handoff = await tx.session.get(Handoff, handoff_id)
            if handoff is not None:
                note = Message(
                    conversation_id=handoff.conversation_id,
                    author="system",
                    body=f"Zendesk ticket #{external_id} opened for this handoff.",
                    internal=True,
                    meta={"zendesk_ticket": external_id},
                    created_at=now,
                )
                tx.session.add(note)
                await tx.session.flush()
                tx.on_commit(message_event(note))
    return link


async def _wait_and_retry(
    ctx: ServiceContext,
    kind: str,
    payload: dict[str, Any],
    key: str,
    wait: RetryLater,
) -> None:
    """Run the job again after the wait the remote system asked for (a 429's Retry-After)."""
    waits = int(payload.get("waits", 0)) + 1
    if waits > MAX_WAITS:
        raise PermanentJobError(f"{wait}; still told to wait after {MAX_WAITS} waits")
    now = ctx.clock.now()
    delay = timedelta(seconds=min(wait.delay_seconds, MAX_WAIT_SECONDS))
    async with transaction(ctx) as tx:
        await enqueue_job(
            tx.session,
            kind,
            {**payload, "waits": waits},
            now=now,
            run_at=now + delay,
            dedupe_key=f"{key}:wait{waits}",
        )


# --- Zendesk ----------------------------------------------------------------------------------


async def open_zendesk_ticket(
    ctx: ServiceContext, zendesk: TicketSystem, payload: dict[str, Any]
) -> None:
    """The `zendesk_ticket` job: one ticket per handoff, however often the job runs.

    The handoff id is the ticket's external_id; the ticket is looked up by it before one is
    created, so a retry after a timeout or a crash finds the ticket instead of making another.
    """
    handoff_id = str(payload["handoff_id"])
    key = f"{ZENDESK_TICKET_JOB}:{handoff_id}"
    link = await get_link(ctx, handoff_id, ZENDESK)
    if link is not None and link.external_id is not None:
        return
    brief = await handoff_brief(ctx, handoff_id)
    try:
        ticket_id = await zendesk.find_ticket(handoff_id)
        if ticket_id is None:
            ticket_id = await zendesk.create_ticket(brief)
    except RetryLater as wait:
        await _save_link(ctx, handoff_id, ZENDESK, error=f"waiting: {wait}")
        await _wait_and_retry(ctx, ZENDESK_TICKET_JOB, payload, key, wait)
        return
    except Exception as error:
        await _save_link(ctx, handoff_id, ZENDESK, error=f"{type(error).__name__}: {error}")
        raise
    await _save_link(ctx, handoff_id, ZENDESK, external_id=ticket_id)


async def note_reply_on_ticket(
    ctx: ServiceContext, zendesk: TicketSystem, payload: dict[str, Any]
) -> None:
    """The `zendesk_note` job: an agent's chat or email reply, as a private note on the ticket.

    Replies that came from Zendesk itself are not sent back."""
    async with ctx.sessions() as session:
        message = await session.get(Message, int(payload["message_id"]))
    link = await get_link(ctx, str(payload["handoff_id"]), ZENDESK)
    if message is None or link is None or message.meta.get("external") == ZENDESK:
        return
    if link.external_id is None:
        raise RuntimeError("the Zendesk ticket is not created yet")  # retried later
    await zendesk.add_note(
        link.external_id, f"{message.author_name or 'An agent'} replied in Baton:\n\n{message.body}"
    )


async def receive_zendesk_callback(
    ctx: ServiceContext, ticket_id: str, *, invocation_id: str | None = None
) -> bool:
    """A verified Zendesk webhook named a ticket: read it (a job) if it is one of ours."""
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        link = await tx.session.scalar(
            select(IntegrationLink).where(
                IntegrationLink.system == ZENDESK, IntegrationLink.external_id == ticket_id
            )
        )
        if link is None:
            return False
        dedupe = f"{ZENDESK_SYNC_JOB}:{ticket_id}:{invocation_id}" if invocation_id else None
        await enqueue_job(
            tx.session,
            ZENDESK_SYNC_JOB,
            {"ticket_id": ticket_id, "handoff_id": link.handoff_id},
            now=now,
            dedupe_key=dedupe,
        )
    ctx.jobs.wake()
    return True


async def sync_zendesk_ticket(
    ctx: ServiceContext, zendesk: TicketSystem, payload: dict[str, Any]
) -> None:
    """The `zendesk_sync` job: agents' public replies become agent messages in the chat, once
    each; a solved ticket resolves the conversation."""
    ticket_id = str(payload["ticket_id"])
    handoff_id = str(payload["handoff_id"])
    async with ctx.sessions() as session:
        handoff = await session.get(Handoff, handoff_id)
    if handoff is None:
        raise PermanentJobError(f"handoff {handoff_id} of Zendesk ticket {ticket_id} is gone")
    try:
        state = await zendesk.read_ticket(ticket_id)
    except RetryLater as wait:
        key = f"{ZENDESK_SYNC_JOB}:{ticket_id}:{uuid.uuid4().hex}"
        await _wait_and_retry(ctx, ZENDESK_SYNC_JOB, payload, key, wait)
        return
    # The first comment is the escalation Baton wrote; customers' own comments stay in Zendesk.
    for comment in state.comments[1:]:
        if comment.public and comment.by_agent and comment.body.strip():
            await post_external_agent_reply(
                ctx,
                handoff.conversation_id,
                comment.body,
                author_name=comment.author_name,
                author_email=comment.author_email,
                source=ZENDESK,
                external_id=comment.id,
            )
    if state.status in ("solved", "closed"):
        await resolve_from_outside(ctx, handoff.conversation_id, handoff_id)


async def post_external_agent_reply(
    ctx: ServiceContext,
    conversation_id: str,
    text: str,
    *,
    author_name: str,
    source: str,
    external_id: str,
    author_email: str | None = None,
) -> Message | None:
    """A human's reply written in another system (a Zendesk agent) becomes an agent message.

    The same reply is stored once (`client_id` = source:id). It counts as the first response
    like a reply from the console. When the conversation is no longer with a human (resolved
    meanwhile), the reply is kept as an internal note so the team still sees it.
    """
    body = text.strip()
    if not body:
        return None
    now = ctx.clock.now()
    client_id = f"{source}:{external_id}"[:64]
    async with transaction(ctx) as tx:
        conversation = await lock_conversation(tx.session, conversation_id)
        existing = await tx.session.scalar(
            select(Message).where(
                Message.conversation_id == conversation_id, Message.client_id == client_id
            )
        )
        if existing is not None:
            return existing
        agent = None
        if author_email:
            agent = await tx.session.scalar(
                select(Agent).where(Agent.email == author_email.lower(), Agent.active.is_(True))
            )
        live = conversation.state in (ControlState.AGENT, ControlState.TICKET)
        message = Message(
            conversation_id=conversation_id,
            author="agent",
            author_name=(agent.name if agent else author_name)[:200] or source.capitalize(),
            body=body,
            internal=not live,
            client_id=client_id,
            meta={
                "external": source,
                "external_id": external_id,
                "agent_id": agent.id if agent else None,
            },
            created_at=now,
        )
        tx.session.add(message)
        await tx.session.flush()
        if live:
            await record_human_reply(tx, conversation, now)
        conversation.updated_at = now
        tx.on_commit(message_event(message))
    return message


async def resolve_from_outside(ctx: ServiceContext, conversation_id: str, handoff_id: str) -> bool:
    """The outside system closed the handoff's ticket: resolve the conversation if that handoff
    is still the open one. Recorded as done by the handoff's agent, else an admin."""
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
        handoff = await get_open_handoff(session, conversation_id)
        if conversation is None or handoff is None or handoff.id != handoff_id:
            return False
        if conversation.state not in (ControlState.AGENT, ControlState.TICKET):
            return False
        acting = await _acting_agent(session, handoff)
    if acting is None:
        raise PermanentJobError("no active Baton agent to record the resolution")
    try:
        await resolve_conversation(ctx, conversation_id, acting=acting)
    except Conflict:
        return False  # resolved or handed back meanwhile
    return True


async def _acting_agent(session: AsyncSession, handoff: Handoff) -> str | None:
    if handoff.agent_id is not None:
        agent = await session.get(Agent, handoff.agent_id)
        if agent is not None and agent.active:
            return agent.id
    return await session.scalar(
        select(Agent.id)
        .where(Agent.active.is_(True))
        .order_by((Agent.role == "admin").desc(), Agent.created_at, Agent.id)
        .limit(1)
    )


# --- Slack ------------------------------------------------------------------------------------


async def send_slack_notice(
    ctx: ServiceContext, slack: ChatNotifier, payload: dict[str, Any]
) -> None:
    """The `slack_notice` job: the handoff's notice, or one line in its thread."""
    handoff_id = str(payload["handoff_id"])
    notice = str(payload.get("notice", "new"))
    link = await get_link(ctx, handoff_id, SLACK)
    if notice == "new":
        if link is not None and link.external_id is not None:
            return
        brief = await handoff_brief(ctx, handoff_id)
        try:
            channel, ts = await slack.post_notice(brief)
        except RetryLater as wait:
            await _wait_and_retry(ctx, SLACK_NOTICE_JOB, payload, _slack_new_key(handoff_id), wait)
            return
        except Exception as error:
            await _save_link(ctx, handoff_id, SLACK, error=f"{type(error).__name__}: {error}")
            raise
        await _save_link(ctx, handoff_id, SLACK, external_id=ts, channel=channel)
        return
    if link is None or link.external_id is None or link.channel is None:
        async with ctx.sessions() as session:
            parent = await session.scalar(
                select(OutboxJob.status).where(OutboxJob.dedupe_key == _slack_new_key(handoff_id))
            )
        if parent in ("pending", "running"):
            raise RuntimeError("the handoff's Slack notice is not posted yet")  # retried
        raise PermanentJobError("the handoff's Slack notice was never posted; no thread")
    try:
        await slack.post_in_thread(link.channel, link.external_id, str(payload.get("text", "")))
    except RetryLater as wait:
        key = f"{SLACK_NOTICE_JOB}:{handoff_id}:thread:{uuid.uuid4().hex}"
        await _wait_and_retry(ctx, SLACK_NOTICE_JOB, payload, key, wait)


# --- outgoing webhooks ------------------------------------------------------------------------


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` + base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


async def _require_admin(session: AsyncSession, acting: str) -> Agent:
    agent = await session.get(Agent, acting)
    if agent is None or not agent.active:
        raise NotFound("no such agent")
    if agent.role != "admin":
        raise Forbidden("admins only")
    return agent


def endpoint_data(endpoint: WebhookEndpoint) -> dict[str, Any]:
    """An endpoint as the console API shows it (never its secret)."""
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description,
        "events": list(endpoint.events),
        "active": endpoint.active,
        "disabled_reason": endpoint.disabled_reason,
        "disabled_at": endpoint.disabled_at.isoformat() if endpoint.disabled_at else None,
        "dead_letters_in_a_row": endpoint.dead_letters_in_a_row,
        "failing_since": endpoint.failing_since.isoformat() if endpoint.failing_since else None,
        "created_at": endpoint.created_at.isoformat(),
    }


def delivery_data(delivery: WebhookDelivery) -> dict[str, Any]:
    def when(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "event_type": delivery.event_type,
        "event_id": delivery.event_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": when(delivery.next_attempt_at),
        "created_at": delivery.created_at.isoformat(),
        "finished_at": when(delivery.finished_at),
    }


@dataclass(frozen=True)
class CreatedEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown to the admin this once


async def create_webhook_endpoint(
    ctx: ServiceContext,
    *,
    url: str,
    events: Sequence[str],
    acting: str,
    check_url: UrlCheck,
    description: str = "",
) -> CreatedEndpoint:
    """An admin subscribes `url` to `events`; the URL must pass `check_url` (public address)."""
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in WEBHOOK_EVENT_TYPES]
    if not chosen or unknown:
        raise InvalidInput(
            f"events: choose from {', '.join(WEBHOOK_EVENT_TYPES)}"
            + (f" (unknown: {', '.join(unknown)})" if unknown else ""),
            code="invalid_events",
        )
    try:
        checked = await check_url(url)
    except ValueError as error:
        raise InvalidInput(f"url: {error}", code="invalid_url") from None
    secret = new_webhook_secret()
    async with transaction(ctx) as tx:
        await _require_admin(tx.session, acting)
        endpoint = WebhookEndpoint(
            id=str(uuid.uuid4()),
            url=checked,
            description=description.strip()[:200],
            events=chosen,
            secret=secret,
            active=True,
            dead_letters_in_a_row=0,
            created_by=acting,
            created_at=ctx.clock.now(),
        )
        tx.session.add(endpoint)
        await tx.session.flush()
    return CreatedEndpoint(endpoint, secret)


async def list_webhook_endpoints(ctx: ServiceContext) -> list[WebhookEndpoint]:
    async with ctx.sessions() as session:
        rows = await session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.created_at))
        return list(rows.all())


async def delete_webhook_endpoint(ctx: ServiceContext, endpoint_id: str, *, acting: str) -> None:
    """Unsubscribe: the endpoint, its deliveries and their pending tries go."""
    async with transaction(ctx) as tx:
        await _require_admin(tx.session, acting)
        endpoint = await tx.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise NotFound("no such webhook endpoint")
        for delivery in (
            await tx.session.scalars(
                select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
            )
        ).all():
            await tx.session.delete(delivery)
        await tx.session.delete(endpoint)


async def enable_webhook_endpoint(ctx: ServiceContext, endpoint_id: str, *, acting: str) -> None:
    """Turn a disabled endpoint back on (after its receiver is fixed)."""
    async with transaction(ctx) as tx:
        await _require_admin(tx.session, acting)
        endpoint = await tx.session.get(WebhookEndpoint, endpoint_id)
        if endpoint is None:
            raise NotFound("no such webhook endpoint")
        endpoint.active = True
        endpoint.disabled_reason = None
        endpoint.disabled_at = None
        endpoint.dead_letters_in_a_row = 0
        endpoint.failing_since = None


async def list_webhook_deliveries(
    ctx: ServiceContext,
    *,
    endpoint_id: str | None = None,
    status: str | None = None,
    limit: int = 100,
) -> list[WebhookDelivery]:
    """Recent deliveries, newest first; `status="dead"` lists the dead letters."""
    query = select(WebhookDelivery)
    if endpoint_id is not None:
        query = query.where(WebhookDelivery.endpoint_id == endpoint_id)
    if status is not None:
        query = query.where(WebhookDelivery.status == status)
    query = query.order_by(WebhookDelivery.created_at.desc(), WebhookDelivery.id).limit(limit)
    async with ctx.sessions() as session:
        return list((await session.scalars(query)).all())


async def deliver_webhook(
    ctx: ServiceContext,
    transport: WebhookTransport,
    policy: WebhookPolicy,
    payload: dict[str, Any],
) -> None:
    """The `webhook_delivery` job: one try of one delivery.

    A failure worth retrying (timeout, connection error, 429, 5xx) schedules the next try as a
    new job with backoff and jitter (or the receiver's Retry-After); anything else, or the last
    try, dead-letters the delivery with the reason. An endpoint with too many dead letters in a
    row, or failing too long, is disabled and admins hear of it (`webhook.disabled`).
    """
    delivery_id = str(payload["delivery_id"])
    attempt = int(payload.get("attempt", 1))
    async with ctx.sessions() as session:
        delivery = await session.get(WebhookDelivery, delivery_id)
        endpoint = await session.get(WebhookEndpoint, delivery.endpoint_id) if delivery else None
    if delivery is None or endpoint is None:
        return  # unsubscribed meanwhile
    if delivery.status in ("delivered", "dead") or delivery.attempts >= attempt:
        return  # finished, or this try was already recorded
    if not endpoint.active:
        outcome = DeliveryOutcome(ok=False, error=f"endpoint disabled: {endpoint.disabled_reason}")
    else:
        outcome = await transport.deliver(endpoint.url, endpoint.secret, delivery.id, delivery.body)
    await _record_try(ctx, policy, delivery_id, attempt, outcome)


async def _record_try(
    ctx: ServiceContext,
    policy: WebhookPolicy,
    delivery_id: str,
    attempt: int,
    outcome: DeliveryOutcome,
) -> None:
    now = ctx.clock.now()
    async with transaction(ctx) as tx:
        delivery = await tx.session.scalar(
            select(WebhookDelivery).where(WebhookDelivery.id == delivery_id).with_for_update()
        )
        if delivery is None or delivery.attempts >= attempt:
            return
        endpoint = await tx.session.get(WebhookEndpoint, delivery.endpoint_id)
        if endpoint is None:
            return
        delivery.attempts = attempt
        delivery.last_status_code = outcome.status_code
        if outcome.ok:
            delivery.status = "delivered"
            delivery.last_error = None
            delivery.finished_at = now
            delivery.next_attempt_at = None
            endpoint.dead_letters_in_a_row = 0
            endpoint.failing_since = None
            return
        reason = outcome.error or f"HTTP {outcome.status_code}"
        endpoint.failing_since = endpoint.failing_since or now
        if outcome.retryable and attempt < policy.max_attempts and endpoint.active:
            wait = backoff(attempt, base=policy.retry_base_seconds, cap=policy.retry_cap_seconds)
            if outcome.retry_after is not None:
                wait = timedelta(seconds=min(outcome.retry_after, policy.retry_cap_seconds))
            delivery.status = "retrying"
            delivery.last_error = f"try {attempt} failed: {reason}"[:2000]
            delivery.next_attempt_at = now + wait
            await enqueue_job(
                tx.session,
                WEBHOOK_DELIVERY_JOB,
                {"delivery_id": delivery.id, "attempt": attempt + 1},
                now=now,
                run_at=now + wait,
                dedupe_key=f"{WEBHOOK_DELIVERY_JOB}:{delivery.id}:{attempt + 1}",
            )
            return
        final = "final answer" if not outcome.retryable else f"gave up after {attempt} tries"
        delivery.status = "dead"
        delivery.last_error = f"{reason} ({final})"[:2000]
        delivery.finished_at = now
        delivery.next_attempt_at = None
        if not endpoint.active:
            return
        endpoint.dead_letters_in_a_row += 1
        failing_for = now - endpoint.failing_since
        why = None
        if endpoint.dead_letters_in_a_row >= policy.disable_after_dead_letters:
            why = f"{endpoint.dead_letters_in_a_row} deliveries in a row were dead-lettered"
        elif failing_for >= timedelta(hours=policy.disable_after_failing_hours):
            why = f"failing without a success since {endpoint.failing_since.isoformat()}"
        if why is not None:
            endpoint.active = False
            endpoint.disabled_at = now
            endpoint.disabled_reason = f"{why}; last error: {reason}"[:2000]
            tx.on_commit(
                Event(
                    WEBHOOK_DISABLED_EVENT,
                    None,
                    data={
                        "endpoint_id": endpoint.id,
                        "url": endpoint.url,
                        "reason": endpoint.disabled_reason,
                    },
                )
            )


# --- registration -----------------------------------------------------------------------------


def register_integration_jobs(
    ctx: ServiceContext, clients: IntegrationClients, options: IntegrationOptions
) -> None:
    """Register the integration job kinds on `ctx.jobs` with the given clients.

    A kind whose client is missing (the integration was turned off after jobs were written)
    fails its jobs with that reason rather than leaving them pending.
    """

    def missing(name: str) -> Callable[[dict[str, Any]], Awaitable[None]]:
        async def handler(payload: dict[str, Any]) -> None:
            raise PermanentJobError(f"{name} is not configured")

        return handler

    zendesk, slack, webhooks = clients.zendesk, clients.slack, clients.webhooks

    if zendesk is not None:

        async def zendesk_ticket(payload: dict[str, Any]) -> None:
            await open_zendesk_ticket(ctx, zendesk, payload)

        async def zendesk_sync(payload: dict[str, Any]) -> None:
            await sync_zendesk_ticket(ctx, zendesk, payload)

        async def zendesk_note(payload: dict[str, Any]) -> None:
            await note_reply_on_ticket(ctx, zendesk, payload)

        ctx.jobs.register(ZENDESK_TICKET_JOB, zendesk_ticket)
        ctx.jobs.register(ZENDESK_SYNC_JOB, zendesk_sync)
        ctx.jobs.register(ZENDESK_NOTE_JOB, zendesk_note)
    else:
        ctx.jobs.register(ZENDESK_TICKET_JOB, missing("Zendesk"))
        ctx.jobs.register(ZENDESK_SYNC_JOB, missing("Zendesk"))
        ctx.jobs.register(ZENDESK_NOTE_JOB, missing("Zendesk"))

    if slack is not None:

        async def slack_notice(payload: dict[str, Any]) -> None:
            await send_slack_notice(ctx, slack, payload)

        ctx.jobs.register(SLACK_NOTICE_JOB, slack_notice)
    else:
        ctx.jobs.register(SLACK_NOTICE_JOB, missing("Slack"))

    if webhooks is not None:
        policy = options.webhooks

        async def webhook_delivery(payload: dict[str, Any]) -> None:
            await deliver_webhook(ctx, webhooks, policy, payload)

        ctx.jobs.register(WEBHOOK_DELIVERY_JOB, webhook_delivery)
    else:
        ctx.jobs.register(WEBHOOK_DELIVERY_JOB, missing("Webhook sending"))
