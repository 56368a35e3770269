"""A job runner in a process of its own, for the exactly-once test (run with `python -m`)."""

from __future__ import annotations

import asyncio
import sys
import time
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from baton.runtime.clock import SystemClock
from baton.runtime.jobs import JobRunner
from baton.store.database import create_engine, create_session_factory


async def main(url: str, name: str) -> None:
    engine = create_engine(url)
    sessions = create_session_factory(engine)

    async def effect(payload: dict[str, Any]) -> None:
        # The outside effect, keyed by the job's idempotency key: a second run is refused.
        async with sessions() as session, session.begin():
            await session.execute(
                text("INSERT INTO effects (key, runner, at) VALUES (:k, :r, :at)"),
                {"k": payload["key"], "r": name, "at": datetime.now(UTC)},
            )

    runner = JobRunner(sessions, SystemClock(), {"effect": effect}, batch=5)
    # Until every job is finished: a job that failed once (a busy database) comes due again
    # after its backoff, and any runner may be the one to take it.
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        await runner.run_due()
        async with sessions() as session:
            left = await session.scalar(
                text("SELECT count(*) FROM outbox_jobs WHERE status IN ('pending', 'running')")
            )
        if not left:
            break
        await asyncio.sleep(0.2)
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
