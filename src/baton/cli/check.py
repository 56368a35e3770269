"""`baton check`: refuse settings that would break a handoff before anyone meets them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from baton.cli.common import ConfigOption, console, err_console, settings_or_exit

if TYPE_CHECKING:
    from baton.config import Settings

app = typer.Typer(no_args_is_help=True, help="Check settings and scripts.")


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


@app.command("scripts")
def scripts_command(config: Path | None = ConfigOption) -> None:
    """Check the handoff scripts: specific times, warm wording, the no-repeat reassurance."""
    settings = settings_or_exit(config, demo=True)
    problems = script_problems(settings)
    if problems:
        for problem in problems:
            err_console.print(f"[red]✗[/] {problem}", highlight=False)
        raise typer.Exit(1)
    console.print("Scripts are fine: every handoff message is warm, specific and reassuring.")
