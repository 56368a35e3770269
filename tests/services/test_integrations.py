"""Zendesk tickets, Slack notices and outgoing webhooks, driven through the real services and
job runner against local servers that speak each protocol (tests/channels/integrations)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event, select

import baton.services.context as context_module
from baton.channels.integrations.slack import SlackClient
from baton.channels.integrations.webhooks import WebhookSender, check_webhook_url
from baton.channels.integrations.zendesk import ZendeskClient
from baton.domain.integration_settings import (
    IntegrationSettings,
    SlackSettings,
    WebhookSettings,
    ZendeskSettings,
)
from baton.domain.reasons import ReasonCategory
from baton.runtime.bus import Event
from baton.runtime.clock import FrozenClock
from baton.services import agents, handoffs, integrations
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, receive_customer_message, start_conversation
from baton.services.errors import InvalidInput
from baton.services.handoffs import claim_conversation, escalate, resolve_conversation
from baton.store.database import AsyncSession
from baton.store.integrations import IntegrationLink, WebhookDelivery, WebhookEndpoint
from baton.store.tables import Conversation, EventRow, Message, OutboxJob
from tests.channels.integrations.servers import (
    FakeSlack,
    FakeZendesk,
    Reply,
    WebhookReceiver,
    running,
)

ZENDESK_EMAIL = "bot@acme.example"
ZENDESK_TOKEN = "zendesk-token"
SLACK_TOKEN = "xoxb-test-token"


@pytest.fixture
def zendesk() -> Iterator[FakeZendesk]:
    with running(FakeZendesk(ZENDESK_EMAIL, ZENDESK_TOKEN)) as server:
        yield server


@pytest.fixture
def slack() -> Iterator[FakeSlack]:
    with running(FakeSlack(SLACK_TOKEN)) as server:
        yield server


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    with running(WebhookReceiver()) as server:
        yield server


def make_settings(
    zendesk: FakeZendesk | None = None,
    slack: FakeSlack | None = None,
    **webhooks: Any,
) -> IntegrationSettings:
    return IntegrationSettings(
        escalation_channel="both" if zendesk else "email",
        zendesk=ZendeskSettings(
            subdomain="acme",
            email=ZENDESK_EMAIL,
            api_token=ZENDESK_TOKEN,  # type: ignore[arg-type]
            webhook_secret="zendesk-secret",  # type: ignore[arg-type]
            api_base_url=zendesk.url,
            page_field_id=11,
            promise_field_id=12,
        )
        if zendesk
        else ZendeskSettings(),
        slack=SlackSettings(
            bot_token=SLACK_TOKEN,  # type: ignore[arg-type]
            channel="C0HANDOFF",
            signing_secret="slack-secret",  # type: ignore[arg-type]
            api_base_url=f"{slack.url}/api",
        )
        if slack
        else SlackSettings(),
        webhooks=WebhookSettings(
            **{
                "allow_private_targets": True,
                "timeout_seconds": 0.5,
                "retry_base_seconds": 10,
                **webhooks,
            }
        ),
    )


@pytest.fixture
def wire(ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Wire the integrations as Baton does: jobs written inside each transaction, handlers
    registered with clients for the local servers."""

    def install(settings: IntegrationSettings) -> None:
        if "integrations" in type(ctx.settings).model_fields:
            # `transaction()` calls the hook with `ctx.settings.integrations`.
            monkeypatch.setattr(
                ctx, "settings", ctx.settings.model_copy(update={"integrations": settings})
            )
        else:
            original = context_module._log_events

            async def log_then_jobs(
                session: AsyncSession, events: list[Event], now: Any, _probe: Any
            ) -> Any:
                logged, _ = await original(session, events, now, None)
                await integrations.integration_jobs_for(ctx, session, logged, settings)
                return logged, False

            monkeypatch.setattr(context_module, "_log_events", log_then_jobs)
        integrations.register_integration_jobs(
            ctx,
            integrations.IntegrationClients(
                zendesk=ZendeskClient(settings.zendesk) if settings.zendesk.enabled else None,
                slack=SlackClient(settings.slack) if settings.slack.enabled else None,
                webhooks=WebhookSender(settings.webhooks),
            ),
            settings,
        )

    return install


