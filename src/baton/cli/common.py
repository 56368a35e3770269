"""What the commands share: loading settings with a readable error, a service context."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import Progress, TaskID

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


def script_problems(settings: Settings) -> list[str]:
    """Every problem in the configured scripts (templates and folder), as readable lines."""
    from baton.domain.scripts import ScriptBook, ScriptError
    from baton.services.script_files import read_script_folder

    try:
        folder = read_script_folder(settings.scripts.folder) if settings.scripts.folder else None
        ScriptBook.from_settings(
            settings.scripts, company_name=settings.company_name, folder_texts=folder
        )
    except FileNotFoundError as exc:
        return [str(exc)]
    except ScriptError as exc:
        return [str(problem) for problem in exc.problems]
    return []


def settings_or_exit(
    config: Path | None, *, demo: bool = False, check_scripts: bool = True
) -> Settings:
    """The settings, or a readable reason and exit code 2; the handoff scripts are checked
    too unless `check_scripts` is off (`baton check scripts` reports them itself)."""
    from baton.config import ConfigError, load_settings
    from baton.demo import apply_demo
    from baton.runtime.clock import ClockError, demo_clock

    try:
        settings = load_settings(config, demo=demo)
        settings = apply_demo(settings) if demo else settings
        demo_clock(os.environ, demo=demo)
    except (ConfigError, ClockError) as exc:
        err_console.print(f"[bold red]Cannot start:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None
    problems = script_problems(settings) if check_scripts else []
    if problems:
        err_console.print("[bold red]Cannot start:[/] the handoff scripts need fixing:")
        for problem in problems:
            err_console.print(f"  {problem}", highlight=False)
        raise typer.Exit(2)
    return settings


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


def progress_steps(progress: Progress) -> Callable[[str, int, int], None]:
    """A callback `(step, done, total)` that shows each named step as a bar of `progress`."""
    tasks: dict[str, TaskID] = {}

    def report(step: str, done: int, total: int) -> None:
        if step not in tasks:
            tasks[step] = progress.add_task(step, total=total)
        progress.update(tasks[step], completed=done, total=total)

    return report
