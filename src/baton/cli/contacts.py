"""`baton contact`: a person's data on request — find, export, forget."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import typer
from rich.table import Table

from baton.cli.common import ConfigOption, console, err_console, service_context, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="A person's data: find, export, forget.")


@app.command("find")
def find_command(
    email: str = typer.Argument(..., help="The person's email address."),
    config: Path | None = ConfigOption,
) -> None:
    """List the contact records with this email (one person may have several)."""
    from baton.services.privacy import find_contacts

    settings = settings_or_exit(config)

    async def run() -> list[dict[str, object]]:
        async with service_context(settings) as ctx:
            return await find_contacts(ctx, email)

    found = asyncio.run(run())
    if not found:
        console.print(f"No contact with the email {email}.", highlight=False)
        return
    table = Table("name", "email", "conversations", "since")
    # The id is what the other commands take: never wrapped or cut.
    table.add_column("contact id", no_wrap=True, min_width=36)
    for contact in found:
        table.add_row(
            str(contact["name"] or ""),
            str(contact["email"]),
            str(contact["conversations"]),
            str(contact["created_at"])[:10],
            str(contact["id"]),
        )
    console.print(table)


@app.command("export")
def export_command(
    contact_id: str = typer.Argument(..., help="The contact's id (see `baton contact find`)."),
    out: Path | None = typer.Option(None, "--out", "-o", help="Write the JSON here."),
    config: Path | None = ConfigOption,
) -> None:
    """Everything Baton holds about one contact, as JSON."""
    from baton.services.errors import UserError
    from baton.services.privacy import export_contact

    settings = settings_or_exit(config)

    async def run() -> dict[str, object]:
        async with service_context(settings) as ctx:
            return await export_contact(ctx, contact_id)

    try:
        bundle = asyncio.run(run())
    except UserError as exc:
        err_console.print(f"[red]Not exported:[/] {exc.message}")
        raise typer.Exit(1) from None
    text = json.dumps(bundle, indent=2, ensure_ascii=False)
    if out is None:
        print(text)
    else:
        out.write_text(text + "\n", encoding="utf-8")
        console.print(f"Wrote {out}.")


@app.command("forget")
def forget_command(
    contact_id: str = typer.Argument(..., help="The contact's id (see `baton contact find`)."),
    yes: bool = typer.Option(False, "--yes", help="Do not ask to confirm."),
    config: Path | None = ConfigOption,
) -> None:
    """Remove one contact and everything about them, for good."""
    from baton.services.errors import UserError
    from baton.services.privacy import forget_contact

    settings = settings_or_exit(config)
    if not yes:
        typer.confirm(
            f"Remove contact {contact_id}, their conversations, messages and emails?", abort=True
        )

    async def run() -> dict[str, int]:
        async with service_context(settings) as ctx:
            tombstone = await forget_contact(ctx, contact_id, requested_by="command line")
            return dict(tombstone.removed)

    try:
        removed = asyncio.run(run())
    except UserError as exc:
        err_console.print(f"[red]Nothing removed:[/] {exc.message}")
        raise typer.Exit(1) from None
    summary = ", ".join(f"{count} {name.replace('_', ' ')}" for name, count in removed.items())
    console.print(f"Forgotten: {summary}.", highlight=False)
