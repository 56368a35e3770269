"""`baton metrics` and `baton demo-data`: handoff quality in the terminal, and a history to try."""

from __future__ import annotations

import asyncio
import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import ConfigOption, console, service_context, settings_or_exit


def demo_data(
    conversations: int = typer.Option(10000, min=1, max=200_000, help="How many conversations."),
    days: int = typer.Option(60, min=1, max=365, help="Spread over the last N days."),
    demo: bool = typer.Option(False, "--demo", help="Write into the demo database."),
    config: Path | None = ConfigOption,
) -> None:
    """Generate a history of conversations and handoffs for the dashboard."""
    from baton.services.demo_data import generate_history

    settings = settings_or_exit(config, demo=demo)

    async def run() -> int:
        async with service_context(settings) as ctx:
            with Progress(console=console) as progress:
                task = progress.add_task("Writing history", total=conversations)
                return await generate_history(
                    ctx,
                    conversations=conversations,
                    days=days,
                    on_progress=lambda n: progress.advance(task, n),
                )

    handoffs = asyncio.run(run())
    console.print(f"Wrote {conversations} conversations with {handoffs} handoffs.")


def metrics(
    start: str | None = typer.Option(None, help="First day, YYYY-MM-DD (default: 30 days ago)."),
    end: str | None = typer.Option(None, help="Last day, YYYY-MM-DD (default: today)."),
    as_json: bool = typer.Option(False, "--json", help="Print the whole report as JSON."),
    demo: bool = typer.Option(False, "--demo", help="Read the demo database."),
    config: Path | None = ConfigOption,
) -> None:
    """Handoff quality: first response, satisfaction, repeat contact, reasons, promises."""
    from baton.services.metrics import build_report, period_of

    settings = settings_or_exit(config, demo=demo)

    async def run() -> dict[str, Any]:
        async with service_context(settings) as ctx:
            period = period_of(
                date.fromisoformat(start) if start else None,
                date.fromisoformat(end) if end else None,
                ctx.clock.now().date(),
            )
            return await build_report(ctx, period)

    report = asyncio.run(run())
    if as_json:
        print(json.dumps(report))
        return
    console.print(_table(report))
    console.print(_reasons_table(report))


def _hours(seconds: float | None) -> str:
    return "—" if seconds is None else f"{seconds / 3600:.1f} h"


def _share(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


def _table(report: dict[str, Any]) -> Table:
    first = report["first_response"]
    table = Table(
        "measure",
        "value",
        title=f"Handoff quality, {report['period']['start'][:10]}"
        f" to {report['period']['end'][:10]}",
    )
    rows = [
        ("conversations", str(report["conversations"])),
        ("handoffs", str(report["handoffs"])),
        ("escalation rate", _share(report["rates"]["escalation_rate"])),
        ("bot containment", _share(report["rates"]["containment_rate"])),
        ("first response, median (business)", _hours(first["median_business_seconds"])),
        ("first response, p90 (business)", _hours(first["p90_business_seconds"])),
        ("within target", _share(first["share_within_target"])),
        ("over 4 hours (business)", str(first["over_business"])),
        ("promises kept", _share(report["promises"]["share_kept"])),
        ("satisfaction (good)", _share(report["satisfaction"]["positive_rate"])),
        ("satisfaction response rate", _share(report["satisfaction"]["response_rate"])),
        ("repeat contact", _share(report["repeat_contact"]["rate"])),
    ]
    for label, value in rows:
        table.add_row(label, value)
    return table


def _reasons_table(report: dict[str, Any]) -> Table:
    """One row per escalation reason, most frequent first; a handoff with several reasons
    counts under each, so the shares may add up to more than 100%."""
    first_by_reason = report["first_response_by"]["reason"]
    satisfaction_by_reason = report["satisfaction_by_reason"]
    handoffs = report["handoffs"]
    table = Table(
        "reason",
        "handoffs",
        "share",
        "satisfaction (good)",
        "first response, median (business)",
        "within target",
        title="Escalation reasons",
        caption="A handoff with several reasons counts under each.",
    )
    ranked = sorted(first_by_reason.items(), key=lambda item: (-item[1]["count"], item[0]))
    for reason, first in ranked:
        count = first["count"]
        table.add_row(
            reason,
            str(count),
            _share(count / handoffs if handoffs else None),
            _share(satisfaction_by_reason.get(reason, {}).get("positive_rate")),
            _hours(first["median_business_seconds"]),
            _share(first["share_within_target"]),
        )
    return table
