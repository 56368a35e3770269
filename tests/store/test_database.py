"""PostgreSQL connections from the pool: checked only after sitting idle, replaced when dead."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import text

from baton.store import database
from baton.store.database import create_engine
from tests.conftest import POSTGRES_URL, need_service


async def test_a_connection_back_from_use_is_not_checked_and_an_idle_dead_one_is_replaced(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    url = need_service(POSTGRES_URL, "postgres")
    monkeypatch.setattr(database, "PING_AFTER_IDLE_SECONDS", 0.2)
    engine = create_engine(url)
    pings = 0
    ping = engine.dialect.do_ping

    def counted(dbapi_connection: Any) -> bool:
        nonlocal pings
        pings += 1
        return ping(dbapi_connection)

    engine.dialect.do_ping = counted  # type: ignore[method-assign]
    try:
        for _ in range(3):  # one connection, used again at once: no check costs round trips
            async with engine.connect() as connection:
                pid = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert pings == 0

        # The server drops the connection while it sits idle in the pool.
        killer = create_engine(url)
        async with killer.connect() as other:
            await other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        await killer.dispose()
        await asyncio.sleep(0.3)
        async with engine.connect() as connection:
            fresh = await connection.scalar(text("SELECT pg_backend_pid()"))
        assert pings >= 1
        assert fresh != pid
    finally:
        await engine.dispose()
