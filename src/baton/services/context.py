"""What every use case needs to run: sessions, the bus, the clock, the bot, the settings.

`transaction(ctx)` opens one transaction and publishes the events gathered in it only after
it commits, so no client ever hears of a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, cast

from sqlalchemy import ColumnElement, Table

from baton.bots.base import Bot
from baton.config import Settings
from baton.domain.business_hours import BusinessHours
from baton.domain.scripts import ScriptBook
from baton.runtime.batching import Batcher
from baton.runtime.bus import Event, EventBus
from baton.runtime.clock import Clock
from baton.runtime.jobs import JobRunner
from baton.runtime.telemetry import observe
from baton.store.bulk import insert_returning_ids, insert_returning_ids_and
from baton.store.database import AsyncSession, SessionFactory, begin_writing
from baton.store.tables import EventRow


@dataclass
class ServiceContext:
    sessions: SessionFactory
    bus: EventBus
    clock: Clock
    settings: Settings
    bot: Bot
    jobs: JobRunner
    hours: BusinessHours
    scripts: ScriptBook
    # Writers that gather concurrent requests into one transaction, by name (created on use).
    batchers: dict[str, Batcher[Any, Any]] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        *,
        sessions: SessionFactory,
        bus: EventBus,
        clock: Clock,
        settings: Settings,
        bot: Bot,
        script_folder_texts: Mapping[str, str] | None = None,
    ) -> ServiceContext:
        """A context whose business hours and scripts come from `settings`."""
        return cls(
            sessions=sessions,
            bus=bus,
            clock=clock,
            settings=settings,
            bot=bot,
            jobs=JobRunner(sessions, clock),
            hours=BusinessHours(settings.business_hours),
            scripts=ScriptBook.from_settings(
                settings.scripts,
                company_name=settings.company_name,
                folder_texts=script_folder_texts,
            ),
        )


@dataclass
class Transaction:
    session: AsyncSession
    events: list[Event] = field(default_factory=list)

    def on_commit(self, event: Event) -> None:
        """Publish `event` once this transaction has committed."""
        self.events.append(event)


@asynccontextmanager
async def transaction(ctx: ServiceContext) -> AsyncIterator[Transaction]:
    async with ctx.sessions() as session:
        async with session.begin():
            await begin_writing(session)
            tx = Transaction(session)
            yield tx
            # Integration jobs (tickets, chat notices, webhooks) commit with the change itself.
            # Imported here: the integrations module builds on this one.
            from baton.services.integrations import integration_jobs_for, webhooks_probe

            # Whether any webhook endpoint listens is read by the statement that logs the
            # events, not by a query of its own.
            probe = webhooks_probe(tx.events, ctx.settings.integrations)
            logged, listening = await _log_events(session, tx.events, ctx.clock.now(), probe)
            await integration_jobs_for(
                ctx, session, logged, ctx.settings.integrations, webhooks_listening=listening
            )
        for event in logged:
            observe(event)
            await ctx.bus.publish(event)


async def _log_events(
    session: AsyncSession, events: list[Event], now: datetime, probe: ColumnElement[Any] | None
) -> tuple[list[Event], Any]:
    """Write the events to the log in the same transaction; their ids are the resume points.
    With `probe`, also its value, read by the same statement (None without)."""
    if not events:
        return [], None
    # One INSERT … RETURNING on the table itself: a batch of customer messages logs a hundred
    # events at once, and the ORM would track or check each row.
    table = cast(Table, EventRow.__table__)
    rows = [
        {
            "type": e.type,
            "conversation_id": e.conversation_id,
            "public": e.public,
            "data": e.data,
            "created_at": now,
        }
        for e in events
    ]
    probed = None
    if probe is None:
        ids = await insert_returning_ids(session, table, rows)
    else:
        ids, probed = await insert_returning_ids_and(session, table, rows, probe)
    logged = [replace(e, id=event_id) for e, event_id in zip(events, ids, strict=True)]
    return logged, probed
