"""The knowledge-base bot: answers, honest fallbacks, follow-ups, reloads, settings."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from pydantic import ValidationError

from baton.bots.base import Answer
from baton.bots.knowledge_base import (
    FALLBACK_TEXT,
    INLINE_ARTICLES,
    KnowledgeBaseBot,
    KnowledgeBaseSettings,
)
from baton.domain.articles import Article
from baton.domain.turns import Turn
from tests.bots.kb_fixtures import SHOP


def bot(articles: list[Article] = SHOP, **settings: object) -> KnowledgeBaseBot:
    return KnowledgeBaseBot(articles, KnowledgeBaseSettings.model_validate(settings))


async def test_answers_with_the_article() -> None:
    answer = await bot().answer("I forgot my password, how can I reset it?", [])
    assert not answer.fallback
    assert (answer.article_id, answer.article_title) == ("password", "Reset your password")
    assert answer.text == SHOP[2].answer
    assert 0.0 <= answer.confidence <= 1.0


async def test_out_of_scope_falls_back_without_guessing() -> None:
    answer = await bot().answer("Can I bring my dog to the office party?", [])
    assert answer.fallback
    assert answer.text == FALLBACK_TEXT
    assert answer.article_id is None


async def test_threshold_decides() -> None:
    message = "how long does delivery take"
    assert not (await bot(threshold=0.0).answer(message, [])).fallback
    assert (await bot(threshold=1.0).answer(message, [])).fallback


async def test_follow_up_reads_the_earlier_customer_message() -> None:
    history = [
        Turn("customer", "I want to return my order and get a refund"),
        Turn("bot", SHOP[0].answer, outcome="answered"),
    ]
    alone = await bot().answer("and how long does that take?", [])
    followed = await bot().answer("and how long does that take?", history)
    assert followed.article_id == "refunds"
    assert not followed.fallback
    assert alone.article_id != "refunds" or alone.fallback

    no_history = await bot(max_history_turns=0).answer("and how long does that take?", history)
    assert no_history.article_id != "refunds" or no_history.fallback


async def test_new_topic_is_not_pulled_back_to_the_old_one() -> None:
    history = [Turn("customer", "how do refunds work")]
    answer = await bot().answer("do you sell gift cards?", history)
    assert answer.article_id == "gift-cards"


async def test_reload_swaps_the_knowledge_base() -> None:
    kb_bot = bot()
    assert (await kb_bot.answer("do you sell gift cards?", [])).article_id == "gift-cards"
    kb_bot.reload(
        [Article(id="vouchers", title="Gift cards", answer="No more gift cards, sorry.",
                 questions=("do you sell gift cards",))]
    )  # fmt: skip
    answer = await kb_bot.answer("do you sell gift cards?", [])
    assert (answer.article_id, answer.text) == ("vouchers", "No more gift cards, sorry.")
    assert (await kb_bot.answer("how do I reset my password", [])).fallback


def test_custom_synonyms_and_validation() -> None:
    kb = [Article(id="parcel", title="Lost parcel", answer="We resend it.",
                  questions=("my parcel is lost",))]  # fmt: skip
    assert bot(kb, synonyms={"package": "parcel"}).respond("my package is lost").article_id == (
        "parcel"
    )
    with pytest.raises(ValidationError):
        KnowledgeBaseSettings.model_validate({"threshold": 1.5})
    assert all(f.description for f in KnowledgeBaseSettings.model_fields.values())


async def test_unknown_question_after_a_known_one_still_falls_back() -> None:
    history = [Turn("customer", "how long does delivery take")]
    answer = await bot().answer("can I pay with bitcoin?", history)
    assert answer.fallback


def test_default_bot_does_not_load_the_embedding_stack() -> None:
    code = (
        "import sys\n"
        "from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings\n"
        "from baton.domain.articles import Article\n"
        "bot = KnowledgeBaseBot([Article('a', 'Refunds', 'Yes.')], KnowledgeBaseSettings())\n"
        "bot.respond('refunds')\n"
        "print('torch' in sys.modules, 'sentence_transformers' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["False", "False"]


async def test_what_about_follow_up_keeps_the_topic() -> None:
    assert (await bot().answer("what about for Europe?", [])).fallback
    history = [Turn("customer", "what does shipping cost"), Turn("bot", SHOP[1].answer)]
    answer = await bot().answer("what about for Europe?", history)
    assert answer.article_id == "shipping"


def test_of_two_reloads_at_once_the_later_one_wins_whatever_ends_first() -> None:
    import threading

    kb_bot = bot(SHOP[:1])
    build = kb_bot._build
    release_older = threading.Event()

    def slow_for_the_older(articles: list[Article]) -> object:
        if len(articles) == 2:
            release_older.wait(timeout=30)
        return build(articles)

    kb_bot._build = slow_for_the_older  # type: ignore[method-assign,assignment]
    older = threading.Thread(target=kb_bot.reload, args=(SHOP[:2],))
    older.start()
    kb_bot.reload(SHOP)  # started later, ends first
    release_older.set()
    older.join()
    assert kb_bot.rank("do you sell gift cards?").best.id == "gift-cards"  # type: ignore[union-attr]


def test_word_matching_first_waits_only_for_an_index_not_ready_on_disk(tmp_path: Path) -> None:
    bm25 = KnowledgeBaseSettings(retrieval="bm25")
    assert not KnowledgeBaseBot(SHOP, bm25, word_matching_first=True).building
    semantic = KnowledgeBaseSettings()
    waiting = KnowledgeBaseBot(SHOP, semantic, index_folder=tmp_path, word_matching_first=True)
    assert waiting.building
    waiting.reload(SHOP)  # what the server does in the background; saves the index
    assert not waiting.building
    ready = KnowledgeBaseBot(SHOP, semantic, index_folder=tmp_path, word_matching_first=True)
    assert not ready.building
    assert ready.threshold == waiting.threshold


async def test_a_big_knowledge_base_is_ranked_off_the_event_loop() -> None:
    threads: list[str] = []

    class Watched(KnowledgeBaseBot):
        def respond(self, message: str, history: Sequence[Turn] = ()) -> Answer:
            threads.append(threading.current_thread().name)
            return super().respond(message, history)

    bm25 = KnowledgeBaseSettings(retrieval="bm25")
    small = Watched(SHOP, bm25)
    big = Watched(
        [
            Article(id=f"a{n}", title=f"Topic {n} parcel", answer=f"Answer {n}.")
            for n in range(INLINE_ARTICLES + 1)
        ],
        bm25,
    )
    by_meaning = Watched(SHOP, KnowledgeBaseSettings())
    await small.answer("Where is my parcel?", [])
    await big.answer("Where is my parcel?", [])
    await by_meaning.answer("Where is my parcel?", [])
    assert threads[0] == threading.current_thread().name  # a small one answers at once
    assert threads[1] != threading.current_thread().name
    assert threads[2] != threading.current_thread().name  # encoding the message takes ms
