"""What the commands share: loading settings with a readable error, the demo's paths."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from baton.config import ConfigError, Settings, load_settings
from baton.demo import apply_demo

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
