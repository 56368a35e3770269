from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from baton.runtime.clock import FrozenClock
from baton.runtime.jobs import PermanentJobError, enqueue_job
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, start_conversation
from baton.services.events import events_since
from baton.services.retention import PURGE_JOB, enqueue_purge, purge_old_rows
from baton.store.tables import EventRow, OutboxJob


async def _finished_job(ctx: ServiceContext, kind: str) -> int:
    async with ctx.sessions() as session, session.begin():
        job = await enqueue_job(session, kind, {}, now=ctx.clock.now())
        assert job is not None
        job_id = job.id
    assert await ctx.jobs.run_job(job_id)
    return job_id


async def _job_ids(ctx: ServiceContext) -> set[int]:
    async with ctx.sessions() as session:
        return set(await session.scalars(select(OutboxJob.id)))


async def _event_ids(ctx: ServiceContext) -> list[int]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(EventRow.id).order_by(EventRow.id)))


def _register_kinds(ctx: ServiceContext) -> None:
    async def works(payload: dict[str, Any]) -> None:
        return None

    async def refused(payload: dict[str, Any]) -> None:
        raise PermanentJobError("550 no such mailbox")

    ctx.jobs.register("works", works)
    ctx.jobs.register("refused", refused)


async def test_done_jobs_and_events_past_retention_go_recent_ones_and_failures_stay(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    _register_kinds(ctx)
    ctx.settings.retention.jobs_days = 30
    ctx.settings.retention.events_days = 7
    old_done = await _finished_job(ctx, "works")
    old_failed = await _finished_job(ctx, "refused")
    await start_conversation(ctx, contact=ContactIn(name="Old"))
    old_events = await _event_ids(ctx)
    clock.advance(timedelta(days=25))
    recent_done = await _finished_job(ctx, "works")
    await start_conversation(ctx, contact=ContactIn(name="Recent"))
    recent_events = [i for i in await _event_ids(ctx) if i not in old_events]
    clock.advance(timedelta(days=6))  # old rows: 31 days; recent ones: 6 days

    purged = await purge_old_rows(ctx, batch=1)  # one row per transaction: batches add up

    assert purged.jobs == 1 and purged.events == len(old_events)
    assert await _job_ids(ctx) == {old_failed, recent_done}
    assert old_done not in await _job_ids(ctx)
    assert await _event_ids(ctx) == recent_events
    assert await purge_old_rows(ctx) == type(purged)(jobs=0, events=0)


async def test_the_newest_event_stays_so_ids_keep_rising(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    await start_conversation(ctx, contact=ContactIn(name="Only"))
    newest = max(await _event_ids(ctx))
    clock.advance(timedelta(days=60))

    await purge_old_rows(ctx)
    assert await _event_ids(ctx) == [newest]
    await start_conversation(ctx, contact=ContactIn(name="Next"))

    assert min(i for i in await _event_ids(ctx) if i != newest) > newest


async def test_a_socket_behind_the_purged_events_is_told_to_refetch(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    await start_conversation(ctx, contact=ContactIn(name="Early"))
    seen = max(await _event_ids(ctx))
    await start_conversation(ctx, contact=ContactIn(name="Missed"))
    clock.advance(timedelta(days=10))
    await start_conversation(ctx, contact=ContactIn(name="Later"))
    assert not (await events_since(ctx, seen)).resync

    await purge_old_rows(ctx)

    assert (await events_since(ctx, seen)).resync
    assert not (await events_since(ctx, max(await _event_ids(ctx)))).resync


async def test_the_purge_is_one_job_an_hour_whichever_process_asks(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    assert await enqueue_purge(ctx)
    assert not await enqueue_purge(ctx)  # another process, the same hour
    assert await ctx.jobs.run_due() == 1
    clock.advance(timedelta(hours=1))
    assert await enqueue_purge(ctx)
    async with ctx.sessions() as session:
        kinds = await session.scalar(
            select(func.count()).select_from(OutboxJob).where(OutboxJob.kind == PURGE_JOB)
        )
    assert kinds == 2
