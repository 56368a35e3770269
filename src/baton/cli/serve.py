"""`baton serve`: run the web app, the job runner and the knowledge-base bot."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
import uvicorn

from baton.cli.check import script_problems
from baton.cli.common import ConfigOption, apply_demo, console, err_console, settings_or_exit
from baton.web.app import create_app


def serve(
    demo: bool = typer.Option(False, "--demo", help="Demo shop knowledge base, SQLite, no setup."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    config: Path | None = ConfigOption,
) -> None:
    """Start Baton: migrations first, then the API, the pages and the job runner."""
    settings = settings_or_exit(config, demo=demo)
    problems = script_problems(settings)
    if problems:
        err_console.print("[bold red]Cannot start:[/] the handoff scripts need fixing:")
        for problem in problems:
            err_console.print(f"  {problem}", highlight=False)
        raise typer.Exit(2)
    if demo:
        apply_demo(settings)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = f"http://{host}:{port}/"
    console.print(f"[bold]Baton[/] on [link={url}]{url}[/link]" + (" (demo)" if demo else ""))
    console.print(f"API docs at {url}docs · database {settings.database_url}", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
