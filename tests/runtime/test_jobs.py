from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select

from baton.runtime.clock import FrozenClock
from baton.runtime.jobs import JobRunner, PermanentJobError, enqueue_job
from baton.services.context import ServiceContext
from baton.store.tables import OutboxJob


async def _enqueue(ctx: ServiceContext, kind: str, key: str | None = None) -> int | None:
    async with ctx.sessions() as session, session.begin():
        job = await enqueue_job(session, kind, {"n": 1}, now=ctx.clock.now(), dedupe_key=key)
        return job.id if job else None


async def _job(ctx: ServiceContext, job_id: int) -> OutboxJob:
    async with ctx.sessions() as session:
        job = await session.get(OutboxJob, job_id)
        assert job is not None
        return job


async def test_a_temporary_failure_is_retried_later_then_done(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    calls: list[dict[str, Any]] = []

    async def flaky(payload: dict[str, Any]) -> None:
        calls.append(payload)
        if len(calls) == 1:
            raise ConnectionRefusedError("smtp down")

    runner = JobRunner(ctx.sessions, clock, {"mail": flaky})
    job_id = await _enqueue(ctx, "mail")
    assert job_id is not None
    assert await runner.run_due() == 1
    job = await _job(ctx, job_id)
    assert (
        job.status == "pending"
        and job.run_at > clock.now()
        and "smtp down" in (job.last_error or "")
    )
    assert await runner.run_due() == 0  # not due yet: nothing is retried in a tight loop
    clock.advance(timedelta(hours=2))
    assert await runner.run_due() == 1
    assert (await _job(ctx, job_id)).status == "done"
    assert len(calls) == 2


async def test_a_permanent_failure_is_kept_visible(ctx: ServiceContext, clock: FrozenClock) -> None:
    async def rejected(payload: dict[str, Any]) -> None:
        raise PermanentJobError("550 mailbox unavailable")

    runner = JobRunner(ctx.sessions, clock, {"mail": rejected})
    job_id = await _enqueue(ctx, "mail")
    assert job_id is not None
    await runner.run_due()
    job = await _job(ctx, job_id)
    assert job.status == "failed" and "550" in (job.last_error or "")


async def test_a_job_whose_runner_died_is_taken_again_after_its_lease(
    ctx: ServiceContext, clock: FrozenClock
) -> None:
    done: list[int] = []

    async def work(payload: dict[str, Any]) -> None:
        done.append(1)

    runner = JobRunner(ctx.sessions, clock, {"work": work}, lease=timedelta(minutes=1))
    job_id = await _enqueue(ctx, "work")
    assert job_id is not None
    # A runner claims the job and dies before finishing it.
    assert await runner._claim(job_id) is not None
    assert await runner.run_due() == 0
    clock.advance(timedelta(minutes=2))
    assert await runner.run_due() == 1
    assert done == [1] and (await _job(ctx, job_id)).status == "done"


async def test_the_same_dedupe_key_enqueues_once(ctx: ServiceContext) -> None:
    assert await _enqueue(ctx, "work", key="k1") is not None
    assert await _enqueue(ctx, "work", key="k1") is None
    async with ctx.sessions() as session:
        assert len((await session.scalars(select(OutboxJob))).all()) == 1


async def test_two_runners_never_run_one_job_twice(ctx: ServiceContext, clock: FrozenClock) -> None:
    runs: list[int] = []

    async def work(payload: dict[str, Any]) -> None:
        runs.append(1)

    first = JobRunner(ctx.sessions, clock, {"work": work})
    second = JobRunner(ctx.sessions, clock, {"work": work})
    job_id = await _enqueue(ctx, "work")
    assert job_id is not None
    results = [await first.run_job(job_id), await second.run_job(job_id)]
    assert results == [True, False] and runs == [1]
