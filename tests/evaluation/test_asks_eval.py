"""`baton eval asks`: single messages labelled ask / not ask, scored per language."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from baton.cli import app
from baton.evaluation.asks import LabelledAsk, evaluate_asks, load_asks

ROWS = [
    LabelledAsk("1", "en", "Can I talk to a real person please?", True),
    LabelledAsk("2", "en", "Is there an agent fee for bookings?", False),
    LabelledAsk("3", "en", "what are your opening hours", False),
]


def test_asks_are_scored_overall_and_per_language() -> None:
    scores = evaluate_asks(ROWS)
    assert set(scores) == {"all", "en"}
    english = scores["en"]
    assert (english.messages, english.asks) == (3, 1)
    assert english.recall == 1.0
    assert english.false_ask_rate == 0.0
    assert english.missed == []


def test_the_command_prints_json_per_language(tmp_path: Path) -> None:
    path = tmp_path / "asks.jsonl"
    lines = [json.dumps({"id": r.id, "lang": r.lang, "text": r.text, "ask": r.ask}) for r in ROWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert len(load_asks(path)) == 3
    result = CliRunner().invoke(app, ["eval", "asks", str(path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert scores["all"] == {
        "messages": 3,
        "asks": 1,
        "recall": 1.0,
        "false_ask_rate": 0.0,
        "routine": 2,
        "routine_escalated": 0.0,
    }


def test_the_reader_corpus_format_is_read_too(tmp_path: Path) -> None:
    path = tmp_path / "corpus.jsonl"
    lines = [
        {
            "id": "1",
            "lang": "es",
            "text": "quiero hablar con un agente",
            "labels": ["explicit_request"],
        },
        {"id": "2", "lang": "es", "text": "¿a qué hora abrís el sábado?", "labels": []},
        {
            "id": "3",
            "lang": "es",
            "text": "me habéis cobrado dos veces",
            "labels": ["complex_issue"],
        },
    ]
    path.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n")
    result = CliRunner().invoke(app, ["eval", "asks", str(path), "--json"])
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output.strip().splitlines()[-1])
    assert scores["es"]["asks"] == 1
    assert scores["es"]["recall"] == 1.0
    assert scores["es"]["routine"] == 1
    assert scores["es"]["routine_escalated"] == 0.0


def test_a_malformed_file_is_refused_by_name(tmp_path: Path) -> None:
    path = tmp_path / "bad.jsonl"
    path.write_text('{"text": "hi"}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", "asks", str(path)])
    assert result.exit_code == 1
    assert "bad.jsonl" in result.output
