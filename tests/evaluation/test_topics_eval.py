"""`baton eval topics`: first messages labelled with a topic, scored overall, per language and
per topic, with the commonest mistakes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from baton.cli import app

ROWS = [
    {"id": "1", "lang": "en", "business": "shop", "text": "where is my refund?", "topic": "refund"},
    {
        "id": "2",
        "lang": "fr",
        "business": "saas",
        "text": "je n'arrive plus à me connecter à mon compte",
        "topic": "account_access",
    },
    # Labelled wrongly on purpose: a mistake the scores must show.
    {
        "id": "3",
        "lang": "en",
        "business": "gym",
        "text": "I want to cancel my membership",
        "topic": "pricing",
    },
]


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    path.write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return path


def test_the_command_prints_the_scores_as_json(tmp_path: Path) -> None:
    path = _write(tmp_path / "topics.jsonl", ROWS)
    result = CliRunner().invoke(app, ["eval", "topics", str(path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert scores["messages"] == 3
    assert scores["accuracy"] == round(2 / 3, 3)
    assert scores["per_language"] == {
        "en": {"messages": 2, "accuracy": 0.5},
        "fr": {"messages": 1, "accuracy": 1.0},
    }
    assert scores["per_topic"]["pricing"] == {"messages": 1, "accuracy": 0.0}
    assert scores["per_topic"]["refund"] == {"messages": 1, "accuracy": 1.0}
    assert scores["confusions"] == [{"topic": "pricing", "read_as": "cancellation", "messages": 1}]


def test_the_tables_name_the_mistakes(tmp_path: Path) -> None:
    path = _write(tmp_path / "topics.jsonl", ROWS)
    result = CliRunner().invoke(app, ["eval", "topics", str(path)])
    assert result.exit_code == 0, result.output
    assert "Most frequent mistakes" in result.output
    assert "cancellation" in result.output


def test_a_bad_line_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path / "topics.jsonl", [*ROWS[:1], {"text": "hi", "topic": "weather"}])
    result = CliRunner().invoke(app, ["eval", "topics", str(path)])
    assert result.exit_code == 1
    assert "topics.jsonl:2" in result.output