async def customer_escalates(ctx: ServiceContext, email: str | None = "ana@example.com") -> str:
    started = await start_conversation(
        ctx,
        contact=ContactIn(name="Ana Lima", email=email, attributes={"plan": "Pro"}),
        page_url="https://shop.example/pricing",
        page_title="Pricing | Shop",
    )
    conversation_id = started.conversation.id
    await receive_customer_message(ctx, conversation_id, "My refund has not arrived yet")
    await escalate(ctx, conversation_id, [ReasonCategory.EXPLICIT_REQUEST])
    return conversation_id


async def jobs(ctx: ServiceContext, kind: str, status: str | None = None) -> list[OutboxJob]:
    async with ctx.sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == kind)
        if status is not None:
            query = query.where(OutboxJob.status == status)
        return list((await session.scalars(query.order_by(OutboxJob.id))).all())


async def run(ctx: ServiceContext, clock: FrozenClock, after: timedelta | None = None) -> int:
    if after is not None:
        clock.advance(after)
    return await ctx.jobs.run_due()


async def the_link(ctx: ServiceContext, system: str) -> IntegrationLink:
    async with ctx.sessions() as session:
        links = (
            await session.scalars(select(IntegrationLink).where(IntegrationLink.system == system))
        ).all()
    assert len(links) == 1
    return links[0]


async def messages(ctx: ServiceContext, conversation_id: str) -> list[Message]:
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
        return list(rows.all())


# --- Zendesk ----------------------------------------------------------------------------------


async def test_an_email_handoff_opens_one_zendesk_ticket(
    ctx: ServiceContext, clock: FrozenClock, zendesk: FakeZendesk, wire: Callable[..., None]
) -> None:
    wire(make_settings(zendesk))
    conversation_id = await customer_escalates(ctx)
    await run(ctx, clock)

    assert len(zendesk.tickets) == 1
    ticket = next(iter(zendesk.tickets.values()))
    link = await the_link(ctx, integrations.ZENDESK)
    assert link.external_id == str(ticket["id"])
    assert ticket["external_id"] == link.handoff_id
    assert ticket["subject"] == "Chat escalation from Pricing page — refund request"
    assert ticket["requester"] == {"name": "Ana Lima", "email": "ana@example.com"}
    assert {"baton", "explicit_request"} <= set(ticket["tags"])
    fields = {f["id"]: f["value"] for f in ticket["custom_fields"]}
    assert fields[11].startswith("Pricing page https://shop.example/pricing")
    assert fields[12]  # the promise
    comment = zendesk.comments[ticket["id"]][0]
    assert "My refund has not arrived yet" in comment["body"]
    assert "Promised to the customer" in comment["body"]
    assert f"/console#{conversation_id}" in comment["body"]
    assert comment["public"] is False
    # Looked up by external_id before creating, with an idempotency key on the create.
    methods = [r.method for r in zendesk.requests]
    assert methods == ["GET", "POST"]
    assert zendesk.requests[0].query["external_id"] == [link.handoff_id]
    assert zendesk.requests[1].headers["idempotency-key"].endswith(link.handoff_id)
    # The team sees the ticket number in the conversation.
    notes = [m for m in await messages(ctx, conversation_id) if m.meta.get("zendesk_ticket")]
    assert len(notes) == 1 and notes[0].internal

    # The job running again (at least once) makes no second ticket and no request.
    await integrations.open_zendesk_ticket(
        ctx, ZendeskClient(make_settings(zendesk).zendesk), {"handoff_id": link.handoff_id}
    )
    assert len(zendesk.tickets) == 1 and len(zendesk.requests) == 2


