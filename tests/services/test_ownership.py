"""Who may act in a conversation, presence that follows the console, no stranded customer,
and waits that tell the truth."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from baton.config import Settings
from baton.domain.business_hours import BusinessHoursSettings
from baton.domain.reasons import ReasonCategory
from baton.runtime.clock import FrozenClock
from baton.services import agents, conversations, handoffs
from baton.services.auth import Forbidden
from baton.services.context import ServiceContext, transaction
from baton.services.errors import Conflict
from baton.services.presence import console_seen
from baton.services.queue import check_ownership
from baton.store.tables import Conversation, Handoff, Message
from tests.conftest import SECRET

PASSWORD = "0123456789"
SATURDAY_10 = "2026-11-28T10:00:00+00:00"


async def _agent(
    ctx: ServiceContext, name: str, *, role: str = "agent", online: bool = True
) -> str:
    agent = await agents.create_agent(
        ctx,
        email=f"{name.lower()}@x.example",
        name=name,
        password=PASSWORD,
        role=role,  # type: ignore[arg-type]
    )
    if online:
        await agents.set_presence(ctx, agent.id, "online")
    return agent.id


async def _queued(ctx: ServiceContext) -> str:
    started = await conversations.start_conversation(ctx, contact=conversations.ContactIn())
    await handoffs.escalate(ctx, started.conversation.id, [ReasonCategory.EXPLICIT_REQUEST])
    return started.conversation.id


async def _messages(ctx: ServiceContext, conversation_id: str) -> list[Message]:
    async with ctx.sessions() as session:
        rows = await session.scalars(
            select(Message).where(Message.conversation_id == conversation_id).order_by(Message.id)
        )
        return list(rows.all())


async def _state(ctx: ServiceContext, conversation_id: str) -> Conversation:
    return await conversations.require_conversation(ctx, conversation_id)


# -- only the holder acts ------------------------------------------------------------------------


async def test_an_agent_who_does_not_hold_the_chat_cannot_reply_transfer_or_close_it(
    ctx: ServiceContext,
) -> None:
    bob, carol = await _agent(ctx, "Bob"), await _agent(ctx, "Carol")
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    before = len(await _messages(ctx, conversation_id))
    with pytest.raises(Forbidden) as refused:
        await handoffs.send_agent_reply(ctx, conversation_id, "I'll take it", acting=carol)
    assert refused.value.code == "not_holder"
    with pytest.raises(Forbidden):
        await handoffs.transfer_conversation(ctx, conversation_id, carol, acting=carol)
    with pytest.raises(Forbidden):
        await handoffs.resolve_conversation(ctx, conversation_id, acting=carol)
    # While Bob is online, Carol cannot take it over either.
    with pytest.raises(Forbidden):
        await handoffs.take_over_conversation(ctx, conversation_id, acting=carol)
    assert len(await _messages(ctx, conversation_id)) == before
    assert (await _state(ctx, conversation_id)).assigned_agent_id == bob
    # A note to colleagues is not acting in the chat.
    await handoffs.send_agent_reply(ctx, conversation_id, "fyi", acting=carol, internal=True)


async def test_an_agent_who_transferred_the_chat_away_no_longer_acts_in_it(
    ctx: ServiceContext,
) -> None:
    bob, carol = await _agent(ctx, "Bob"), await _agent(ctx, "Carol")
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    await handoffs.transfer_conversation(ctx, conversation_id, carol, acting=bob)
    with pytest.raises(Forbidden):
        await handoffs.send_agent_reply(ctx, conversation_id, "still here", acting=bob)
    await handoffs.send_agent_reply(ctx, conversation_id, "Carol here", acting=carol)


async def test_an_admin_takes_over_explicitly_and_it_is_recorded(ctx: ServiceContext) -> None:
    bob, ada = await _agent(ctx, "Bob"), await _agent(ctx, "Ada", role="admin")
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    await handoffs.take_over_conversation(ctx, conversation_id, acting=ada)
    conversation = await _state(ctx, conversation_id)
    assert conversation.assigned_agent_id == ada
    joined = [m for m in await _messages(ctx, conversation_id) if m.meta.get("agent_joined")]
    assert joined[-1].meta == {"agent_joined": ada, "transferred_by": ada, "taken_over_from": bob}
    with pytest.raises(Forbidden):
        await handoffs.send_agent_reply(ctx, conversation_id, "me again", acting=bob)


async def test_a_transfer_goes_only_to_an_agent_who_is_online(ctx: ServiceContext) -> None:
    bob = await _agent(ctx, "Bob")
    offline = await _agent(ctx, "Olly", online=False)
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    before = len(await _messages(ctx, conversation_id))
    with pytest.raises(Conflict) as refused:
        await handoffs.transfer_conversation(ctx, conversation_id, offline, acting=bob)
    assert refused.value.code == "agent_not_online"
    # The customer was not told that Olly joined.
    assert len(await _messages(ctx, conversation_id)) == before
    assert (await _state(ctx, conversation_id)).assigned_agent_id == bob


# -- presence follows the console ----------------------------------------------------------------


async def test_an_agent_whose_console_closed_is_not_offered_to_customers(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    await _agent(ctx, "Bob")
    clock.advance(timedelta(seconds=ctx.settings.handoff.console_timeout_seconds + 1))
    conversation_id = await _queued(ctx)
    # Nobody is really there: email, not a queue with nobody in it.
    assert (await _state(ctx, conversation_id)).state in ("collecting", "ticket")


async def test_a_console_that_keeps_answering_keeps_the_agent_online(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    bob = await _agent(ctx, "Bob")
    for _ in range(5):
        clock.advance(timedelta(seconds=30))
        await console_seen(ctx, bob, acted=False)
    assert (await _state(ctx, await _queued(ctx))).state == "queued"


async def test_when_the_holder_goes_away_the_chat_goes_back_to_the_queue_and_the_customer_is_told(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    bob, carol = await _agent(ctx, "Bob"), await _agent(ctx, "Carol")
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    clock.advance(timedelta(seconds=ctx.settings.handoff.console_timeout_seconds + 1))
    await console_seen(ctx, carol, acted=True)  # Carol's console is still open
    assert await check_ownership(ctx) == 1
    conversation = await _state(ctx, conversation_id)
    assert (conversation.state, conversation.assigned_agent_id) == ("queued", None)
    told = (await _messages(ctx, conversation_id))[-1]
    assert "Bob had to step away" in told.body and "in line" in told.body
    await handoffs.claim_conversation(ctx, conversation_id, acting=carol)


async def test_when_the_holder_goes_away_and_nobody_is_online_the_customer_gets_the_promise(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    bob = await _agent(ctx, "Bob")
    conversation_id = await _queued(ctx)
    await handoffs.claim_conversation(ctx, conversation_id, acting=bob)
    clock.advance(timedelta(minutes=ctx.settings.handoff.idle_minutes + 1))
    assert await check_ownership(ctx) == 1
    conversation = await _state(ctx, conversation_id)
    assert conversation.state == "ticket"
    told = (await _messages(ctx, conversation_id))[-1]
    assert "Bob had to step away" in told.body and "email you" in told.body


# -- no stranded conversation ---------------------------------------------------------------------


async def test_a_conversation_left_with_an_open_handoff_and_the_bot_is_recovered(
    ctx: ServiceContext,
) -> None:
    await _agent(ctx, "Bob")
    conversation_id = await _queued(ctx)
    async with transaction(ctx) as tx:  # the state an interleaved claim and bot reply left
        conversation = await tx.session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.state = "bot"
    assert await check_ownership(ctx) == 1
    conversation = await _state(ctx, conversation_id)
    assert conversation.state == "queued"
    async with ctx.sessions() as session:
        open_handoffs = (
            await session.scalars(select(Handoff).where(Handoff.status == "open"))
        ).all()
    assert len(open_handoffs) == 1
    assert await check_ownership(ctx) == 0


async def test_asking_for_a_person_in_the_stranded_state_gets_an_answer(
    ctx: ServiceContext,
) -> None:
    await _agent(ctx, "Bob")
    conversation_id = await _queued(ctx)
    async with transaction(ctx) as tx:
        conversation = await tx.session.get(Conversation, conversation_id)
        assert conversation is not None
        conversation.state = "bot"
    received = await conversations.receive_customer_message(
        ctx, conversation_id, "I want to talk to a human now please"
    )
    assert received.bot_job_id is not None
    assert await ctx.jobs.run_job(received.bot_job_id)
    assert (await _state(ctx, conversation_id)).state == "queued"
    assert (await _messages(ctx, conversation_id))[-1].author == "bot"


# -- honest waits ---------------------------------------------------------------------------------


async def test_the_wait_told_never_exceeds_the_queue_limit(ctx: ServiceContext) -> None:
    await _agent(ctx, "Bob")
    for _ in range(3):
        conversation_id = await _queued(ctx)
    told = [m.body for m in await _messages(ctx, conversation_id) if m.meta.get("handoff")][-1]
    assert "number 3 in line" in told
    assert "5 minutes" in told and "12 minutes" not in told


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=database_url,
        business_hours=BusinessHoursSettings(
            timezone="UTC", weekly={d: ["09:00-17:00"] for d in ("mon", "tue", "wed", "thu", "fri")}
        ),
    )


async def test_an_agent_online_on_saturday_takes_the_chat_live(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    clock.set(clock.now().fromisoformat(SATURDAY_10))
    await _agent(ctx, "Bob")
    conversation_id = await _queued(ctx)
    assert (await _state(ctx, conversation_id)).state == "queued"
    told = [m.body for m in await _messages(ctx, conversation_id) if m.meta.get("handoff")][-1]
    assert "outside our business hours" not in told
    assert told.count("won't need to repeat") == 1


async def test_all_agents_busy_on_saturday_is_said_as_nobody_free(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    clock.set(clock.now().fromisoformat(SATURDAY_10))
    bob = await _agent(ctx, "Bob")
    for _ in range(3):  # Bob's capacity
        await handoffs.claim_conversation(ctx, await _queued(ctx), acting=bob)
    conversation_id = await _queued(ctx)
    told = [m.body for m in await _messages(ctx, conversation_id) if m.meta.get("handoff")][-1]
    assert "Nobody from the" in told and "free to chat right now" in told
    assert "outside our business hours" not in told
