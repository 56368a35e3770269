from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest
from sqlalchemy import func, select

from baton.bots.base import Answer
from baton.domain.reasons import ReasonCategory
from baton.domain.turns import Turn
from baton.runtime.bus import Event
from baton.services.agents import create_agent, set_presence
from baton.services.context import ServiceContext
from baton.services.conversations import (
    ContactIn,
    access_conversation,
    list_messages,
    receive_customer_message,
    require_conversation,
    start_conversation,
)
from baton.services.errors import InvalidInput, NotFound
from baton.services.events import events_since
from baton.services.handoffs import claim_conversation, escalate, resolve_conversation
from baton.store.tables import Message, OutboxJob
from tests.conftest import ScriptedBot


async def _start(ctx: ServiceContext) -> tuple[str, str]:
    started = await start_conversation(
        ctx, contact=ContactIn(name="Ana"), page_url="https://shop.example/pricing"
    )
    return started.conversation.id, started.token


async def test_a_known_question_gets_the_bot_answer(ctx: ServiceContext) -> None:
    conversation_id, _ = await _start(ctx)
    received = await receive_customer_message(ctx, conversation_id, "What are your opening hours?")
    assert received.bot_job_id is not None
    assert await ctx.jobs.run_job(received.bot_job_id)
    messages = await list_messages(ctx, conversation_id)
    assert [(m.author, m.body) for m in messages] == [
        ("customer", "What are your opening hours?"),
        ("bot", "We are open 9 to 5."),
    ]
    assert messages[1].meta["outcome"] == "answered"


async def test_an_unknown_question_gets_an_honest_fallback(ctx: ServiceContext) -> None:
    conversation_id, _ = await _start(ctx)
    received = await receive_customer_message(ctx, conversation_id, "Can you paint my house?")
    assert received.bot_job_id is not None
    await ctx.jobs.run_job(received.bot_job_id)
    reply = (await list_messages(ctx, conversation_id))[-1]
    assert reply.author == "bot" and reply.meta["outcome"] == "fallback"
    assert "don't want to guess" in reply.body


@pytest.mark.parametrize("offer_open", [False, True])
async def test_talk_to_a_person_hands_over_whatever_the_words(
    ctx: ServiceContext, bot: ScriptedBot, offer_open: bool
) -> None:
    conversation_id, _ = await _start(ctx)
    first = await receive_customer_message(ctx, conversation_id, "What are your opening hours?")
    assert first.bot_job_id is not None
    await ctx.jobs.run_job(first.bot_job_id)
    if offer_open:
        opened = await receive_customer_message(ctx, conversation_id, "Can you paint my house?")
        assert opened.bot_job_id is not None
        await ctx.jobs.run_job(opened.bot_job_id)
        assert (await require_conversation(ctx, conversation_id)).state == "offered"
    asked_bot = len(bot.calls)
    # Words that read as no ask at all: the control, not the words, asks for a person.
    pressed = await receive_customer_message(
        ctx, conversation_id, "ok", client_id="press-1", asks_for_person=True
    )
    assert pressed.bot_job_id is not None
    await ctx.jobs.run_job(pressed.bot_job_id)
    conversation = await require_conversation(ctx, conversation_id)
    assert conversation.state in ("queued", "collecting", "ticket")
    assert len(bot.calls) == asked_bot  # the bot was not asked to answer "ok"
    messages = await list_messages(ctx, conversation_id)
    customer = next(m for m in messages if m.id == pressed.message.id)
    assert customer.meta["asks_for_person"] is True
    assert customer.meta["decision"]["reasons"] == ["explicit_request"]
    assert messages[-1].author == "bot" and messages[-1].meta.get("handoff")


async def test_a_retried_send_is_stored_once(ctx: ServiceContext) -> None:
    conversation_id, _ = await _start(ctx)
    first = await receive_customer_message(ctx, conversation_id, "hello", client_id="abc")
    again = await receive_customer_message(ctx, conversation_id, "hello", client_id="abc")
    assert again.duplicate and again.message.id == first.message.id
    async with ctx.sessions() as session:
        count = await session.scalar(select(func.count(Message.id)))
    assert count == 1


