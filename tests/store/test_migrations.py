from __future__ import annotations

import asyncio

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.store.database import create_engine, upgrade
from baton.store.tables import Base


async def test_the_migrations_build_exactly_the_tables_the_code_declares(
    engine: AsyncEngine,
) -> None:
    def differences(connection: Connection) -> list[object]:
        return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))

    async with engine.connect() as connection:
        assert await connection.run_sync(differences) == []


async def test_processes_starting_together_migrate_once_without_failing(
    database_url: str,
) -> None:
    # `baton serve --workers N` starts N processes that each migrate a fresh database.
    if not database_url.startswith("postgresql"):
        pytest.skip("several processes share a database on PostgreSQL")
    engines = [create_engine(database_url) for _ in range(3)]
    try:
        await asyncio.gather(*(upgrade(engine) for engine in engines))
        async with engines[0].connect() as connection:
            assert (
                await connection.run_sync(
                    lambda sync: list(
                        compare_metadata(MigrationContext.configure(sync), Base.metadata)
                    )
                )
                == []
            )
    finally:
        for engine in engines:
            await engine.dispose()
