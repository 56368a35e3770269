"""`baton kb`: import and list knowledge-base articles."""

from __future__ import annotations

import asyncio
from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import ConfigOption, console, err_console, settings_or_exit

app = typer.Typer(no_args_is_help=True, help="Knowledge-base articles.")


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., exists=True, help="A .md or .jsonl file, or a folder."),
    config: Path | None = ConfigOption,
) -> None:
    """Replace the knowledge base with the articles at PATH; a running Baton reloads it."""
    from baton.bots.kb_loader import load_articles
    from baton.domain.article_files import ArticleFormatError
    from baton.runtime.clock import SystemClock
    from baton.services.knowledge_base import import_articles
    from baton.store.database import create_engine, create_session_factory, upgrade

    settings = settings_or_exit(config)
    files = (
        [path]
        if path.is_file()
        else sorted(p for p in path.rglob("*") if p.suffix in (".md", ".jsonl"))
    )
    with Progress(console=console) as progress:
        task = progress.add_task("Reading articles", total=len(files))
        try:
            articles = load_articles(path, on_file=lambda _p: progress.advance(task))
        except ArticleFormatError as exc:
            progress.stop()
            err_console.print(f"[red]Nothing imported:[/] {exc}", highlight=False)
            raise typer.Exit(1) from None

    async def run() -> int:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            sessions = create_session_factory(engine)
            return await import_articles(
                sessions, [(a, str(path)) for a in articles], now=SystemClock().now()
            )
        finally:
            await engine.dispose()

    count = asyncio.run(run())
    console.print(f"Imported {count} articles from {path}.")


@app.command("list")
def list_command(config: Path | None = ConfigOption) -> None:
    """Show the stored articles."""
    from baton.services.knowledge_base import load_knowledge_base
    from baton.store.database import create_engine, create_session_factory, upgrade

    settings = settings_or_exit(config)

    async def run() -> list[tuple[str, str, int, str]]:
        engine = create_engine(settings.database_url)
        try:
            await upgrade(engine)
            stored = await load_knowledge_base(create_session_factory(engine))
            return [(a.id, a.title, len(a.questions), source) for a, source in stored]
        finally:
            await engine.dispose()

    rows = asyncio.run(run())
    table = Table("id", "title", "questions", "source", title=f"{len(rows)} articles")
    for article_id, title, questions, source in rows:
        table.add_row(article_id, title, str(questions), source)
    console.print(table)
