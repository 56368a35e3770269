"""Several processes on PostgreSQL: each job's effect once; capacity never broken."""

from __future__ import annotations

import asyncio
import sys

from sqlalchemy import text

from baton.domain.reasons import ReasonCategory
from baton.runtime.jobs import enqueue_job
from baton.services import agents, handoffs
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, start_conversation
from baton.store.database import create_engine, create_session_factory
from tests.conftest import POSTGRES_URL, need_service


async def test_200_jobs_with_runners_in_three_processes_take_effect_once_each(
    ctx: ServiceContext, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        return
    async with ctx.sessions() as session, session.begin():
        await session.execute(
            text("CREATE TABLE effects (key TEXT PRIMARY KEY, runner TEXT, at TIMESTAMPTZ)")
        )
        for n in range(200):
            await enqueue_job(session, "effect", {"key": f"job-{n}"}, now=ctx.clock.now())
    runners = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.scale.job_worker", database_url, f"runner-{n}"
        )
        for n in range(3)
    ]
    assert [await runner.wait() for runner in runners] == [0, 0, 0]
    async with ctx.sessions() as session:
        effects = (await session.execute(text("SELECT key, runner FROM effects"))).all()
        states = (
            await session.execute(text("SELECT status, count(*) FROM outbox_jobs GROUP BY status"))
        ).all()
    assert len(effects) == 200 and len({key for key, _ in effects}) == 200
    assert dict(states) == {"done": 200}
    assert len({runner for _, runner in effects}) >= 2  # the work really was shared


async def test_two_processes_assigning_at_once_never_exceed_capacity(
    ctx: ServiceContext, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        return
    ctx.settings.handoff.auto_assign = True
    agent = await agents.create_agent(
        ctx, email="solo@x.example", name="Solo", password="0123456789", capacity=1
    )
    await agents.set_presence(ctx, agent.id, "online")
    first = await start_conversation(ctx, contact=ContactIn())
    second = await start_conversation(ctx, contact=ContactIn())
    # A second engine stands for a second process: its own connections, its own transactions.
    other_engine = create_engine(database_url)
    other = ServiceContext.create(
        sessions=create_session_factory(other_engine),
        bus=ctx.bus,
        clock=ctx.clock,
        settings=ctx.settings,
        bot=ctx.bot,
    )
    try:
        await asyncio.gather(
            handoffs.escalate(ctx, first.conversation.id, [ReasonCategory.EXPLICIT_REQUEST]),
            handoffs.escalate(other, second.conversation.id, [ReasonCategory.EXPLICIT_REQUEST]),
        )
    finally:
        await other_engine.dispose()
    async with ctx.sessions() as session:
        held = await session.scalar(
            text(
                "SELECT count(*) FROM conversations"
                " WHERE assigned_agent_id = :a AND state = 'agent'"
            ),
            {"a": agent.id},
        )
        queued = await session.scalar(
            text("SELECT count(*) FROM conversations WHERE state = 'queued'")
        )
    assert (held, queued) == (1, 1)
