"""Engines and sessions for SQLite (WAL) and PostgreSQL, and the migrations that shape them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.asyncio import AsyncSession as AsyncSession  # re-exported for services
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

MIGRATIONS = Path(__file__).parent / "migrations"

SessionFactory = async_sessionmaker[AsyncSession]
SQLITE_CACHE_KIB = 1024
# A pooled PostgreSQL connection idle this long is checked before use; one back from use
# sooner is not (the check costs three round trips, more than many transactions).
PING_AFTER_IDLE_SECONDS = 1.0


def create_engine(url: str) -> AsyncEngine:
    """An engine for `url`; SQLite gets WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        # Writes queue on SQLite's one writer, so a few connections serve as well as many;
        # a burst (1,000 customers asking for a person at once) waits for one rather than fail.
        engine = create_async_engine(
            url, connect_args={"timeout": 30}, pool_size=5, max_overflow=5, pool_timeout=120
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL lets the console read while a message is being written.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA synchronous=NORMAL")
            # Each connection's page cache is its own heap memory; the operating system caches
            # the file for all of them.
            cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            cursor.close()

        return engine
    engine = create_async_engine(url, pool_size=10, max_overflow=20)
    _ping_idle_connections(engine)
    return engine


def _ping_idle_connections(engine: AsyncEngine) -> None:
    """Check a connection that sat idle in the pool before handing it out.

    A connection the server or the network dropped while it sat idle is replaced before a
    transaction fails on it. Under load connections go straight back into use and are not
    checked; one that drops mid-use fails its statement, and the pool then replaces every
    connection as old as it (the caller answers `database_unavailable` and the client retries).
    """

    @event.listens_for(engine.sync_engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def _check(
        dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: PoolProxiedConnection
    ) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_SECONDS:
            return  # just opened, or just back from use
        try:
            engine.dialect.do_ping(dbapi_connection)
        except Exception as error:
            # The pool drops this connection and checks out another (a fresh one if need be).
            raise DisconnectionError(str(error)) from error


async def begin_writing(session: AsyncSession) -> None:
    """Take the database's write lock now, at the start of the transaction (SQLite).

    SQLite ignores `SELECT … FOR UPDATE`, and its driver starts a transaction only at the first
    write, so a read-decide-write use case could decide on a row another writer changes before
    it writes. `BEGIN IMMEDIATE` makes one such transaction wait for the other: ownership
    changes are serialised on SQLite as the row locks serialise them on PostgreSQL."""
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        await connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


# Held while migrating on PostgreSQL: processes starting together (`--workers`, several
# machines) migrate one after the other; the later ones find nothing left to do.
MIGRATION_LOCK = 0x6261746F6E  # "baton"


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Apply the migrations up to `revision` (idempotent, safe to run from several processes)."""

    def _run(connection: Connection) -> None:
        config = alembic_config()
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            # Released at commit; SQLite serialises writers by itself.
            await connection.execute(
                text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK}
            )
        await connection.run_sync(_run)


async def database_ready(sessions: SessionFactory) -> None:
    """Raise if the database does not answer."""
    async with sessions() as session:
        await session.execute(text("SELECT 1"))
