"""Two Baton processes on PostgreSQL and Redis: a live handoff across them, and one killed.

A customer's socket is on process A, the agent's on process B. They see each other's messages
in order, once each; when A dies (SIGKILL) the customer reconnects to B and misses nothing.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import text as sql_text

from baton.store.database import create_engine
from tests.conftest import POSTGRES_URL, REDIS_URL, need_service
from tests.support.redis_server import start_redis

BATON = Path(sys.executable).with_name("baton")
ALWAYS_OPEN = json.dumps(
    {day: ["00:00-24:00"] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
)
AGENT = ("sam@x.example", "correct-horse-1")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_healthy(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"baton serve exited:\n{log.read_text()}")
        try:
            if httpx.get(url + "/readyz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"baton serve never became ready:\n{log.read_text()}")


@pytest.fixture
def two_processes(
    database_url: str, tmp_path: Path
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        pytest.skip("runs on PostgreSQL only")
    redis_url = need_service(REDIS_URL, "redis")
    yield from _two_processes(database_url, redis_url, tmp_path)


def _two_processes(
    database_url: str, redis_url: str, tmp_path: Path, extra: dict[str, str] | None = None
) -> Iterator[list[tuple[str, subprocess.Popen[bytes]]]]:
    """Two `baton serve` processes on one database and one Redis, each on its own port."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update(
        {
            "BATON_DATABASE_URL": database_url,
            "BATON_REDIS_URL": redis_url,
            "BATON_SECRET_KEY": "k" * 40,
            "BATON_HANDOFF__LIVE_CHAT": "true",
            "BATON_BUSINESS_HOURS__WEEKLY": ALWAYS_OPEN,
            **(extra or {}),
        }
    )
    subprocess.run(
        [str(BATON), "agent", "add", AGENT[0], "--name", "Sam", "--password", AGENT[1]],
        env=env,
        cwd=tmp_path,
        check=True,
        capture_output=True,
        timeout=60,
    )
    started: list[tuple[str, subprocess.Popen[bytes]]] = []
    try:
        for name in ("a", "b"):
            port = _free_port()
            url = f"http://127.0.0.1:{port}"
            log = tmp_path / f"{name}.log"
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [str(BATON), "serve", "--port", str(port)],
                    env={**env, "BATON_PUBLIC_URL": url},
                    cwd=tmp_path,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            started.append((url, process))
            _wait_healthy(url, process, log)
        yield started
    finally:
        for _, process in started:
            if process.poll() is None:
                process.terminate()
                process.wait(timeout=30)


