"""Two reference servers for `bench/live_chat.py --compare`, each printing its port when ready.

- `echo`: a bare `websockets` server on uvloop that sends every frame back: the physical limit
  of one process answering socket frames in Python.
- `plain`: a plain FastAPI app under uvicorn (as `baton serve` runs it: uvloop, websockets, no
  per-message compression) that, per message, INSERTs one row into PostgreSQL, PUBLISHes it
  on Redis and answers with the frame: what a competent afternoon's live chat costs.

Run: `python bench/reference_servers.py echo` or
`python bench/reference_servers.py plain --database-url postgresql://… --redis-url redis://…`.
"""

# No `from __future__ import annotations`: FastAPI reads the endpoint's parameter types, which
# are imported inside `plain_app`.
import argparse
import asyncio
import json
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

TABLE = "bench_plain_messages"


async def echo(port: int) -> None:
    from websockets.asyncio.server import ServerConnection, serve

    async def answer(ws: ServerConnection) -> None:
        async for message in ws:
            await ws.send(message)

    # No compression: Baton's server never compresses either.
    async with serve(answer, "127.0.0.1", port, compression=None) as server:
        print(server.sockets[0].getsockname()[1], flush=True)
        await asyncio.get_running_loop().create_future()


def plain_app(database_url: str, redis_url: str) -> Any:
    import asyncpg  # type: ignore[import-untyped]
    import redis.asyncio as redis
    from fastapi import FastAPI, WebSocket, WebSocketDisconnect

    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        pool = await asyncpg.create_pool(database_url, min_size=2, max_size=10)
        async with pool.acquire() as connection:
            await connection.execute(
                f"CREATE TABLE IF NOT EXISTS {TABLE} (id bigserial PRIMARY KEY, "
                "conversation text NOT NULL, client_id text NOT NULL, body text NOT NULL, "
                "created_at timestamptz NOT NULL DEFAULT now())"
            )
        state["db"] = pool
        # Like the database pool: a few connections, and a message waits for one.
        bus = redis.BlockingConnectionPool.from_url(redis_url, max_connections=10, timeout=60)
        state["redis"] = redis.Redis(connection_pool=bus)
        try:
            yield
        finally:
            await state["redis"].aclose()
            await pool.close()

    app = FastAPI(lifespan=lifespan)

    @app.websocket("/ws")
    async def chat(ws: WebSocket) -> None:
        await ws.accept()
        pool, bus = state["db"], state["redis"]
        conversation = str(id(ws))
        try:
            while True:
                raw = await ws.receive_text()
                frame = json.loads(raw)
                row_id = await pool.fetchval(
                    f"INSERT INTO {TABLE} (conversation, client_id, body) "
                    "VALUES ($1, $2, $3) RETURNING id",
                    conversation,
                    frame.get("client_id", ""),
                    frame.get("text", ""),
                )
                event = json.dumps({"id": row_id, "conversation": conversation, **frame})
                await bus.publish("bench-plain", event)
                await ws.send_text(event)
        except WebSocketDisconnect:
            return

    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("kind", choices=["echo", "plain"])
    parser.add_argument("--database-url", help="plain: PostgreSQL (postgresql://…)")
    parser.add_argument("--redis-url", help="plain: Redis (redis://…)")
    args = parser.parse_args()
    import uvloop

    if args.kind == "echo":
        uvloop.run(echo(0))
        return
    if not args.database_url or not args.redis_url:
        parser.error("plain needs --database-url and --redis-url")
    import uvicorn

    database_url = args.database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    config = uvicorn.Config(
        plain_app(database_url, args.redis_url),
        host="127.0.0.1",
        port=port,
        loop="uvloop",
        ws_per_message_deflate=False,
        log_level="warning",
    )
    server = uvicorn.Server(config)

    async def run() -> None:
        serving = asyncio.create_task(server.serve())
        while not server.started:
            if serving.done():
                serving.result()
                return
            await asyncio.sleep(0.05)
        print(port, flush=True)
        await serving

    uvloop.run(run())


if __name__ == "__main__":
    main()
