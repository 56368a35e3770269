"""`baton serve`: run the web app, the job runner and the knowledge-base bot."""

from __future__ import annotations

import logging
from pathlib import Path

import typer
import uvicorn

from baton.cli.common import ConfigOption, console, demo_articles, settings_or_exit
from baton.web.app import create_app


def serve(
    demo: bool = typer.Option(False, "--demo", help="Demo shop knowledge base, SQLite, no setup."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    config: Path | None = ConfigOption,
) -> None:
    """Start Baton: migrations first, then the API, the pages and the job runner."""
    settings = settings_or_exit(config, demo=demo)
    if demo and settings.kb_path is None:
        settings.kb_path = demo_articles()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    url = f"http://{host}:{port}/"
    console.print(f"[bold]Baton[/] on [link={url}]{url}[/link]" + (" (demo)" if demo else ""))
    console.print(f"API docs at {url}docs · database {settings.database_url}", highlight=False)
    uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
