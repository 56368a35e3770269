"""What the commands share: loading settings with a readable error, a service context."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

from baton.bots.base import Answer
from baton.config import ConfigError, Settings, load_settings
from baton.demo import apply_demo
from baton.domain.turns import Turn
from baton.runtime.bus import InProcessBus
from baton.runtime.clock import SystemClock
from baton.services.context import ServiceContext
from baton.store.database import create_engine, create_session_factory, upgrade

console = Console()
err_console = Console(stderr=True)

ConfigOption = typer.Option(None, "--config", "-c", help="Settings file (default ./baton.toml).")


def settings_or_exit(config: Path | None, *, demo: bool = False) -> Settings:
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


def progress_steps(progress: Progress) -> Callable[[str, int, int], None]:
    """A callback `(step, done, total)` that shows each named step as a bar of `progress`."""
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)

    return report
