"""A burst of customer messages on two processes: every console and every widget receives each
message exactly once, whichever process holds its socket."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import POSTGRES_URL, REDIS_URL, need_service
from tests.scale.test_two_processes import AGENT, _two_processes

CUSTOMERS = 12
MESSAGES = 15
BIG = "100000"


async def _console(url: str) -> tuple[Any, httpx.AsyncClient]:
    http = httpx.AsyncClient(base_url=url, timeout=30)
    await http.post("/api/console/login", json={"email": AGENT[0], "password": AGENT[1]})
    cookie = f"baton_session={http.cookies['baton_session']}"
    connection = await websockets.connect(
        url.replace("http", "ws") + "/ws/console",
        origin=url,  # type: ignore[arg-type]
        additional_headers={"Cookie": cookie},
    )
    return connection, http


async def _widget(url: str, started: dict[str, Any]) -> Any:
    connection = await websockets.connect(
        url.replace("http", "ws") + "/ws/widget",
        origin=url,  # type: ignore[arg-type]
    )
    await connection.send(
        json.dumps(
            {
                "type": "hello",
                "conversation_id": started["conversation"]["id"],
                "token": started["token"],
                "last_event_id": 0,
            }
        )
    )
    assert json.loads(await connection.recv())["type"] == "welcome"
    return connection


async def _collect(connection: Any, counts: Counter[str], expected: set[str]) -> None:
    """Count the customer messages this socket receives until it has every expected one."""
    while not expected <= set(counts):
        frame = json.loads(await connection.recv())
        if frame["type"] != "event":
            assert frame["type"] != "resync", "nothing was lost, so no resync is due"
            continue
        event = frame["event"]
        if event["type"] == "message.created" and event["data"].get("author") == "customer":
            counts[event["data"]["client_id"]] += 1
    # Anything still in flight arrives now: a duplicate would show.
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(1.0):
            while True:
                frame = json.loads(await connection.recv())
                event = frame.get("event") or {}
                if event.get("type") == "message.created" and event["data"].get("author") == (
                    "customer"
                ):
                    counts[event["data"]["client_id"]] += 1


async def test_a_burst_reaches_every_socket_once_whichever_process_holds_it(
    database_url: str, tmp_path: Path
) -> None:
    if not database_url.startswith("postgresql"):
        need_service(POSTGRES_URL, "postgres")
        pytest.skip("runs on PostgreSQL only")
    redis_url = need_service(REDIS_URL, "redis")
    extra = {
        "BATON_LIMITS__CONVERSATIONS_PER_HOUR_PER_IP": BIG,
        "BATON_LIMITS__MESSAGES_PER_MINUTE_PER_CONVERSATION": BIG,
        "BATON_LIMITS__REQUESTS_PER_MINUTE_PER_IP": BIG,
    }
    processes = _two_processes(database_url, redis_url, tmp_path, extra)
    urls = [url for url, _ in next(processes)]
    opened: list[Any] = []
    clients: list[httpx.AsyncClient] = []
    try:
        # A console on each process.
        for url in urls:
            connection, http = await _console(url)
            opened.append(connection)
            clients.append(http)
        consoles = opened[:]
        # Customers alternate between the processes for their widget sockets.
        widgets: list[tuple[Any, dict[str, Any]]] = []
        for n in range(CUSTOMERS):
            url = urls[n % 2]
            started = (await clients[n % 2].post("/api/conversations", json={})).json()
            connection = await _widget(url, started)
            opened.append(connection)
            widgets.append((connection, started))
        expected = {f"c{n}-m{m}" for n in range(CUSTOMERS) for m in range(MESSAGES)}
        console_counts: list[Counter[str]] = [Counter() for _ in consoles]
        widget_counts: list[Counter[str]] = [Counter() for _ in widgets]
        readers = [
            asyncio.create_task(_collect(c, counts, expected))
            for c, counts in zip(consoles, console_counts, strict=True)
        ] + [
            asyncio.create_task(_collect(w, counts, {f"c{n}-m{m}" for m in range(MESSAGES)}))
            for n, ((w, _), counts) in enumerate(zip(widgets, widget_counts, strict=True))
        ]

        async def burst(n: int, connection: Any) -> None:
            for m in range(MESSAGES):
                await connection.send(
                    json.dumps(
                        {
                            "type": "message",
                            "text": f"question {m} of {n}",
                            "client_id": f"c{n}-m{m}",
                        }
                    )
                )

        await asyncio.gather(*(burst(n, w) for n, (w, _) in enumerate(widgets)))
        async with asyncio.timeout(90):
            await asyncio.gather(*readers)
        for counts in console_counts:
            assert set(counts) == expected and set(counts.values()) == {1}
        for n, counts in enumerate(widget_counts):
            mine = {f"c{n}-m{m}" for m in range(MESSAGES)}
            assert set(counts) == mine and set(counts.values()) == {1}
    finally:
        for connection in opened:
            await connection.close()
        for http in clients:
            await http.aclose()
        processes.close()
