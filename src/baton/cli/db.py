"""`baton db`: the database's shape."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer

from baton.cli.common import ConfigOption, console, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Database migrations.")


@app.command("upgrade")
def upgrade_command(config: Path | None = ConfigOption) -> None:
    """Apply every pending migration."""
    from baton.store.database import create_engine, upgrade

    settings = settings_or_exit(config)

    async def run() -> None:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
        finally:
            await engine.dispose()

    asyncio.run(run())
    console.print("Database is up to date.")