async def test_messages_arriving_together_are_stored_together_each_with_its_own_outcome(
    ctx: ServiceContext,
) -> None:
    agent = await create_agent(ctx, email="kim@example.com", name="Kim", password="correct horse")
    conversations = [(await _start(ctx))[0] for _ in range(6)]
    await escalate(ctx, conversations[0], [ReasonCategory.EXPLICIT_REQUEST])
    await claim_conversation(ctx, conversations[0], acting=agent.id)
    before = len((await events_since(ctx, 0)).events)
    sends = [
        receive_customer_message(ctx, cid, f"question {i}", client_id=f"c{i}")
        for i, cid in enumerate(conversations)
    ]
    sends.append(receive_customer_message(ctx, conversations[1], "question 1", client_id="c1"))
    sends.append(receive_customer_message(ctx, "no-such-conversation", "hello"))
    *outcomes, missing = await asyncio.gather(*sends, return_exceptions=True)
    assert isinstance(missing, NotFound)
    received = [o for o in outcomes if not isinstance(o, BaseException)]
    assert len(received) == 7
    # The same client id twice in one batch: stored once, the second answer is the first.
    assert received[6].duplicate and received[6].message.id == received[1].message.id
    assert [r.duplicate for r in received[:6]] == [False] * 6
    # The bot answers where it holds the chat; the human's conversation waits for them.
    assert received[0].bot_job_id is None
    assert all(r.bot_job_id is not None for r in received[1:6])
    async with ctx.sessions() as session:
        bodies = (
            await session.scalars(select(Message.body).where(Message.author == "customer"))
        ).all()
    assert sorted(bodies) == [f"question {i}" for i in range(6)]
    logged = (await events_since(ctx, 0)).events[before:]
    published = [e for e in logged if e.type == "message.created"]
    assert sorted(e.data["body"] for e in published) == sorted(bodies)
    # Each answer and each event carries the id its own message was stored under.
    async with ctx.sessions() as session:
        stored = {i: b for i, b in await session.execute(select(Message.id, Message.body))}
    assert all(stored[r.message.id] == r.message.body for r in received)
    assert all(stored[e.data["id"]] == e.data["body"] for e in published)


async def test_a_client_id_used_in_another_conversation_is_a_new_message(
    ctx: ServiceContext,
) -> None:
    first, second = (await _start(ctx))[0], (await _start(ctx))[0]
    await receive_customer_message(ctx, first, "hello", client_id="same")
    received = await receive_customer_message(ctx, second, "hello too", client_id="same")
    assert not received.duplicate
    assert received.message.conversation_id == second


async def test_a_batch_that_fails_as_a_whole_is_stored_message_by_message(
    ctx: ServiceContext, monkeypatch: pytest.MonkeyPatch
) -> None:
    from baton.services import conversations

    store_batch = conversations._store_batch
    sizes: list[int] = []

    async def flaky(ctx: ServiceContext, items: Sequence[object]) -> object:
        sizes.append(len(items))
        if len(items) > 1:
            raise RuntimeError("database is locked")  # e.g. a timeout on the whole batch
        return await store_batch(ctx, items)  # type: ignore[arg-type]

    monkeypatch.setattr(conversations, "_store_batch", flaky)
    conversation_id, _ = await _start(ctx)
    received = await asyncio.gather(
        *(
            receive_customer_message(ctx, conversation_id, f"m{i}", client_id=f"c{i}")
            for i in range(3)
        )
    )
    assert sizes[0] == 3 and sizes[1:] == [1, 1, 1]
    assert [r.message.body for r in received] == ["m0", "m1", "m2"]
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count(Message.id))) == 3


@pytest.mark.parametrize("text", ["", "   ", "x" * 4001], ids=["empty", "blank", "too-long"])
async def test_bad_messages_change_nothing(ctx: ServiceContext, text: str) -> None:
    conversation_id, _ = await _start(ctx)
    with pytest.raises(InvalidInput):
        await receive_customer_message(ctx, conversation_id, text)
    async with ctx.sessions() as session:
        assert await session.scalar(select(func.count(Message.id))) == 0
        assert await session.scalar(select(func.count(OutboxJob.id))) == 0


