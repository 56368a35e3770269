"""Database round trips per customer message: statements, pool checkouts and commits.

Run: `.venv/bin/python bench/statements.py` (SQLite in a temporary folder) or
`--database-url postgresql+asyncpg://…` (the database is migrated, and rows are added to it).
Counts, with SQLAlchemy event listeners, what one customer message costs while the bot holds
the conversation: storing it (`receive_customer_message`) and the bot's reply (the `bot_reply`
job), averaged over `--messages` messages sent one after another, each the first question of a
conversation, which the bot answers. On PostgreSQL the round trips
are the statements plus each transaction's BEGIN and COMMIT (or ROLLBACK) and three for each
liveness check of a connection that sat idle in the pool. Prints one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import event

from baton.bots.base import Answer
from baton.config import Settings
from baton.domain.turns import Turn
from baton.runtime.bus import InProcessBus
from baton.runtime.clock import SystemClock
from baton.services.context import ServiceContext
from baton.services.conversations import ContactIn, receive_customer_message, start_conversation
from baton.services.jobs import register_job_handlers
from baton.store.database import create_engine, create_session_factory, upgrade


class _FixedBot:
    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        return Answer("We are open 9 to 5.", 0.9, fallback=False, article_id="hours")


async def run(database_url: str, messages: int) -> dict[str, Any]:
    engine = create_engine(database_url)
    await upgrade(engine)
    counts: Counter[str] = Counter()

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def _statement(*_: Any) -> None:
        counts["statements"] += 1

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(*_: Any) -> None:
        counts["commits"] += 1

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(*_: Any) -> None:
        counts["begins"] += 1

    @event.listens_for(engine.sync_engine, "rollback")
    def _rollback(*_: Any) -> None:
        counts["rollbacks"] += 1

    @event.listens_for(engine.sync_engine.pool, "checkout")
    def _checkout(*_: Any) -> None:
        counts["checkouts"] += 1

    ping = engine.dialect.do_ping

    def _counted_ping(dbapi_connection: Any) -> bool:
        counts["pings"] += 1
        return ping(dbapi_connection)

    engine.dialect.do_ping = _counted_ping  # type: ignore[method-assign]

    ctx = ServiceContext.create(
        sessions=create_session_factory(engine),
        bus=InProcessBus(),
        clock=SystemClock(),
        settings=Settings(secret_key="s" * 40, database_url=database_url),  # type: ignore[arg-type]
        bot=_FixedBot(),
    )
    register_job_handlers(ctx)
    store: Counter[str] = Counter()
    reply: Counter[str] = Counter()
    for n in range(messages):
        # Each question in a conversation of its own: the same question asked again would be a
        # sign that the answer did not help, and the bot would offer a person instead.
        started = await start_conversation(ctx, contact=ContactIn())
        conversation_id = started.conversation.id
        counts.clear()
        received = await receive_customer_message(
            ctx, conversation_id, f"What are your opening hours? ({n})", client_id=f"m{n}"
        )
        store.update(counts)
        counts.clear()
        if received.bot_job_id is not None:
            await ctx.jobs.run_job(received.bot_job_id)
        reply.update(counts)
    await engine.dispose()
    dialect = database_url.split(":", 1)[0]
    return {
        "database": dialect,
        "messages": messages,
        "per_message_stored": _per_message(store, messages, dialect),
        "per_bot_reply": _per_message(reply, messages, dialect),
    }


def _per_message(counts: Counter[str], messages: int, dialect: str) -> dict[str, float]:
    figures = {k: v / messages for k, v in sorted(counts.items())}
    if dialect.startswith("postgresql"):
        # Each statement, BEGIN, COMMIT and ROLLBACK is a round trip, and a liveness check
        # three (BEGIN, an empty query, ROLLBACK); only statements pass the statement listener.
        figures["round_trips"] = (
            figures.get("statements", 0.0)
            + figures.get("begins", 0.0)
            + figures.get("commits", 0.0)
            + figures.get("rollbacks", 0.0)
            + 3 * figures.get("pings", 0.0)
        )
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--database-url", help="Default: SQLite in a temporary folder.")
    parser.add_argument("--messages", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
        print(json.dumps(asyncio.run(run(url, args.messages))))


if __name__ == "__main__":
    main()