async def test_zendesk_429_waits_for_retry_after_then_creates_exactly_one_ticket(
    ctx: ServiceContext, clock: FrozenClock, zendesk: FakeZendesk, wire: Callable[..., None]
) -> None:
    wire(make_settings(zendesk))
    zendesk.faults.append(Reply(429, {"error": "TooManyRequests"}, {"Retry-After": "30"}))
    await customer_escalates(ctx)
    await run(ctx, clock)

    assert zendesk.tickets == {}
    waiting = await jobs(ctx, integrations.ZENDESK_TICKET_JOB, "pending")
    assert len(waiting) == 1
    assert waiting[0].run_at == clock.now() + timedelta(seconds=30)
    assert "429" in ((await the_link(ctx, integrations.ZENDESK)).last_error or "")

    await run(ctx, clock, timedelta(seconds=29))
    assert zendesk.tickets == {}  # not before the time Zendesk asked for
    await run(ctx, clock, timedelta(seconds=1))
    assert len(zendesk.tickets) == 1
    assert (await the_link(ctx, integrations.ZENDESK)).external_id is not None
    assert not await jobs(ctx, integrations.ZENDESK_TICKET_JOB, "pending")
    assert not await jobs(ctx, integrations.ZENDESK_TICKET_JOB, "failed")


@pytest.mark.parametrize("created_before_the_error", [False, True])
async def test_zendesk_500_then_success_leaves_exactly_one_ticket(
    ctx: ServiceContext,
    clock: FrozenClock,
    zendesk: FakeZendesk,
    wire: Callable[..., None],
    created_before_the_error: bool,
) -> None:
    wire(make_settings(zendesk))
    zendesk.faults.append(
        Reply(500, {"error": "oops"}, method="POST", after_handling=created_before_the_error)
    )
    await customer_escalates(ctx)
    await run(ctx, clock)
    retrying = await jobs(ctx, integrations.ZENDESK_TICKET_JOB, "pending")
    assert len(retrying) == 1 and "500" in (retrying[0].last_error or "")

    await run(ctx, clock, timedelta(hours=1))
    assert len(zendesk.tickets) == 1
    posts = [r for r in zendesk.requests if r.method == "POST"]
    assert len(posts) == (1 if created_before_the_error else 2)
    link = await the_link(ctx, integrations.ZENDESK)
    assert link.external_id == str(next(iter(zendesk.tickets)))
    assert (await jobs(ctx, integrations.ZENDESK_TICKET_JOB))[0].status == "done"


async def test_a_customer_without_email_gets_a_ticket_once_they_answer(
    ctx: ServiceContext, clock: FrozenClock, zendesk: FakeZendesk, wire: Callable[..., None]
) -> None:
    wire(make_settings(zendesk))
    conversation_id = await customer_escalates(ctx, email=None)
    await run(ctx, clock)
    assert zendesk.tickets == {}  # still collecting the email: no ticket yet
    await receive_customer_message(ctx, conversation_id, "it is ana@example.com")
    await run(ctx, clock)
    assert len(zendesk.tickets) == 1
    ticket = next(iter(zendesk.tickets.values()))
    assert ticket["requester"]["email"] == "ana@example.com"


async def test_zendesk_public_agent_replies_come_back_once_and_solved_resolves(
    ctx: ServiceContext, clock: FrozenClock, zendesk: FakeZendesk, wire: Callable[..., None]
) -> None:
    wire(make_settings(zendesk))
    await agents.create_agent(
        ctx, email="lead@acme.example", name="Lee", password="password-123", role="admin"
    )
    conversation_id = await customer_escalates(ctx)
    await run(ctx, clock)
    ticket_id = next(iter(zendesk.tickets))
    dana = zendesk.add_user("Dana Agent", "dana@acme.example", "agent")
    requester = zendesk.tickets[ticket_id]["requester_id"]
    zendesk.add_comment(ticket_id, dana, "Your refund went out today.")
    zendesk.add_comment(ticket_id, dana, "internal: checked with billing", public=False)
    zendesk.add_comment(ticket_id, requester, "thanks!")

    for invocation in ("inv-1", "inv-1", "inv-2"):  # a retried and a second callback
        assert await integrations.receive_zendesk_callback(
            ctx, str(ticket_id), invocation_id=invocation
        )
    await run(ctx, clock)

    replies = [m for m in await messages(ctx, conversation_id) if m.author == "agent"]
    assert [(m.author_name, m.body, m.internal) for m in replies] == [
        ("Dana Agent", "Your refund went out today.", False)
    ]
    zendesk.tickets[ticket_id]["status"] = "solved"
    assert await integrations.receive_zendesk_callback(ctx, str(ticket_id), invocation_id="i3")
    await run(ctx, clock)
    async with ctx.sessions() as session:
        conversation = await session.get(Conversation, conversation_id)
    assert conversation is not None and conversation.state == "resolved"
    assert not await integrations.receive_zendesk_callback(ctx, "999999")  # not ours