async def test_a_token_opens_its_own_conversation_only(ctx: ServiceContext) -> None:
    first_id, first_token = await _start(ctx)
    _, second_token = await _start(ctx)
    assert (await access_conversation(ctx, first_id, first_token)).id == first_id
    with pytest.raises(NotFound):
        await access_conversation(ctx, first_id, second_token)
    with pytest.raises(NotFound):
        await access_conversation(ctx, "no-such-id", first_token)


async def test_events_go_out_after_commit_to_the_conversation_topic(ctx: ServiceContext) -> None:
    conversation_id, _ = await _start(ctx)
    seen: list[Event] = []
    async with ctx.bus.subscribe(f"conversation:{conversation_id}") as events:

        async def collect() -> None:
            async for event in events:
                seen.append(event)

        task = asyncio.create_task(collect())
        await receive_customer_message(ctx, conversation_id, "hi there")
        await asyncio.sleep(0)
        task.cancel()
    assert [e.type for e in seen] == ["message.created"]
    assert seen[0].data["body"] == "hi there" and seen[0].id > 0
    # The same event is in the log a reconnecting visitor resumes from.
    missed = await events_since(ctx, 0, conversation_id=conversation_id)
    assert [e.id for e in missed.events] == [seen[0].id]


class SlowBot:
    """Answers only when released, so a test can let a human take over meanwhile."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        self.started.set()
        await self.release.wait()
        return Answer("A late answer", 0.9, fallback=False)


async def test_a_late_bot_reply_is_dropped_once_an_agent_claims(ctx: ServiceContext) -> None:
    slow = SlowBot()
    ctx.bot = slow
    agent = await create_agent(ctx, email="sam@example.com", name="Sam", password="correct horse")
    await set_presence(ctx, agent.id, "online")
    conversation_id, _ = await _start(ctx)
    received = await receive_customer_message(ctx, conversation_id, "my order is broken")
    assert received.bot_job_id is not None
    pending = asyncio.create_task(ctx.jobs.run_job(received.bot_job_id))
    await slow.started.wait()
    await escalate(ctx, conversation_id, [ReasonCategory.EXPLICIT_REQUEST])
    await claim_conversation(ctx, conversation_id, acting=agent.id)
    slow.release.set()
    await pending
    bodies = [m.body for m in await list_messages(ctx, conversation_id)]
    assert "A late answer" not in bodies
    assert bodies[-1].startswith("Sam from the Our company team has joined the chat")


async def test_a_failing_bot_still_answers_the_customer(ctx: ServiceContext) -> None:
    class BrokenBot:
        async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
            raise ConnectionError("backend down")

    ctx.bot = BrokenBot()
    conversation_id, _ = await _start(ctx)
    received = await receive_customer_message(ctx, conversation_id, "hello?")
    assert received.bot_job_id is not None
    await ctx.jobs.run_job(received.bot_job_id)
    reply = (await list_messages(ctx, conversation_id))[-1]
    assert reply.author == "bot" and reply.meta["handoff"] is True
    assert "won't need to repeat anything" in reply.body
    assert (await require_conversation(ctx, conversation_id)).state == "collecting"


async def test_writing_after_resolution_reopens_with_the_bot(ctx: ServiceContext) -> None:
    agent = await create_agent(ctx, email="kim@example.com", name="Kim", password="correct horse")
    conversation_id, _ = await _start(ctx)
    await escalate(ctx, conversation_id, [ReasonCategory.KNOWLEDGE_GAP])
    await claim_conversation(ctx, conversation_id, acting=agent.id)
    await resolve_conversation(ctx, conversation_id, acting=agent.id)
    received = await receive_customer_message(ctx, conversation_id, "one more thing")
    assert (await require_conversation(ctx, conversation_id)).state == "bot"
    assert received.bot_job_id is not None


async def test_a_card_number_is_never_stored(ctx: ServiceContext) -> None:
    conversation_id, _ = await _start(ctx)
    await receive_customer_message(ctx, conversation_id, "charge 4111 1111 1111 1111 again")
    async with ctx.sessions() as session:
        bodies = list(await session.scalars(select(Message.body)))
    assert bodies == ["charge 411111******1111 again"]
