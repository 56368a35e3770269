"""Outbox jobs: side effects written as rows in the same transaction as the change that needs
them, then run at least once by a runner (emails, bot replies, timers).

A job is claimed with a compare-and-set on its status (and `FOR UPDATE SKIP LOCKED` on
PostgreSQL, so runners in several processes never take the same row). A claimed job holds a
lease; a runner that dies leaves the lease to expire and another runner takes the job again.
Handlers must therefore be idempotent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from baton.runtime.clock import Clock
from baton.store.database import SessionFactory
from baton.store.tables import OutboxJob

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class PermanentJobError(Exception):
    """The job cannot succeed by retrying (a 5xx from a mail server, a bad address)."""


async def enqueue_job(
    session: AsyncSession,
    kind: str,
    payload: dict[str, Any],
    *,
    now: datetime,
    run_at: datetime | None = None,
    dedupe_key: str | None = None,
) -> OutboxJob | None:
    """Write a job row in the caller's transaction; a repeated `dedupe_key` writes nothing."""
    if dedupe_key is not None:
        existing = await session.scalar(select(OutboxJob).where(OutboxJob.dedupe_key == dedupe_key))
        if existing is not None:
            return None
    job = OutboxJob(
        kind=kind,
        payload=payload,
        status="pending",
        attempts=0,
        run_at=run_at or now,
        dedupe_key=dedupe_key,
        created_at=now,
    )
    session.add(job)
    try:
        async with session.begin_nested():
            await session.flush([job])
    except IntegrityError:
        return None  # another transaction enqueued the same key first
    return job


def backoff(attempt: int, *, base: float = 5.0, cap: float = 3600.0) -> timedelta:
    """Exponential backoff with full jitter, so failed jobs don't retry in lockstep."""
    return timedelta(seconds=random.uniform(base / 2, min(cap, base * 2 ** (attempt - 1))))


class JobRunner:
    """Runs due outbox jobs with the handlers registered for their kinds."""

    def __init__(
        self,
        session_factory: SessionFactory,
        clock: Clock,
        handlers: Mapping[str, Handler] | None = None,
        *,
        lease: timedelta = timedelta(minutes=2),
        max_attempts: int = 8,
        batch: int = 20,
        poll_seconds: float = 1.0,
    ) -> None:
        self._sessions = session_factory
        self._clock = clock
        self.handlers: dict[str, Handler] = dict(handlers or {})
        self._lease = lease
        self._max_attempts = max_attempts
        self._batch = batch
        self._poll_seconds = poll_seconds
        self._wake = asyncio.Event()
        self._stopping = False

    def register(self, kind: str, handler: Handler) -> None:
        self.handlers[kind] = handler

    def wake(self) -> None:
        """Look for due jobs now rather than at the next poll."""
        self._wake.set()

    async def run_job(self, job_id: int) -> bool:
        """Run one job now if nobody else holds it (the inline fast path); True if it ran."""
        job = await self._claim(job_id)
        if job is None:
            return False
        await self._execute(job)
        return True

    async def run_due(self) -> int:
        """Claim and run every job due now; returns how many ran."""
        ran = 0
        while True:
            ids = await self._due_ids()
            if not ids:
                return ran
            for job_id in ids:
                if await self.run_job(job_id):
                    ran += 1

    async def serve(self) -> None:
        """Run due jobs until `stop()`; failures of one job never stop the loop."""
        while not self._stopping:
            try:
                await self.run_due()
            except Exception:
                log.exception("job runner pass failed; retrying")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def _due_ids(self) -> list[int]:
        now = self._clock.now()
        async with self._sessions() as session:
            query = (
                select(OutboxJob.id)
                .where(
                    or_(
                        (OutboxJob.status == "pending") & (OutboxJob.run_at <= now),
                        (OutboxJob.status == "running") & (OutboxJob.locked_until < now),
                    )
                )
                .order_by(OutboxJob.run_at, OutboxJob.id)
                .limit(self._batch)
            )
            if session.get_bind().dialect.name == "postgresql":
                query = query.with_for_update(skip_locked=True)
            return list((await session.scalars(query)).all())

    async def _claim(self, job_id: int) -> OutboxJob | None:
        now = self._clock.now()
        async with self._sessions() as session, session.begin():
            # Compare-and-set: of two runners racing for one job, exactly one updates the row,
            # and reads it back in the same statement.
            return await session.scalar(
                update(OutboxJob)
                .where(OutboxJob.id == job_id)
                .where(
                    or_(
                        (OutboxJob.status == "pending") & (OutboxJob.run_at <= now),
                        (OutboxJob.status == "running") & (OutboxJob.locked_until < now),
                    )
                )
                .values(
                    status="running",
                    locked_until=now + self._lease,
                    attempts=OutboxJob.attempts + 1,
                )
                .returning(OutboxJob)
                .execution_options(synchronize_session=False)
            )

    async def _execute(self, job: OutboxJob) -> None:
        handler = self.handlers.get(job.kind)
        error: str | None = None
        permanent = False
        if handler is None:
            error, permanent = f"no handler for job kind {job.kind!r}", True
        else:
            try:
                await handler(dict(job.payload))
            except PermanentJobError as exc:
                error, permanent = f"{type(exc).__name__}: {exc}", True
            except Exception as exc:
                log.warning("job %s (%s) failed: %s", job.id, job.kind, exc)
                error = f"{type(exc).__name__}: {exc}"
        await self._finish(job, error, permanent)

    async def _finish(self, job: OutboxJob, error: str | None, permanent: bool) -> None:
        now = self._clock.now()
        values: dict[str, Any]
        if error is None:
            values = {"status": "done", "finished_at": now, "locked_until": None}
        elif permanent or job.attempts >= self._max_attempts:
            values = {"status": "failed", "finished_at": now, "last_error": error[:2000]}
        else:
            values = {
                "status": "pending",
                "run_at": now + backoff(job.attempts),
                "locked_until": None,
                "last_error": error[:2000],
            }
        async with self._sessions() as session, session.begin():
            await session.execute(update(OutboxJob).where(OutboxJob.id == job.id).values(**values))
