"""`baton agent`: manage the people who answer."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Literal

import typer

from baton.cli.common import ConfigOption, console, err_console, service_context, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Support agents.")


@app.command("add")
def add_command(
    email: str = typer.Argument(..., help="The agent's email (their sign-in name)."),
    name: str = typer.Option(..., "--name", help="Shown to customers, e.g. 'Sam'."),
    password: str = typer.Option(
        ..., "--password", prompt=True, hide_input=True, confirmation_prompt=True
    ),
    role: str = typer.Option("agent", "--role", help="admin or agent."),
    capacity: int = typer.Option(3, "--capacity", min=1, help="Live chats at once."),
    config: Path | None = ConfigOption,
) -> None:
    """Add an agent (the first one should be an admin)."""
    if role not in ("admin", "agent"):
        err_console.print("--role must be admin or agent")
        raise typer.Exit(2)
    from baton.services.agents import create_agent
    from baton.services.errors import UserError

    settings = settings_or_exit(config)

    async def run() -> None:
        async with service_context(settings) as ctx:
            checked_role: Literal["admin", "agent"] = "admin" if role == "admin" else "agent"
            await create_agent(
                ctx,
                email=email,
                name=name,
                password=password,
                role=checked_role,
                capacity=capacity,
            )

    try:
        asyncio.run(run())
    except UserError as exc:
        err_console.print(f"[red]Not added:[/] {exc.message}")
        raise typer.Exit(1) from None
    console.print(f"Added {name} <{email}> as {role}.")