async def test_replies_from_baton_go_on_the_zendesk_ticket_as_private_notes(
    ctx: ServiceContext, clock: FrozenClock, zendesk: FakeZendesk, wire: Callable[..., None]
) -> None:
    wire(make_settings(zendesk))
    sam = await agents.create_agent(
        ctx, email="sam@acme.example", name="Sam", password="password-123"
    )
    conversation_id = await customer_escalates(ctx)
    await run(ctx, clock)
    ticket_id = next(iter(zendesk.tickets))
    await handoffs.send_agent_reply(
        ctx, conversation_id, "Your refund is on its way.", acting=sam.id
    )
    await handoffs.send_agent_reply(
        ctx, conversation_id, "checked billing", acting=sam.id, internal=True
    )
    # A reply written in Zendesk comes into the chat and is not sent back as a note.
    dana = zendesk.add_user("Dana Agent", "dana@acme.example", "agent")
    zendesk.add_comment(ticket_id, dana, "We also added a voucher.")
    assert await integrations.receive_zendesk_callback(ctx, str(ticket_id), invocation_id="i1")
    await run(ctx, clock)
    await run(ctx, clock)

    notes = [c for c in zendesk.comments[ticket_id][1:] if not c["public"]]
    assert [n["body"] for n in notes] == ["Sam replied in Baton:\n\nYour refund is on its way."]
    assert len(zendesk.comments[ticket_id]) == 3  # the ticket, Dana's reply, Sam's note


# --- Slack ------------------------------------------------------------------------------------


async def test_a_handoff_posts_a_slack_notice_and_its_thread_follows(
    ctx: ServiceContext, clock: FrozenClock, slack: FakeSlack, wire: Callable[..., None]
) -> None:
    wire(make_settings(slack=slack))
    sam = await agents.create_agent(
        ctx, email="sam@acme.example", name="Sam", password="password-123"
    )
    conversation_id = await customer_escalates(ctx)
    await run(ctx, clock)

    assert len(slack.posts) == 1
    notice = slack.posts[0]
    assert notice["channel"] == "C0HANDOFF" and "thread_ts" not in notice
    blocks = json.dumps(notice["blocks"])
    assert "explicit_request" in blocks and "Ana Lima" in blocks and "Pro" in blocks
    button = notice["blocks"][-1]["elements"][0]
    assert button["url"] == f"http://127.0.0.1:8000/console#{conversation_id}"

    await claim_conversation(ctx, conversation_id, acting=sam.id)
    await resolve_conversation(ctx, conversation_id, acting=sam.id)
    await run(ctx, clock)

    thread = slack.posts[1:]
    assert [p["thread_ts"] for p in thread] == [notice["ts"], notice["ts"]]
    assert "Claimed by Sam" in thread[0]["text"]
    assert "Resolved" in thread[1]["text"]


async def test_slack_rate_limits_are_waited_out(
    ctx: ServiceContext, clock: FrozenClock, slack: FakeSlack, wire: Callable[..., None]
) -> None:
    wire(make_settings(slack=slack))
    slack.faults.append(Reply(429, None, {"Retry-After": "7"}))
    slack.faults.append(Reply(200, {"ok": False, "error": "ratelimited"}, {"Retry-After": "3"}))
    await customer_escalates(ctx)
    await run(ctx, clock)
    assert slack.posts == []
    await run(ctx, clock, timedelta(seconds=7))
    assert slack.posts == []
    await run(ctx, clock, timedelta(seconds=3))
    assert len(slack.posts) == 1
    assert not await jobs(ctx, integrations.SLACK_NOTICE_JOB, "failed")


