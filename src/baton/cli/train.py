"""`baton train`: fit the models that ship in the package from labelled data in the repository."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import console, err_console

app = typer.Typer(no_args_is_help=True, help="Fit the models shipped with Baton.")

_DEFAULT_DATA = Path("data/reader")
_DEFAULT_OUT = Path(__file__).resolve().parent.parent / "models" / "reader.npz"


@app.command("reader")
def reader_command(
    data: Path = typer.Option(
        _DEFAULT_DATA, "--data", help="Folder of labelled customer messages (*.jsonl)."
    ),
    out: Path = typer.Option(_DEFAULT_OUT, "--out", help="Weights file to write."),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fit (same data and seed, same file)."),
) -> None:
    """Fit the reader on labelled messages; print cross-validated figures per language."""
    try:
        from baton.training.reader import CorpusError, fit_reader, languages, load_corpus
    except ImportError:
        err_console.print(
            "[red]Cannot train:[/] fitting needs scikit-learn: "
            "pip install 'baton-chat-handoff[train]'"
        )
        raise typer.Exit(1) from None
    try:
        examples = load_corpus(data)
    except (OSError, CorpusError) as exc:
        err_console.print(f"[red]Cannot train:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    langs = languages(examples)
    if len(examples) < folds * 2:
        err_console.print(f"[red]Cannot train:[/] {len(examples)} examples are too few")
        raise typer.Exit(1)
    with Progress(console=err_console, transient=True) as progress:
        task = progress.add_task(f"Fitting on {len(examples)} messages", total=3 * (folds + 1))
        arrays, report = fit_reader(
            examples, folds=folds, seed=seed, on_step=lambda _label: progress.advance(task)
        )
    from baton.training.reader import write_weights

    write_weights(out, arrays)
    table = Table(
        "language",
        "messages",
        "label",
        "positives",
        "precision",
        "recall",
        "false rate",
        title=f"Cross-validated ({folds} folds, grouped by business)",
    )
    for lang in ["all", *langs]:
        figures = report.figures.get(lang, {})
        count = sum(1 for ex in examples if lang in ("all", ex.lang))
        for label, fig in figures.items():
            table.add_row(
                lang,
                str(count),
                label,
                str(fig.positives),
                f"{fig.precision:.3f}",
                f"{fig.recall:.3f}",
                f"{fig.false_rate:.3f}",
            )
        routine, escalated = report.routine.get(lang, (0, 0))
        if routine:
            table.add_row(
                lang, str(count), "routine read as any", str(routine), "", "",
                f"{escalated / routine:.3f}",
            )  # fmt: skip
    console.print(table)
    bars = ", ".join(f"{label} {t:.2f}" for label, t in report.bars.items())
    in_use = Table(
        "language", "label", "precision", "recall", "false rate",
        title=f"The same at the bars at which the reader is trusted alone ({bars}): an ask "
        "hands over, trouble is offered a person; before the rules' vetoes",
    )  # fmt: skip
    for lang in ["all", *langs]:
        for label, fig in report.figures_in_use.get(lang, {}).items():
            in_use.add_row(
                lang, label, f"{fig.precision:.3f}", f"{fig.recall:.3f}", f"{fig.false_rate:.3f}"
            )
    console.print(in_use)
    shown = ", ".join(f"{label} {t:.2f}" for label, t in report.thresholds.items())
    console.print(f"thresholds: {shown}")
    console.print(f"wrote {out} ({out.stat().st_size:,} bytes)")


_TOPICS_DATA = Path("data/topics")
_TOPICS_OUT = Path(__file__).resolve().parent.parent / "models" / "topics.npz"


@app.command("topics")
def topics_command(
    data: Path = typer.Option(
        _TOPICS_DATA, "--data", help="Folder of first messages labelled with a topic (*.jsonl)."
    ),
    out: Path = typer.Option(_TOPICS_OUT, "--out", help="Weights file to write."),
    folds: int = typer.Option(5, "--folds", min=2, help="Cross-validation folds."),
    seed: int = typer.Option(0, "--seed", help="Seed of the fit (same data and seed, same file)."),
) -> None:
    """Fit the topic reader; print cross-validated accuracy per language and per topic."""
    try:
        from baton.training.reader import CorpusError, write_weights
        from baton.training.topics import fit_topics, load_topic_corpus
    except ImportError:
        err_console.print(
            "[red]Cannot train:[/] fitting needs scikit-learn: "
            "pip install 'baton-chat-handoff[train]'"
        )
        raise typer.Exit(1) from None
    try:
        examples = load_topic_corpus(data)
        if len(examples) < folds * 2:
            raise CorpusError(f"{len(examples)} examples are too few")
        with Progress(console=err_console, transient=True) as progress:
            task = progress.add_task(f"Fitting on {len(examples)} messages", total=folds + 1)
            arrays, report = fit_topics(
                examples, folds=folds, seed=seed, on_step=lambda: progress.advance(task)
            )
    except (OSError, CorpusError) as exc:
        err_console.print(f"[red]Cannot train:[/] {exc}", highlight=False)
        raise typer.Exit(1) from None
    write_weights(out, arrays)
    title = f"Cross-validated accuracy ({folds} folds, grouped by business)"
    by_language = Table("language", "messages", "accuracy", title=title)
    ordered = sorted(report.per_language.items(), key=lambda kv: (kv[0] != "all", -kv[1][1]))
    for lang, (right, count) in ordered:
        by_language.add_row(lang, str(count), f"{right / count:.3f}")
    console.print(by_language)
    by_topic = Table("topic", "messages", "accuracy (recall)")
    for topic, (right, count) in sorted(report.per_topic.items()):
        by_topic.add_row(topic, str(count), f"{right / count:.3f}")
    console.print(by_topic)
    console.print(f"wrote {out} ({out.stat().st_size:,} bytes)")
