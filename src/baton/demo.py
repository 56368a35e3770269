"""The demo shop: its knowledge base, name and hours, for `baton serve --demo`."""

from __future__ import annotations

from pathlib import Path

from baton.config import ConfigError, Settings
from baton.domain.business_hours import BusinessHoursSettings


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
    for root in (Path(__file__).resolve().parents[2], Path.cwd()):
        candidate = root / "examples" / "demo-shop" / "articles"
        if candidate.is_dir():
            return candidate
    raise ConfigError("the demo knowledge base (examples/demo-shop/articles) was not found")