async def test_a_slack_promise_alert_waits_for_its_notice(
    ctx: ServiceContext, clock: FrozenClock, slack: FakeSlack, wire: Callable[..., None]
) -> None:
    wire(make_settings(slack=slack))
    slack.faults.append(Reply(500, None))
    conversation_id = await customer_escalates(ctx)
    from baton.services.alerts import check_promises

    clock.advance(timedelta(days=3))
    assert await check_promises(ctx)
    await run(ctx, clock)  # notice fails (500); the thread line waits for it
    assert slack.posts == []
    await run(ctx, clock, timedelta(hours=2))
    await run(ctx, clock, timedelta(hours=2))
    assert "Promise" in slack.posts[-1]["text"]
    assert slack.posts[-1]["thread_ts"] == slack.posts[0]["ts"]
    assert conversation_id


# --- outgoing webhooks ------------------------------------------------------------------------


async def subscribe(
    ctx: ServiceContext, receiver: WebhookReceiver, events: list[str], *, allow: bool = True
) -> integrations.CreatedEndpoint:
    admin = await agents.create_agent(
        ctx, email="admin@acme.example", name="Ada", password="password-123", role="admin"
    )

    async def check(url: str) -> str:
        return await check_webhook_url(url, allow_private=allow)

    created = await integrations.create_webhook_endpoint(
        ctx, url=f"{receiver.url}/hooks", events=events, acting=admin.id, check_url=check
    )
    receiver.secret = created.secret
    return created


async def deliveries(ctx: ServiceContext) -> list[WebhookDelivery]:
    return await integrations.list_webhook_deliveries(ctx)


