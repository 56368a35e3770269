"""`baton check`: refuse settings that would break a handoff before anyone meets them."""

from __future__ import annotations

from pathlib import Path

import typer

from baton.cli.common import ConfigOption, console, err_console, script_problems, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Check settings and scripts.")


@app.command("scripts")
def scripts_command(config: Path | None = ConfigOption) -> None:
    """Check the handoff scripts: specific times, warm wording, the no-repeat reassurance.

    Every problem, in `[scripts.templates]` or the folder, is printed on its own line; any
    problem exits with 1."""
    settings = settings_or_exit(config, demo=True, check_scripts=False)
    problems = script_problems(settings)
    if problems:
        for problem in problems:
            err_console.print(f"[red]✗[/] {problem}", highlight=False)
        raise typer.Exit(1)
    console.print("Scripts are fine: every handoff message is warm, specific and reassuring.")
