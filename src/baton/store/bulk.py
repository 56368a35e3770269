"""Statements over many rows at once, for the writes that batch (messages, the event log)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, insert

from baton.store.database import AsyncSession


async def insert_returning_ids(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]]
) -> list[int]:
    """Insert `rows` into `table` in one statement; their new ids, in the order of `rows`."""
    if not rows:
        return []
    if session.get_bind().dialect.name == "sqlite":
        # SQLAlchemy orders RETURNING on SQLite only by inserting row by row (a round trip to
        # the driver's thread each). One INSERT gives its VALUES rows increasing rowids in the
        # order written, and SQLite has a single writer, so sorting the ids restores the order.
        ids = await session.scalars(insert(table).returning(table.c.id), rows)
        return sorted(ids)
    ordered = await session.scalars(
        insert(table).returning(table.c.id, sort_by_parameter_order=True), rows
    )
    return list(ordered)
