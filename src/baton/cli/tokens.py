"""`baton token`: API tokens for other systems (an external bot starting handoffs)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from baton.cli.common import ConfigOption, console, err_console, service_context, settings_or_exit
from baton.domain.api_scopes import SCOPES

if TYPE_CHECKING:
    from baton.services.api_tokens import CreatedToken
    from baton.store.tables import ApiToken

app = typer.Typer(no_args_is_help=True, help="API tokens for server-to-server calls.")


@app.command("add")
def add_command(
    name: str = typer.Argument(..., help="Who uses it, e.g. 'support-bot'."),
    scope: list[str] = typer.Option(
        ..., "--scope", help=f"What it may do (repeat for more): {', '.join(SCOPES)}."
    ),
    config: Path | None = ConfigOption,
) -> None:
    """Make a token; it is printed this once and never stored, only its hash."""
    from baton.services.api_tokens import create_api_token
    from baton.services.errors import UserError

    settings = settings_or_exit(config)

    async def run() -> CreatedToken:
        async with service_context(settings) as ctx:
            return await create_api_token(ctx, name, scope)

    try:
        created = asyncio.run(run())
    except UserError as exc:
        err_console.print(f"[red]Not added:[/] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    err_console.print(
        f"Added token {created.token.name!r} (id {created.token.id}) with "
        f"{', '.join(created.token.scopes)}. Keep it now: it is not shown again.",
        highlight=False,
    )
    # Alone on stdout, so a script can capture it: TOKEN=$(baton token add ...).
    print(created.secret)


@app.command("list")
def list_command(config: Path | None = ConfigOption) -> None:
    """Every token: its id, name, scopes, last use, and whether it is revoked."""
    from baton.services.api_tokens import list_api_tokens

    settings = settings_or_exit(config)

    async def run() -> list[ApiToken]:
        async with service_context(settings) as ctx:
            return await list_api_tokens(ctx)

    rows = asyncio.run(run())
    if not rows:
        console.print("No API tokens. Add one with `baton token add NAME --scope ...`.")
        return
    table = Table()
    # The id is what `revoke` takes, and the name and status what people look for: never cut.
    table.add_column("id", no_wrap=True, min_width=36)
    table.add_column("name", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("scopes", overflow="fold")
    table.add_column("last used")
    for row in rows:
        table.add_row(
            row.id,
            row.name,
            "revoked" if row.revoked_at else "active",
            " ".join(row.scopes),
            row.last_used_at.isoformat(timespec="minutes") if row.last_used_at else "never",
        )
    console.print(table)


@app.command("revoke")
def revoke_command(
    token_id: str = typer.Argument(..., help="The token's id (see `baton token list`)."),
    config: Path | None = ConfigOption,
) -> None:
    """Stop a token from working, at once."""
    from baton.services.api_tokens import revoke_api_token
    from baton.services.errors import UserError

    settings = settings_or_exit(config)

    async def run() -> ApiToken:
        async with service_context(settings) as ctx:
            return await revoke_api_token(ctx, token_id)

    try:
        row = asyncio.run(run())
    except UserError as exc:
        err_console.print(f"[red]Not revoked:[/] {exc.message}", highlight=False)
        raise typer.Exit(1) from None
    console.print(f"Revoked {row.name!r} ({row.id}).", highlight=False)
