"""A Baton app served on a real port in the test's own event loop, with socket and HTTP clients.

Customers and agents talk to it as browsers do (widget socket, console sign-in and socket), so
the races between them are real: requests and bot replies run concurrently on the database.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn
import websockets
from sqlalchemy import select

from baton.bots.base import Bot
from baton.config import Settings
from baton.runtime.clock import Clock
from baton.services import agents
from baton.services.context import ServiceContext
from baton.store.tables import Conversation, Handoff, Message, OutboxJob
from baton.web.app import create_app
from baton.web.socket_protocol import LeanWebSockets
from tests.support.local_server import free_port

ALWAYS_OPEN = {d: ["00:00-24:00"] for d in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
PASSWORD = "correct-horse-1"


class Served:
    def __init__(self, url: str, ctx: ServiceContext) -> None:
        self.url, self.ctx = url, ctx

    async def conversation(self) -> tuple[str, str]:
        async with httpx.AsyncClient(base_url=self.url) as http:
            started = (await http.post("/api/conversations", json={})).json()
        return started["conversation"]["id"], started["token"]

    async def add_agent(self, name: str, role: str = "agent") -> str:
        agent = await agents.create_agent(
            self.ctx,
            email=f"{name.lower()}@shop.example",
            name=name,
            password=PASSWORD,
            role=role,  # type: ignore[arg-type]
        )
        return agent.id

    async def messages(self, conversation_id: str) -> list[Message]:
        async with self.ctx.sessions() as session:
            return list(
                (
                    await session.scalars(
                        select(Message)
                        .where(Message.conversation_id == conversation_id)
                        .order_by(Message.id)
                    )
                ).all()
            )

    async def read(self, conversation_id: str) -> tuple[Conversation, list[Handoff]]:
        async with self.ctx.sessions() as session:
            conversation = await session.get(Conversation, conversation_id)
            assert conversation is not None
            handoffs = list(
                (
                    await session.scalars(
                        select(Handoff).where(
                            Handoff.conversation_id == conversation_id, Handoff.status == "open"
                        )
                    )
                ).all()
            )
        return conversation, handoffs

    async def until_state(self, conversation_id: str, state: str) -> None:
        async with asyncio.timeout(30):
            while True:
                if (await self.read(conversation_id))[0].state == state:
                    return
                await asyncio.sleep(0.02)

    async def settle(self) -> None:
        """Until no bot reply is waiting or running."""
        async with asyncio.timeout(60):
            while True:
                async with self.ctx.sessions() as session:
                    busy = await session.scalar(
                        select(OutboxJob.id).where(
                            OutboxJob.kind == "bot_reply",
                            OutboxJob.status.in_(("pending", "running")),
                        )
                    )
                if busy is None:
                    return
                await self.ctx.jobs.run_due()
                await asyncio.sleep(0.05)


class Console:
    """A signed-in agent: HTTP with the CSRF token, and (once opened) the console socket."""

    def __init__(self, served: Served, http: httpx.AsyncClient, csrf: str) -> None:
        self.served, self.http, self.csrf = served, http, csrf
        self.socket: Any = None

    async def post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        return await self.http.post(
            f"/api/console{path}", json=body or {}, headers={"X-CSRF-Token": self.csrf}
        )

    async def open_socket(self) -> None:
        url = self.served.url.replace("http", "ws") + "/ws/console"
        cookie = f"baton_session={self.http.cookies['baton_session']}"
        self.socket = await websockets.connect(
            url,
            origin=self.served.url,  # type: ignore[arg-type]
            additional_headers={"Cookie": cookie},
        )

    async def close_socket(self) -> None:
        if self.socket is not None:
            await self.socket.close()
            self.socket = None


@asynccontextmanager
async def signed_in(served: Served, name: str, *, online: bool = True) -> AsyncIterator[Console]:
    async with httpx.AsyncClient(base_url=served.url, timeout=60) as http:
        email = f"{name.lower()}@shop.example"
        login = await http.post("/api/console/login", json={"email": email, "password": PASSWORD})
        assert login.status_code == 200, login.text
        console = Console(served, http, login.json()["csrf_token"])
        if online:
            await console.open_socket()
            answer = await console.post("/presence", {"presence": "online"})
            assert answer.status_code == 200, answer.text
        try:
            yield console
        finally:
            await console.close_socket()


@asynccontextmanager
async def widget(served: Served, conversation_id: str, token: str) -> AsyncIterator[Any]:
    url = served.url.replace("http", "ws") + "/ws/widget"
    async with websockets.connect(url, origin=served.url) as socket:  # type: ignore[arg-type]
        await socket.send(
            json.dumps({"type": "hello", "conversation_id": conversation_id, "token": token})
        )
        assert json.loads(await socket.recv())["type"] == "welcome"
        yield socket


async def say(socket: Any, text: str, client_id: str) -> None:
    await socket.send(json.dumps({"type": "message", "text": text, "client_id": client_id}))


def race_settings(database_url: str, secret: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "secret_key": secret,
        "database_url": database_url,
        "business_hours": {"timezone": "UTC", "weekly": ALWAYS_OPEN},
        "limits": {"messages_per_minute_per_conversation": 10_000},
        # The test's consoles do not ping: they stay online for the whole test.
        "handoff": {"console_timeout_seconds": 3600},
        **overrides,
    }
    return Settings(**values)


@asynccontextmanager
async def serve(settings: Settings, bot: Bot, clock: Clock | None = None) -> AsyncIterator[Served]:
    app = create_app(settings, bot=bot, clock=clock)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            ws=LeanWebSockets,  # as `baton serve` runs
        )
    )
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(30):
        while not server.started:
            if task.done():
                task.result()
            await asyncio.sleep(0.02)
    try:
        yield Served(f"http://127.0.0.1:{port}", app.state.ctx)
    finally:
        server.should_exit = True
        await task
