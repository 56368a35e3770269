"""`baton serve`: run the web app, the job runner and the knowledge-base bot."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from baton.cli.common import ConfigOption, console, err_console, settings_or_exit

if TYPE_CHECKING:
    from baton.config import Settings

WORKER_HEALTHCHECK_SECONDS = 60


def serve(
    demo: bool = typer.Option(False, "--demo", help="Demo shop knowledge base, SQLite, no setup."),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(
        1, min=1, max=64, envvar="BATON_WORKERS", help="Processes (needs redis_url when > 1)."
    ),
    forwarded_allow_ips: str | None = typer.Option(
        None,
        "--forwarded-allow-ips",
        help="Proxies whose X-Forwarded-For names the customer's address (comma-separated, "
        "'*': any). Default: the forwarded_allow_ips setting, else $FORWARDED_ALLOW_IPS, "
        "else 127.0.0.1.",
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Start Baton: migrations first, then the API, the pages and the job runner."""
    import uvicorn

    from baton.runtime.clock import DEMO_CLOCK_VARIABLE, demo_clock
    from baton.runtime.logs import configure_logging, log_config
    from baton.web.app import create_app
    from baton.web.slow_clients import HeaderDeadline
    from baton.web.socket_protocol import LeanWebSockets

    settings = settings_or_exit(config, demo=demo)
    if workers > 1 and not settings.redis_url:
        err_console.print(
            "[bold red]Cannot start:[/] --workers needs redis_url, so that events reach every "
            "process's sockets (set BATON_REDIS_URL=redis://…)"
        )
        raise typer.Exit(2)
    configure_logging(settings.log_format)
    # Uvicorn reads $FORWARDED_ALLOW_IPS itself when given None.
    trusted_proxies = forwarded_allow_ips or settings.forwarded_allow_ips
    url = f"http://{host}:{port}/"
    console.print(f"[bold]Baton[/] on [link={url}]{url}[/link]" + (" (demo)" if demo else ""))
    console.print(
        f"Chat at {url} · console at {url}console · API docs at {url}docs · "
        f"database {settings.database_url}",
        highlight=False,
    )
    if os.environ.get(DEMO_CLOCK_VARIABLE, "").strip():
        console.print(
            f"Clock pinned by {DEMO_CLOCK_VARIABLE}: it starts at "
            f"{os.environ[DEMO_CLOCK_VARIABLE].strip()} and runs on from there",
            highlight=False,
        )
    if workers == 1:
        _serve_metrics_port(settings)
        # No per-message compression: chat frames are small, and its state costs ~47 KiB per
        # connected customer.
        uvicorn.run(
            create_app(settings, server_process=True, clock=demo_clock(os.environ, demo=demo)),
            host=host,
            port=port,
            log_config=log_config(settings.log_format),
            forwarded_allow_ips=trusted_proxies,
            ws_per_message_deflate=False,
            http=HeaderDeadline,
            ws=LeanWebSockets,
        )
        return
    # Every worker builds the app from the same settings; the demo's secret must be shared.
    if config is not None:
        os.environ["BATON_CONFIG_FILE"] = str(config)
    os.environ["BATON_SECRET_KEY"] = settings.secret()
    os.environ.pop("BATON_SECRET_KEY_FILE", None)  # read once above; one source for the workers
    os.environ["BATON_SERVE_DEMO"] = "1" if demo else "0"
    folder, made_here = _metrics_folder()
    try:
        _serve_metrics_port(settings)
        uvicorn.run(
            "baton.web.asgi:create_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_config=log_config(settings.log_format),
            forwarded_allow_ips=trusted_proxies,
            ws_per_message_deflate=False,
            http=HeaderDeadline,
            ws=LeanWebSockets,
            # A spawned worker imports the `baton` command before it can answer the supervisor's
            # health check; on a busy machine that took longer than uvicorn's 5 s, and the worker
            # was killed and restarted ("Child process died") at every start.
            timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
        )
    finally:
        if made_here:
            shutil.rmtree(folder, ignore_errors=True)


def _metrics_folder() -> tuple[Path, bool]:
    """Where the workers write their metric values (PROMETHEUS_MULTIPROC_DIR), emptied first:
    values a previous run left would be added to this run's. The workers, started after this,
    read it from the environment."""
    from baton.runtime.telemetry import MULTIPROCESS_FOLDER

    given = os.environ.get(MULTIPROCESS_FOLDER)
    if given:
        folder = Path(given)
        folder.mkdir(parents=True, exist_ok=True)
        for stale in folder.glob("*.db"):
            stale.unlink()
        return folder, False
    folder = Path(tempfile.mkdtemp(prefix="baton-metrics-"))
    os.environ[MULTIPROCESS_FOLDER] = str(folder)
    return folder, True


def _serve_metrics_port(settings: Settings) -> None:
    """`/metrics` on a port of its own (metrics_port), from this process: with workers, the
    sum over them, read from their files."""
    from prometheus_client import start_http_server

    from baton.runtime.telemetry import metrics_registry

    if settings.metrics_port is None:
        return
    start_http_server(settings.metrics_port, settings.metrics_host, registry=metrics_registry())
    console.print(
        f"Metrics on http://{settings.metrics_host}:{settings.metrics_port}/metrics",
        highlight=False,
    )
