"""The `baton` command."""

from __future__ import annotations

import typer

from baton import __version__
from baton.cli import (
    agents,
    check,
    contacts,
    db,
    evaluate,
    kb,
    reports,
    serve,
    setup,
    tokens,
    train,
)

app = typer.Typer(
    no_args_is_help=True, add_completion=False, help="Baton: chatbot-to-human handoff."
)


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"baton {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """Baton: chatbot-to-human handoff."""


app.command()(serve.serve)
app.command()(setup.init)
app.command()(reports.metrics)
app.command("demo-data")(reports.demo_data)
app.add_typer(db.app, name="db")
app.add_typer(kb.app, name="kb")
app.add_typer(check.app, name="check")
app.add_typer(agents.app, name="agent")
app.add_typer(contacts.app, name="contact")
app.add_typer(evaluate.app, name="eval")
app.add_typer(tokens.app, name="token")
app.add_typer(train.app, name="train")
