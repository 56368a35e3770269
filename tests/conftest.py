"""Shared fixtures: a real database (SQLite always; PostgreSQL when BATON_TEST_POSTGRES_URL is
set), a frozen clock, and the service context the use cases run in.

Set BATON_TEST_REQUIRE_SERVICES=1 (as .ci/run does) to turn a missing service into a failure
instead of a skip.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime
from pathlib import Path

import hypothesis  # noqa: F401  (imported up front: see below)
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.bots.base import Answer
from baton.config import Settings
from baton.domain.turns import Turn
from baton.runtime.bus import InProcessBus
from baton.runtime.clock import FrozenClock
from baton.services.context import ServiceContext
from baton.services.jobs import register_job_handlers
from baton.store.database import create_engine, create_session_factory, upgrade

# Hypothesis is imported before any test runs: a lazy import later in the session can meet a
# CPython 3.11 bug in AST compilation ("recursion depth mismatch") and fail the run at its end.
POSTGRES_URL = os.environ.get("BATON_TEST_POSTGRES_URL")
REDIS_URL = os.environ.get("BATON_TEST_REDIS_URL")
REQUIRE_SERVICES = os.environ.get("BATON_TEST_REQUIRE_SERVICES") == "1"
SECRET = "s" * 40
MONDAY_10 = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def need_service(url: str | None, name: str) -> str:
    """The service's URL, or skip (fail under BATON_TEST_REQUIRE_SERVICES=1)."""
    if url:
        return url
    message = f"{name} not configured (set BATON_TEST_{name.upper()}_URL)"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


class ScriptedBot:
    """A bot backend for tests: known questions get answers, anything else a fallback."""

    def __init__(self, answers: dict[str, str] | None = None) -> None:
        self.answers = answers or {"what are your opening hours": "We are open 9 to 5."}
        self.calls: list[tuple[str, Sequence[Turn]]] = []

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        self.calls.append((message, history))
        text = self.answers.get(message.lower().strip(" ?"))
        if text is None:
            return Answer("I'm sorry — that's beyond what I know.", 0.1, fallback=True)
        return Answer(text, 0.9, fallback=False, article_id="hours")


async def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP SCHEMA public CASCADE"))
            await connection.execute(text("CREATE SCHEMA public"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database for each test."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'baton.db'}"
    url = need_service(POSTGRES_URL, "postgres")
    asyncio.run(_empty_postgres(url))
    return url


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(MONDAY_10)


@pytest.fixture
def bot() -> ScriptedBot:
    return ScriptedBot()


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(secret_key=SECRET, database_url=database_url)  # type: ignore[arg-type]


@pytest.fixture
async def ctx(
    engine: AsyncEngine, clock: FrozenClock, bot: ScriptedBot, settings: Settings
) -> ServiceContext:
    context = ServiceContext.create(
        sessions=create_session_factory(engine),
        bus=InProcessBus(),
        clock=clock,
        settings=settings,
        bot=bot,
    )
    register_job_handlers(context)
    return context
