"""What every use case needs to run: sessions, the bus, the clock, the bot, the settings.

`transaction(ctx)` opens one transaction and publishes the events gathered in it only after
it commits, so no client ever hears of a change that was rolled back.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from baton.bots.base import Bot
from baton.config import Settings
from baton.runtime.bus import Event, EventBus
from baton.runtime.clock import Clock
from baton.runtime.jobs import JobRunner
from baton.store.database import AsyncSession, SessionFactory


@dataclass
class ServiceContext:
    sessions: SessionFactory
    bus: EventBus
    clock: Clock
    settings: Settings
    bot: Bot
    jobs: JobRunner


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
            tx = Transaction(session)
            yield tx
        for event in tx.events:
            await ctx.bus.publish(event)
