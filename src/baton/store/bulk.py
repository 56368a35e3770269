"""Statements over many rows at once, for the writes that batch (messages, the event log)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Table, insert

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


async def insert_returning_ids_and(
    session: AsyncSession, table: Table, rows: Sequence[dict[str, Any]], also: ColumnElement[Any]
) -> tuple[list[int], Any]:
    """As `insert_returning_ids`, and the value of `also` (a scalar subquery, say) read in the
    same statement: one round trip instead of two. `rows` must not be empty."""
    if session.get_bind().dialect.name == "sqlite":
        result = (await session.execute(insert(table).returning(table.c.id, also), rows)).all()
        return sorted(row[0] for row in result), result[0][1]
    ordered = (
        await session.execute(
            insert(table).returning(table.c.id, also, sort_by_parameter_order=True), rows
        )
    ).all()
    return [row[0] for row in ordered], ordered[0][1]
