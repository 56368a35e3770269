"""`baton eval kb`: the scores, the AUROC and the queries file."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from baton.bots.knowledge_base import KnowledgeBaseSettings
from baton.evaluation.kb import KbQuery, QueryFormatError, auroc, evaluate_kb, load_queries
from tests.bots.kb_fixtures import SHOP


def test_auroc_on_known_values() -> None:
    positive = np.array([True, True, False, False])
    assert auroc(np.array([0.9, 0.8, 0.2, 0.1]), positive) == 1.0
    assert auroc(np.array([0.1, 0.2, 0.8, 0.9]), positive) == 0.0
    # Positives 0.8 and 0.4, negatives 0.6 and 0.2: 3 of 4 pairs in order.
    assert auroc(np.array([0.8, 0.4, 0.6, 0.2]), positive) == 0.75
    # Ties count half.
    assert auroc(np.array([0.5, 0.5, 0.5, 0.5]), positive) == 0.5
    assert auroc(np.array([0.7, 0.5, 0.5, 0.1]), positive) == pytest.approx(0.875)
    assert auroc(np.array([0.1, 0.2]), np.array([True, True])) is None


def test_evaluate_scores_the_bot() -> None:
    queries = [
        KbQuery("how do I reset my password", "password"),
        KbQuery("when will my order arrive", "shipping"),
        KbQuery("do you sell gift cards", "refunds"),  # answered, but with another article
        KbQuery("can I bring my dog to the office party", None),
    ]
    seen: list[str] = []
    scores, bot = evaluate_kb(
        SHOP,
        queries,
        KnowledgeBaseSettings(),
        on_query=lambda q, _a: seen.append(q.text),
        on_built=lambda: seen.append("index built"),
    )
    assert seen == ["index built", *(q.text for q in queries)]
    assert scores.queries == 4
    assert scores.in_scope_accuracy == pytest.approx(2 / 3)
    assert scores.in_scope_before_threshold == pytest.approx(2 / 3)
    assert scores.threshold == bot.threshold
    assert scores.oos_recall == 1.0
    assert scores.oos_precision == 1.0
    assert scores.auroc == 1.0
    assert 0 < scores.p50_ms <= scores.p99_ms
    assert set(scores.as_dict()) == {
        "queries", "in_scope_accuracy", "in_scope_before_threshold", "threshold", "oos_recall",
        "oos_precision", "auroc", "p50_ms", "p99_ms",
    }  # fmt: skip


def test_in_scope_before_the_threshold_counts_answers_held_back() -> None:
    queries = [KbQuery("how do I reset my password", "password")]
    strict = KnowledgeBaseSettings(threshold=1.0)
    scores, _ = evaluate_kb(SHOP, queries, strict)
    assert scores.in_scope_accuracy == 0.0
    assert scores.in_scope_before_threshold == 1.0


def test_load_queries(tmp_path: Path) -> None:
    path = tmp_path / "queries.jsonl"
    path.write_text(
        json.dumps({"text": "how long do refunds take", "expect": "refunds"})
        + "\n\n"
        + json.dumps({"text": "weather in Oslo", "expect": None})
        + "\n",
        encoding="utf-8",
    )
    assert load_queries(path) == [
        KbQuery("how long do refunds take", "refunds"),
        KbQuery("weather in Oslo", None),
    ]
    path.write_text('{"text": "x", "expect": "a"}\n{"text": 3}\n', encoding="utf-8")
    with pytest.raises(QueryFormatError, match=r"queries.jsonl, line 2: 'text' must be text"):
        load_queries(path)
