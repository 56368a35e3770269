"""`baton serve`: run the web app, the job runner and the knowledge-base bot."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import typer
import uvicorn

from baton.cli.check import script_problems
from baton.cli.common import ConfigOption, console, err_console, settings_or_exit
from baton.web.app import create_app

WORKER_HEALTHCHECK_SECONDS = 60


def serve(
    demo: bool = typer.Option(False, "--demo", help="Demo shop knowledge base, SQLite, no setup."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, min=1, max=64, help="Processes (needs redis_url when > 1)."),
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
    if workers > 1 and not settings.redis_url:
        err_console.print(
            "[bold red]Cannot start:[/] --workers needs redis_url, so that events reach every "
            "process's sockets (set BATON_REDIS_URL=redis://…)"
        )
        raise typer.Exit(2)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    url = f"http://{host}:{port}/"
    console.print(f"[bold]Baton[/] on [link={url}]{url}[/link]" + (" (demo)" if demo else ""))
    console.print(
        f"Chat at {url} · console at {url}console · API docs at {url}docs · "
        f"database {settings.database_url}",
        highlight=False,
    )
    if workers == 1:
        # No per-message compression: chat frames are small, and its state costs ~47 KiB per
        # connected customer.
        uvicorn.run(
            create_app(settings, server_process=True),
            host=host,
            port=port,
            log_level="info",
            ws_per_message_deflate=False,
        )
        return
    # Every worker builds the app from the same settings; the demo's secret must be shared.
    if config is not None:
        os.environ["BATON_CONFIG_FILE"] = str(config)
    os.environ["BATON_SECRET_KEY"] = settings.secret()
    os.environ["BATON_SERVE_DEMO"] = "1" if demo else "0"
    uvicorn.run(
        "baton.web.asgi:create_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="info",
        ws_per_message_deflate=False,
        # A spawned worker imports the `baton` command before it can answer the supervisor's
        # health check; on a busy machine that took longer than uvicorn's 5 s, and the worker
        # was killed and restarted ("Child process died") at every start.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
