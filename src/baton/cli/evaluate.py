"""`baton eval`: measure the bot and the escalation policy on labelled data."""

from __future__ import annotations

import json
import platform
from pathlib import Path
from typing import Any

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import (
    ConfigOption,
    console,
    err_console,
    progress_steps,
    settings_or_exit,
)

app = typer.Typer(no_args_is_help=True, help="Evaluate the bot and the escalation policy.")


def _print(title: str, scores: dict[str, Any], as_json: bool) -> None:
    if as_json:
        # The last line is one JSON object, for scripts.
        print(json.dumps(scores))
        return
    table = Table("score", "value", title=title)
    for key, value in scores.items():
        shown = f"{value:.3f}" if isinstance(value, float) else str(value)
        table.add_row(key, shown)
    console.print(table)
    console.print(
        f"[dim]{platform.processor() or platform.machine()}, Python {platform.python_version()}[/]"
    )


@app.command("kb")
def kb_command(
    kb: Path = typer.Option(..., "--kb", help="Knowledge base: .md/.jsonl file or folder."),
    queries: Path = typer.Option(..., "--queries", help="Queries, JSON Lines (FORMATS.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON line."),
    config: Path | None = ConfigOption,
) -> None:
    """In-scope accuracy, out-of-scope recall and precision, AUROC, time per query."""
    from baton.bots.kb_loader import load_articles
    from baton.domain.article_files import ArticleFormatError
    from baton.evaluation.kb import QueryFormatError, evaluate_kb, load_queries

    settings = settings_or_exit(config, demo=True)
    try:
        articles = load_articles(kb)
        loaded = load_queries(queries)
    except (ArticleFormatError, QueryFormatError) as exc:
        err_console.print(f"[red]Cannot evaluate:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    building = "Building the index"
    if settings.bot.retrieval == "hybrid" and settings.bot.tune_embeddings:
        building += " (tuning the model on new articles takes a minute or two)"
    with Progress(console=err_console, transient=True) as progress:
        built = progress.add_task(building, total=None)
        task = progress.add_task("Answering queries", total=len(loaded), start=False)
        on_step = progress_steps(progress)

        def index_built() -> None:
            progress.update(built, total=1, completed=1)
            progress.start_task(task)

        scores, bot = evaluate_kb(
            articles,
            loaded,
            settings.bot,
            on_query=lambda _q, _a: progress.advance(task),
            on_built=index_built,
            tuned_models=settings.tuned_models_folder,
            index_folder=settings.index_folder,
            on_progress=on_step,
        )
    _print(f"{len(articles)} articles, {len(loaded)} queries", scores.as_dict(), as_json)
    if not as_json:
        calibration = bot.calibration
        if settings.bot.threshold is not None:
            console.print(f"Threshold {bot.threshold:.3f}, set in \\[bot] threshold.")
        elif calibration is not None:
            console.print(f"Calibrated {calibration.describe()}.")
        else:
            console.print(f"Threshold {bot.threshold:.3f}, the default (too few questions).")


@app.command("signals")
def signals_command(
    dataset: Path = typer.Argument(..., help="Labelled conversations, JSON Lines (FORMATS.md)."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON line."),
    config: Path | None = ConfigOption,
) -> None:
    """Recall, false escalation rate, reason recall and time per customer message."""
    from baton.escalation import EscalationSettings
    from baton.evaluation.signals import evaluate_signals, load_conversations

    settings = settings_or_exit(config, demo=True)
    try:
        conversations = load_conversations(dataset)
    except (OSError, ValueError, KeyError) as exc:
        err_console.print(f"[red]Cannot evaluate:[/] {dataset}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    chosen = EscalationSettings(signals=settings.signals, policy=settings.policy)
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("Replaying conversations", total=len(conversations))
        scores = evaluate_signals(
            conversations, chosen, on_conversation=lambda _r: progress.advance(task)
        )
    _print(f"{len(conversations)} conversations", scores.as_dict(), as_json)


@app.command("asks")
def asks_command(
    dataset: Path = typer.Argument(..., help="Messages labelled ask / not ask, JSON Lines."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON line."),
    config: Path | None = ConfigOption,
) -> None:
    """Explicit asks for a person: recall and false asks, overall and per language."""
    from baton.escalation import EscalationSettings
    from baton.evaluation.asks import evaluate_asks, load_asks

    settings = settings_or_exit(config, demo=True)
    try:
        rows = load_asks(dataset)
    except (OSError, ValueError, KeyError) as exc:
        err_console.print(f"[red]Cannot evaluate:[/] {dataset}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    chosen = EscalationSettings(signals=settings.signals, policy=settings.policy)
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("Reading messages", total=len(rows))
        scores = evaluate_asks(rows, chosen, on_message=lambda: progress.advance(task))
    if as_json:
        print(json.dumps({lang: score.as_dict() for lang, score in scores.items()}))
        return
    table = Table(
        "language",
        "messages",
        "asks",
        "recall",
        "false asks",
        "routine",
        "routine escalated",
        title="Explicit asks",
    )
    for lang, score in scores.items():
        table.add_row(
            lang,
            str(score.messages),
            str(score.asks),
            f"{score.recall:.3f}",
            f"{score.false_ask_rate:.3f}",
            str(score.routine),
            f"{score.routine_escalated_rate:.3f}",
        )
    console.print(table)


@app.command("topics")
def topics_command(
    dataset: Path = typer.Argument(..., help="Messages labelled with a topic, JSON Lines."),
    as_json: bool = typer.Option(False, "--json", help="Print the scores as one JSON line."),
) -> None:
    """Topic reader: accuracy overall, per language and per topic, and the commonest mistakes."""
    from baton.evaluation.topics import evaluate_topics, load_topics

    try:
        rows = load_topics(dataset)
    except (OSError, ValueError) as exc:
        err_console.print(f"[red]Cannot evaluate:[/] {dataset}: {exc}", highlight=False)
        raise typer.Exit(1) from None
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task("Reading messages", total=len(rows))
        scores = evaluate_topics(rows, on_message=lambda: progress.advance(task))
    if as_json:
        print(json.dumps(scores.as_dict()))
        return
    by_language = Table(
        "language", "messages", "accuracy", title=f"Topics: accuracy {scores.accuracy:.3f}"
    )
    by_language.add_row("all", str(scores.overall.messages), f"{scores.accuracy:.3f}")
    for lang, tally in sorted(scores.per_language.items()):
        by_language.add_row(lang, str(tally.messages), f"{tally.accuracy:.3f}")
    console.print(by_language)
    by_topic = Table("topic", "messages", "read as it")
    for topic, tally in sorted(scores.per_topic.items()):
        by_topic.add_row(topic, str(tally.messages), f"{tally.accuracy:.3f}")
    console.print(by_topic)
    mistakes = Table("labelled", "read as", "messages", title="Most frequent mistakes")
    for labelled, read, count in scores.top_confusions():
        mistakes.add_row(labelled, read, str(count))
    console.print(mistakes)
