from __future__ import annotations

from typing import cast

from sqlalchemy import Table, select
from sqlalchemy.ext.asyncio import AsyncEngine

from baton.store.bulk import insert_returning_ids
from baton.store.database import create_session_factory
from baton.store.tables import EventRow
from tests.conftest import MONDAY_10


async def test_ids_come_back_in_the_order_of_the_rows(engine: AsyncEngine) -> None:
    sessions = create_session_factory(engine)
    table = cast(Table, EventRow.__table__)
    types = [f"kind.{(i * 7919) % 300}" for i in range(300)]  # not sorted in any way
    async with sessions() as session, session.begin():
        await insert_returning_ids(session, table, [_row("before")])
        ids = await insert_returning_ids(session, table, [_row(kind) for kind in types])
        assert await insert_returning_ids(session, table, []) == []
    async with sessions() as session:
        stored = {i: t for i, t in await session.execute(select(EventRow.id, EventRow.type))}
    assert len(set(ids)) == 300
    assert [stored[i] for i in ids] == types


def _row(kind: str) -> dict[str, object]:
    return {
        "type": kind,
        "conversation_id": None,
        "public": False,
        "data": {},
        "created_at": MONDAY_10,
    }
