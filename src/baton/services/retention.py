"""Retention: outbox jobs done long ago and old events are deleted on a schedule.

Every Baton process enqueues a `purge` job each hour under a dedupe key naming that hour, so
one process at a time runs it, whichever claims the job (`runtime/jobs.py`). The purge deletes
in small batches, one short transaction each, so writers never wait behind it. How long rows
are kept is `[retention]` in the settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, func, select

from baton.runtime.jobs import enqueue_job
from baton.services.context import ServiceContext
from baton.store.tables import EventRow, OutboxJob

PURGE_JOB = "purge"
PURGE_BATCH = 500


@dataclass(frozen=True)
class Purged:
    jobs: int
    events: int


async def enqueue_purge(ctx: ServiceContext) -> bool:
    """Ask for this hour's purge; False if some process already has."""
    now = ctx.clock.now()
    async with ctx.sessions() as session, session.begin():
        job = await enqueue_job(
            session, PURGE_JOB, {}, now=now, dedupe_key=f"{PURGE_JOB}:{now:%Y-%m-%dT%H}"
        )
    if job is None:
        return False
    ctx.jobs.wake()
    return True


async def purge_old_rows(ctx: ServiceContext, *, batch: int = PURGE_BATCH) -> Purged:
    """Delete jobs done before `jobs_days` and events older than `events_days`."""
    now = ctx.clock.now()
    keep = ctx.settings.retention
    jobs = await _delete_in_batches(
        ctx,
        OutboxJob,
        (OutboxJob.status == "done")
        & (OutboxJob.finished_at < now - timedelta(days=keep.jobs_days)),
        batch,
    )
    # The newest event stays whatever its age: SQLite numbers a new row after the highest id
    # left, and a new event must never take an id a client has already seen.
    newest = select(func.max(EventRow.id)).scalar_subquery()
    events = await _delete_in_batches(
        ctx,
        EventRow,
        (EventRow.created_at < now - timedelta(days=keep.events_days)) & (EventRow.id < newest),
        batch,
    )
    return Purged(jobs=jobs, events=events)


async def _delete_in_batches(
    ctx: ServiceContext, table: Any, old: ColumnElement[bool], batch: int
) -> int:
    deleted = 0
    while True:
        async with ctx.sessions() as session, session.begin():
            ids = list(
                await session.scalars(select(table.id).where(old).order_by(table.id).limit(batch))
            )
            if ids:
                await session.execute(
                    delete(table)
                    .where(table.id.in_(ids))
                    .execution_options(synchronize_session=False)
                )
        deleted += len(ids)
        if len(ids) < batch:
            return deleted
