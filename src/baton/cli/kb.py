"""`baton kb`: import and list knowledge-base articles."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import ConfigOption, console, err_console, progress_steps, settings_or_exit

if TYPE_CHECKING:
    from baton.config import Settings
    from baton.domain.articles import Article

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
    _prepare_index(settings, articles)


def _prepare_index(settings: Settings, articles: list[Article]) -> None:
    """Encode the articles and calibrate the threshold now, saved beside the database, so a
    server (this one running, or the next to start) builds its index in a moment."""
    from baton.bots.knowledge_base import KnowledgeBaseBot

    if settings.bot_backend == "http" or settings.bot.retrieval == "hybrid":
        return
    with Progress(console=console) as progress:
        bot = KnowledgeBaseBot(
            articles,
            settings.bot,
            index_folder=settings.index_folder,
            on_progress=progress_steps(progress),
        )
    calibration = bot.calibration
    if settings.bot.threshold is not None:
        console.print(f"Threshold {bot.threshold:.3f}, as \\[bot] threshold sets it.")
    elif calibration is not None:
        console.print(f"Calibrated {calibration.describe()}.", highlight=False)
    else:
        console.print(
            f"Threshold {bot.threshold:.3f}, the default: too few questions to calibrate one "
            "(add questions in your customers' words)."
        )


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