async def test_with_no_endpoint_no_query_reads_the_endpoints_and_a_new_one_is_heard_at_once(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    """The statement that logs a message's event also says whether any endpoint listens: a
    customer message costs no query of its own for webhooks, and an endpoint subscribed a
    moment ago still gets the next message."""
    wire(make_settings())
    started = await start_conversation(ctx, contact=ContactIn())
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    engine = ctx.sessions.kw["bind"]
    event.listen(engine.sync_engine, "before_cursor_execute", seen)
    try:
        await receive_customer_message(ctx, started.conversation.id, "hello", client_id="m1")
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", seen)
    assert [s for s in statements if s.startswith("SELECT") and "webhook_endpoints" in s] == []

    await subscribe(ctx, receiver, ["message.created"])
    await receive_customer_message(ctx, started.conversation.id, "still there?", client_id="m2")
    await run(ctx, clock)
    assert {d.status for d in await deliveries(ctx)} == {"delivered"}
    bodies = [r.json()["data"]["message"]["body"] for r in receiver.requests]
    assert "still there?" in bodies and "hello" not in bodies


async def test_a_webhook_503_then_200_is_one_delivery_tried_twice(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings())
    created = await subscribe(ctx, receiver, ["handoff.created"])
    assert created.secret.startswith("whsec_")
    receiver.faults.append(Reply(503))
    conversation_id = await customer_escalates(ctx)
    await run(ctx, clock)

    [delivery] = await deliveries(ctx)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("retrying", 1, 503)
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > clock.now()
    await run(ctx, clock, timedelta(hours=1))

    [delivery] = await deliveries(ctx)
    assert (delivery.status, delivery.attempts, delivery.last_status_code) == ("delivered", 2, 200)
    first, second = receiver.requests
    assert first.headers["webhook-id"] == second.headers["webhook-id"] == delivery.id
    assert first.body == second.body
    assert receiver.verified == [True, True]
    assert len(receiver.accepted) == 1
    body = second.json()
    assert body["type"] == "handoff.created"
    assert body["data"]["conversation_id"] == conversation_id
    assert body["data"]["reasons"] == ["explicit_request"]


async def test_a_webhook_4xx_is_final_and_dead_lettered(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings())
    await subscribe(ctx, receiver, ["handoff.created"])
    receiver.faults.append(Reply(400, {"error": "nope"}))
    await customer_escalates(ctx)
    await run(ctx, clock)
    await run(ctx, clock, timedelta(hours=2))

    [delivery] = await integrations.list_webhook_deliveries(ctx, status="dead")
    assert delivery.attempts == 1 and delivery.last_status_code == 400
    assert delivery.last_error == "HTTP 400 (final answer)"
    assert len(receiver.requests) == 1


async def test_a_webhook_timeout_is_retried(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings(timeout_seconds=0.2))
    await subscribe(ctx, receiver, ["handoff.created"])
    receiver.faults.append(Reply(200, delay=2.0))
    await customer_escalates(ctx)
    await run(ctx, clock)
    [delivery] = await deliveries(ctx)
    assert delivery.status == "retrying" and "timed out" in (delivery.last_error or "")
    await run(ctx, clock, timedelta(hours=1))
    [delivery] = await deliveries(ctx)
    assert delivery.status == "delivered" and delivery.attempts == 2


async def test_a_webhook_gives_up_after_the_last_try(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings(max_attempts=3))
    await subscribe(ctx, receiver, ["handoff.created"])
    receiver.faults.extend([Reply(500), Reply(502), Reply(429, headers={"Retry-After": "5"})])
    await customer_escalates(ctx)
    for _ in range(4):
        await run(ctx, clock, timedelta(hours=2))
    [delivery] = await deliveries(ctx)
    assert (delivery.status, delivery.attempts) == ("dead", 3)
    assert delivery.last_error == "HTTP 429 (gave up after 3 tries)"
    assert len({r.headers["webhook-id"] for r in receiver.requests}) == 1


async def test_a_failing_endpoint_is_disabled_with_a_notice(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings(disable_after_dead_letters=2))
    created = await subscribe(ctx, receiver, ["message.created"])
    receiver.faults.extend([Reply(410), Reply(410)])
    await customer_escalates(ctx)  # the customer's, the bot's... messages: several deliveries
    await run(ctx, clock)

    async with ctx.sessions() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
        notices = (
            await session.scalars(select(EventRow).where(EventRow.type == "webhook.disabled"))
        ).all()
    assert endpoint is not None and not endpoint.active
    assert "2 deliveries in a row" in (endpoint.disabled_reason or "")
    assert len(notices) == 1 and notices[0].data["endpoint_id"] == endpoint.id
    # Every other delivery ends visibly too, and no new ones are made.
    assert {d.status for d in await deliveries(ctx)} == {"dead"}
    before = len(await deliveries(ctx))
    await customer_escalates(ctx)
    assert len(await deliveries(ctx)) == before


async def test_loopback_webhooks_are_refused_without_the_explicit_setting(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    with pytest.raises(InvalidInput) as refused:
        await subscribe(ctx, receiver, ["handoff.created"], allow=False)
    assert refused.value.code == "invalid_url" and "loopback" in refused.value.message

    # Saved while allowed, then the setting is turned off: refused again when sending.
    wire(make_settings(allow_private_targets=False))
    async with ctx.sessions() as session, session.begin():
        session.add(
            WebhookEndpoint(
                id="e1",
                url=f"{receiver.url}/hooks",
                events=["handoff.created"],
                secret=integrations.new_webhook_secret(),
                active=True,
                dead_letters_in_a_row=0,
                created_at=clock.now(),
            )
        )
    await customer_escalates(ctx)
    await run(ctx, clock)
    [delivery] = await deliveries(ctx)
    assert delivery.status == "dead" and "loopback" in (delivery.last_error or "")
    assert receiver.requests == []


async def test_an_endpoint_failing_for_too_long_is_disabled(
    ctx: ServiceContext, clock: FrozenClock, receiver: WebhookReceiver, wire: Callable[..., None]
) -> None:
    wire(make_settings(disable_after_failing_hours=1, disable_after_dead_letters=100))
    created = await subscribe(ctx, receiver, ["handoff.created"])
    receiver.faults.extend([Reply(404), Reply(404)])
    await customer_escalates(ctx)
    await run(ctx, clock)
    async with ctx.sessions() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
    assert endpoint is not None and endpoint.active and endpoint.failing_since == clock.now()

    clock.advance(timedelta(hours=2))
    await customer_escalates(ctx)
    await run(ctx, clock)
    async with ctx.sessions() as session:
        endpoint = await session.get(WebhookEndpoint, created.endpoint.id)
    assert endpoint is not None and not endpoint.active
    assert "failing without a success" in (endpoint.disabled_reason or "")
