"""The LLM bot and the external HTTP bot, against local servers speaking their protocols."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from baton.bots.base import CURRENT_CONVERSATION
from baton.bots.http_bot import HttpBot, HttpBotSettings
from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from baton.bots.llm import LlmBot, LlmSettings
from baton.domain.articles import Article
from baton.domain.turns import Turn
from baton.services.context import ServiceContext
from baton.services.conversations import (
    ContactIn,
    list_messages,
    receive_customer_message,
    require_conversation,
    start_conversation,
)
from tests.support.local_server import serving

ARTICLES = [
    Article(
        "returns",
        "Returns policy",
        "Return unused items within 30 days for a refund.",
        ("how do I return an item", "can I send something back"),
    ),
    Article(
        "shipping-eu",
        "Shipping to the EU",
        "EU delivery takes 4 to 8 working days.",
        ("how long does delivery to france take", "do you ship to germany"),
    ),
]


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving("tests.support.fake_bots:app") as url:
        yield url


def _last_request(server: str) -> dict[str, Any]:
    seen: dict[str, Any] = httpx.get(server + "/seen").json()
    return seen


def _llm(url: str) -> LlmBot:
    retriever = KnowledgeBaseBot(ARTICLES, KnowledgeBaseSettings())
    return LlmBot(retriever, LlmSettings(base_url=url + "/v1", model="test"), company_name="Acme")


async def test_the_llm_bot_answers_from_the_articles_and_cites_them(server: str) -> None:
    answer = await _llm(server).answer("how do I return an item?", [Turn("customer", "hi")])
    assert (answer.text, answer.fallback, answer.article_id) == (
        "You have 30 days to return it.",
        False,
        "returns",
    )
    system = _last_request(server)["messages"][0]["content"]
    assert "[returns]" in system and "ONLY the articles" in system


async def test_the_llm_bot_says_so_when_the_articles_do_not_answer(server: str) -> None:
    answer = await _llm(server).answer("can you ship to germany by tomorrow?", [])
    assert answer.fallback


async def test_an_llm_citing_nothing_it_was_given_counts_as_cannot_answer(server: str) -> None:
    retriever = KnowledgeBaseBot([ARTICLES[1]], KnowledgeBaseSettings())
    bot = LlmBot(retriever, LlmSettings(base_url=server + "/v1"))
    answer = await bot.answer("return delivery to france", [])
    assert answer.fallback and "Made up" not in answer.text


async def test_an_llm_failure_raises_so_the_conversation_moves_to_a_human(server: str) -> None:
    with pytest.raises(Exception, match="500"):
        await _llm(server).answer("how do I return this, or will it explode", [])


async def test_the_rasa_bot_answers_and_knows_its_limits(server: str) -> None:
    bot = HttpBot(HttpBotSettings(url=server + "/webhooks/rest/webhook"))
    CURRENT_CONVERSATION.set("conversation-7")
    answered = await bot.answer("what are your hours?", [])
    assert (answered.text, answered.fallback) == ("We open at 9.", False)
    assert _last_request(server)["sender"] == "conversation-7"
    assert (await bot.answer("something else", [])).fallback  # an empty reply
    assert (await bot.answer("something weird", [])).fallback  # its own fallback phrase


async def test_a_slow_external_bot_times_out(server: str) -> None:
    bot = HttpBot(HttpBotSettings(url=server + "/webhooks/rest/webhook", timeout_seconds=0.5))
    with pytest.raises(Exception):  # noqa: B017 - httpx's timeout error, whatever its class
        await bot.answer("be slow please", [])


@pytest.mark.parametrize("backend", ["llm", "rasa"])
async def test_a_failing_backend_ends_with_a_human_not_silence(
    ctx: ServiceContext, server: str, backend: str
) -> None:
    if backend == "llm":
        ctx.bot = _llm(server)
        text = "how do I return this, or will it explode"
    else:
        ctx.bot = HttpBot(
            HttpBotSettings(url=server + "/webhooks/rest/webhook", timeout_seconds=0.5)
        )
        text = "be slow please"
    started = await start_conversation(ctx, contact=ContactIn(email="jo@example.com"))
    received = await receive_customer_message(ctx, started.conversation.id, text)
    assert received.bot_job_id is not None
    await ctx.jobs.run_job(received.bot_job_id)
    conversation = await require_conversation(ctx, started.conversation.id)
    assert conversation.state in ("ticket", "queued")
    reply = (await list_messages(ctx, started.conversation.id))[-1]
    assert reply.author == "bot" and "won't need to repeat anything" in reply.body
