"""A job runner in a process of its own, for the exactly-once test (run with `python -m`)."""

from __future__ import annotations

import asyncio
import sys
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
    for _ in range(200):
        if await runner.run_due() == 0:
            break
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
