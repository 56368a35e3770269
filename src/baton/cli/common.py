"""What the commands share: loading settings with a readable error, a service context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console

# The settings, the store and the services are imported by the commands that run, not at
# import: `baton --help` (and every worker `baton serve --workers N` spawns) stays fast.
if TYPE_CHECKING:
    from baton.bots.base import Answer
    from baton.config import Settings
    from baton.domain.turns import Turn
    from baton.services.context import ServiceContext

console = Console()
err_console = Console(stderr=True)

ConfigOption = typer.Option(None, "--config", "-c", help="Settings file (default ./baton.toml).")


def settings_or_exit(config: Path | None, *, demo: bool = False) -> Settings:
    from baton.config import ConfigError, load_settings
    from baton.demo import apply_demo

    try:
        settings = load_settings(config, demo=demo)
        return apply_demo(settings) if demo else settings
    except ConfigError as exc:
        err_console.print(f"[bold red]Cannot start:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None


class _NoBot:
    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        raise RuntimeError("no bot in the command line")


@asynccontextmanager
async def service_context(settings: Settings) -> AsyncIterator[ServiceContext]:
    """The services over the configured database (migrated first), for one command."""
    from baton.runtime.bus import InProcessBus
    from baton.runtime.clock import SystemClock
    from baton.services.context import ServiceContext
    from baton.store.database import create_engine, create_session_factory, upgrade

    engine = create_engine(settings.database_url)
    try:
        await upgrade(engine)
        yield ServiceContext.create(
            sessions=create_session_factory(engine),
            bus=InProcessBus(),
            clock=SystemClock(),
            settings=settings,
            bot=_NoBot(),
        )
    finally:
        await engine.dispose()