class Socket:
    """A WebSocket client that remembers every event it saw."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.events: list[dict[str, Any]] = []

    async def until(self, predicate: Any, seconds: float = 15) -> dict[str, Any]:
        async with asyncio.timeout(seconds):
            while True:
                frame = json.loads(await self.connection.recv())
                if frame["type"] == "event":
                    self.events.append(frame["event"])
                    if predicate(frame["event"]):
                        return dict(frame["event"])


def _body(text: str) -> Any:
    return lambda e: e["type"] == "message.created" and e["data"]["body"] == text


async def _widget(url: str, conversation: dict[str, Any], last: int = 0) -> AsyncIterator[Socket]:
    ws_url = url.replace("http", "ws") + "/ws/widget"
    async with websockets.connect(ws_url, origin=url) as connection:  # type: ignore[arg-type]
        await connection.send(
            json.dumps(
                {
                    "type": "hello",
                    "conversation_id": conversation["conversation"]["id"],
                    "token": conversation["token"],
                    "last_event_id": last,
                }
            )
        )
        assert json.loads(await connection.recv())["type"] == "welcome"
        yield Socket(connection)


async def test_a_live_handoff_across_two_processes_survives_one_being_killed(
    two_processes: list[tuple[str, subprocess.Popen[bytes]]],
) -> None:
    (url_a, process_a), (url_b, _) = two_processes
    async with httpx.AsyncClient(base_url=url_b) as agent_http:
        login = await agent_http.post(
            "/api/console/login", json={"email": AGENT[0], "password": AGENT[1]}
        )
        csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
        await agent_http.post("/api/console/presence", json={"presence": "online"}, headers=csrf)
        cookie = f"baton_session={agent_http.cookies['baton_session']}"
        console_url = url_b.replace("http", "ws") + "/ws/console"
        async with websockets.connect(
            console_url,
            origin=url_b,
            additional_headers={"Cookie": cookie},  # type: ignore[arg-type]
        ) as console_connection:
            console = Socket(console_connection)
            async with httpx.AsyncClient(base_url=url_a) as customer_http:
                conversation = (await customer_http.post("/api/conversations", json={})).json()
                conversation_id = conversation["conversation"]["id"]
                widget_gen = _widget(url_a, conversation)
                customer = await widget_gen.__anext__()
                await customer.connection.send(
                    json.dumps(
                        {"type": "message", "text": "I want to talk to a person", "client_id": "c1"}
                    )
                )
                await console.until(lambda e: e["type"] == "handoff.escalated")
                claimed = await agent_http.post(
                    f"/api/console/conversations/{conversation_id}/claim", headers=csrf
                )
                assert claimed.status_code == 200
                await customer.until(lambda e: e["data"].get("author_name") == "Sam")
                await agent_http.post(
                    f"/api/console/conversations/{conversation_id}/messages",
                    json={"text": "Hi, Sam here."},
                    headers=csrf,
                )
                await customer.until(_body("Hi, Sam here."))
                await customer.connection.send(
                    json.dumps({"type": "message", "text": "Thanks Sam!", "client_id": "c2"})
                )
                await console.until(_body("Thanks Sam!"))
                last_seen = max(e["id"] for e in customer.events)

                # Process A dies mid-conversation; meanwhile the agent keeps writing.
                process_a.send_signal(signal.SIGKILL)
                process_a.wait(timeout=10)
                await agent_http.post(
                    f"/api/console/conversations/{conversation_id}/messages",
                    json={"text": "Your replacement ships today."},
                    headers=csrf,
                )
            # The customer's widget reconnects, to the process still running.
            async for resumed in _widget(url_b, conversation, last=last_seen):
                event = await resumed.until(_body("Your replacement ships today."))
                ids = [e["id"] for e in resumed.events]
                assert min(ids) > last_seen and ids == sorted(set(ids))
                assert event["conversation_id"] == conversation_id
                break
    bodies = [e["data"]["body"] for e in console.events if e["type"] == "message.created"]
    assert bodies.count("Thanks Sam!") == 1


async def test_a_process_killed_under_load_loses_no_message_and_no_escalation(
    two_processes: list[tuple[str, subprocess.Popen[bytes]]],
) -> None:
    (url_a, process_a), (url_b, _) = two_processes
    customers = 20
    async with (
        httpx.AsyncClient(base_url=url_a, timeout=10) as a,
        httpx.AsyncClient(base_url=url_b, timeout=10) as b,
    ):
        started = [(await a.post("/api/conversations", json={})).json() for _ in range(customers)]
        sent: dict[str, tuple[dict[str, Any], str]] = {}

        async def send(
            client: httpx.AsyncClient, conversation: dict[str, Any], key: str, text: str
        ) -> bool:
            try:
                response = await client.post(
                    f"/api/conversations/{conversation['conversation']['id']}/messages",
                    json={"text": text, "client_id": key},
                    headers={"Authorization": f"Bearer {conversation['token']}"},
                )
            except httpx.HTTPError:
                return False
            return response.status_code in (200, 201)

        async def customer(n: int, conversation: dict[str, Any]) -> list[str]:
            failed = []
            for turn in range(6):
                key = f"c{n}-m{turn}"
                text = "I want to talk to a person" if turn == 2 else f"message {turn} from {n}"
                sent[key] = (conversation, text)
                if not await send(a, conversation, key, text):
                    failed.append(key)
                await asyncio.sleep(0.05)
            return failed

        load = [asyncio.create_task(customer(n, c)) for n, c in enumerate(started)]
        await asyncio.sleep(0.3)
        process_a.send_signal(signal.SIGKILL)  # in the middle of the load
        failed = [key for task in load for key in await task]
        # The widget retries what did not go through, with the same client id, elsewhere.
        for key in failed:
            conversation, text = sent[key]
            assert await send(b, conversation, key, text)
        # Every message is stored exactly once, and every customer who asked has one handoff.
        for n, conversation in enumerate(started):
            read = await b.get(
                f"/api/conversations/{conversation['conversation']['id']}",
                headers={"Authorization": f"Bearer {conversation['token']}"},
            )
            mine = [m["client_id"] for m in read.json()["messages"] if m["author"] == "customer"]
            assert sorted(mine) == sorted(f"c{n}-m{turn}" for turn in range(6))
        await asyncio.sleep(3)  # the surviving runner takes the killed process's jobs
        assert failed, "the kill should have interrupted some sends"
    engine = create_engine(os.environ["BATON_TEST_POSTGRES_URL"])
    try:
        async with engine.connect() as connection:
            handoffs = (
                await connection.execute(
                    sql_text(
                        "SELECT conversation_id, count(*) FROM handoffs GROUP BY conversation_id"
                    )
                )
            ).all()
    finally:
        await engine.dispose()
    assert len(handoffs) == customers and all(count == 1 for _, count in handoffs)


async def test_redis_restarted_under_traffic_loses_nothing(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        pytest.skip("runs on PostgreSQL only")
    need_service(REDIS_URL, "redis")
    binary = shutil.which("redis-server")
    assert binary is not None, "redis-server is not installed"
    redis_port = _free_port()
    redis_server = start_redis(binary, redis_port, tmp_path)
    processes = _two_processes(database_url, f"redis://127.0.0.1:{redis_port}/0", tmp_path)
    (url_a, _), (url_b, _) = next(processes)
    try:
        async with (
            httpx.AsyncClient(base_url=url_b) as agent_http,
            httpx.AsyncClient(base_url=url_a) as customer_http,
        ):
            login = await agent_http.post(
                "/api/console/login", json={"email": AGENT[0], "password": AGENT[1]}
            )
            csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
            await agent_http.post(
                "/api/console/presence", json={"presence": "online"}, headers=csrf
            )
            cookie = f"baton_session={agent_http.cookies['baton_session']}"
            async with websockets.connect(
                url_b.replace("http", "ws") + "/ws/console",
                origin=url_b,  # type: ignore[arg-type]
                additional_headers={"Cookie": cookie},
            ) as console_connection:
                console = Socket(console_connection)
                conversation = (await customer_http.post("/api/conversations", json={})).json()
                conversation_id = conversation["conversation"]["id"]
                auth = {"Authorization": f"Bearer {conversation['token']}"}
                url = f"/api/conversations/{conversation_id}/messages"
                await customer_http.post(url, json={"text": "before the restart"}, headers=auth)
                await console.until(_body("before the restart"))
                redis_server.kill()
                redis_server.wait()
                await customer_http.post(url, json={"text": "while Redis is down"}, headers=auth)
                redis_server = start_redis(binary, redis_port, tmp_path)
                await customer_http.post(url, json={"text": "after the restart"}, headers=auth)
                await console.until(_body("after the restart"), seconds=30)
                if not any(
                    e["type"] == "message.created" and e["data"]["body"] == "while Redis is down"
                    for e in console.events
                ):
                    await console.until(_body("while Redis is down"), seconds=30)
    finally:
        processes.close()
        redis_server.kill()
