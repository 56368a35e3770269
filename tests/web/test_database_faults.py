"""The database failing in a way that is not a refused connection: a server that terminates
the connection in the middle of a request (an administrator, a failover, a restart). The
visitor gets the 503 `database_unavailable` the widget retries, never a 500."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from fastapi.testclient import TestClient

from baton.config import Settings
from baton.web.app import create_app
from tests.conftest import POSTGRES_URL, SECRET, ScriptedBot, _empty_postgres, need_service


@pytest.fixture
def postgres_url() -> Iterator[str]:
    url = need_service(POSTGRES_URL, "postgres")
    asyncio.run(_empty_postgres(url))
    yield url


async def _terminate_waiting_backend(dsn: str) -> None:
    """End the backend that waits for a lock: the request's connection, mid-query."""
    admin = await asyncpg.connect(dsn)
    try:
        for _ in range(600):
            pids = await admin.fetch(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
            )
            if pids:
                for row in pids:
                    await admin.execute("SELECT pg_terminate_backend($1)", row["pid"])
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the request never waited for the lock")
    finally:
        await admin.close()


def test_a_connection_terminated_mid_request_answers_503(postgres_url: str) -> None:
    settings = Settings(secret_key=SECRET, database_url=postgres_url)  # type: ignore[arg-type]
    dsn = postgres_url.replace("postgresql+asyncpg://", "postgresql://")
    with TestClient(create_app(settings, bot=ScriptedBot(), run_jobs=False)) as client:
        started = client.post("/api/conversations", json={}).json()
        conversation_id = started["conversation"]["id"]
        auth = {"Authorization": f"Bearer {started['token']}"}

        async def scenario() -> Any:
            locker = await asyncpg.connect(dsn)
            try:
                async with locker.transaction():
                    # Hold the conversation's row, so the send waits on it inside a query.
                    await locker.execute(
                        "SELECT id FROM conversations WHERE id = $1 FOR UPDATE", conversation_id
                    )
                    send = asyncio.create_task(
                        asyncio.to_thread(
                            client.post,
                            f"/api/conversations/{conversation_id}/messages",
                            json={"text": "hello", "client_id": "c1"},
                            headers=auth,
                        )
                    )
                    await _terminate_waiting_backend(dsn)
                    return await send
            finally:
                await locker.close()

        response = asyncio.run(scenario())
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "database_unavailable"
        assert int(response.headers["Retry-After"]) > 0
        # The database is still there: the retry (same client id) is stored once.
        retry = client.post(
            f"/api/conversations/{conversation_id}/messages",
            json={"text": "hello", "client_id": "c1"},
            headers=auth,
        )
        assert retry.status_code == 201
