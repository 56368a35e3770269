"""What the commands share: loading settings with a readable error, the demo's paths."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from baton.config import ConfigError, Settings, load_settings
from baton.domain.business_hours import BusinessHoursSettings

console = Console()
err_console = Console(stderr=True)

ConfigOption = typer.Option(None, "--config", "-c", help="Settings file (default ./baton.toml).")


def settings_or_exit(config: Path | None, *, demo: bool = False) -> Settings:
    try:
        return load_settings(config, demo=demo)
    except ConfigError as exc:
        err_console.print(f"[bold red]Cannot start:[/] {exc}", highlight=False, markup=True)
        raise typer.Exit(2) from None


def apply_demo(settings: Settings) -> Settings:
    """The demo shop's knowledge base, name and hours, wherever the owner set nothing else."""
    defaults = Settings.model_fields
    if settings.kb_path is None:
        settings.kb_path = demo_articles()
    if settings.company_name == defaults["company_name"].default:
        settings.company_name = "Lumen & Loom"
    if settings.business_hours == BusinessHoursSettings():
        settings.business_hours = BusinessHoursSettings(
            timezone="Europe/London",
            weekly={day: ["09:00-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")},
            holidays_country="GB",
        )
    return settings


def demo_articles() -> Path:
    """The demo shop's knowledge base, from a checkout or the current folder."""
    for root in (Path(__file__).resolve().parents[3], Path.cwd()):
        candidate = root / "examples" / "demo-shop" / "articles"
        if candidate.is_dir():
            return candidate
    err_console.print("The demo knowledge base (examples/demo-shop/articles) was not found.")
    raise typer.Exit(2)
