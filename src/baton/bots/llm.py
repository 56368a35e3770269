"""A bot on any OpenAI-compatible chat-completions endpoint (OpenAI, Ollama, vLLM, llama.cpp).

It answers only from the knowledge-base articles the built-in retrieval finds, cites them, and
says so when they do not answer the question: the model replies with a small JSON object, and
anything else (malformed output, no citation of a retrieved article) counts as "cannot answer".
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

import httpx
from pydantic import BaseModel, Field, SecretStr

from baton.bots.base import Answer
from baton.bots.knowledge_base import FALLBACK_TEXT, KnowledgeBaseBot
from baton.domain.articles import Article
from baton.domain.turns import Turn

SYSTEM_PROMPT = """You answer customer questions for {company} using ONLY the articles below.
If the articles do not answer the question, say you cannot answer; never guess or use other
knowledge. Reply with one JSON object and nothing else:
{{"can_answer": true|false, "answer": "<reply to the customer>", "article_ids": ["<ids used>"]}}

Articles:
{articles}"""


class LlmSettings(BaseModel):
    """`[llm]`: an OpenAI-compatible chat-completions endpoint."""

    base_url: str = Field(
        "http://127.0.0.1:11434/v1", description="e.g. https://api.openai.com/v1 or Ollama's /v1."
    )
    api_key: SecretStr | None = Field(
        None, description="Bearer token, when the endpoint needs one."
    )
    model: str = Field("llama3.1", description="The model name the endpoint knows.")
    top_k: int = Field(4, ge=1, le=20, description="Articles given to the model per question.")
    timeout_seconds: float = Field(20.0, gt=0, le=120, description="Per request.")
    max_history_turns: int = Field(6, ge=0, le=40, description="Earlier turns sent along.")


class LlmBot:
    """Retrieval from the knowledge base, wording by the model, honesty checked by us."""

    def __init__(
        self,
        retriever: KnowledgeBaseBot,
        settings: LlmSettings,
        *,
        company_name: str = "our company",
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.retriever = retriever
        self.settings = settings
        self.company_name = company_name
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_seconds)

    def reload(self, articles: Sequence[Article]) -> None:
        self.retriever.reload(articles)

    @property
    def building(self) -> bool:
        """The retriever answers by word matching while its full index is built."""
        return self.retriever.building

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        # Ranking encodes the message (milliseconds): off the event loop.
        ranking = await asyncio.to_thread(self.retriever.rank, message, history)
        articles = [article for article, _ in ranking.ranked[: self.settings.top_k]]
        if not articles:
            return Answer(FALLBACK_TEXT, 0.0, fallback=True)
        reply = await self._complete(message, history, articles)
        by_id = {article.id: article for article in articles}
        cited = [
            by_id[i] for i in reply.get("article_ids", []) if isinstance(i, str) and i in by_id
        ]
        text = reply.get("answer")
        if (
            reply.get("can_answer") is not True
            or not cited
            or not isinstance(text, str)
            or not text
        ):
            return Answer(FALLBACK_TEXT, min(ranking.confidence, 0.2), fallback=True)
        return Answer(
            text.strip(),
            max(ranking.confidence, 0.6),
            fallback=False,
            article_id=cited[0].id,
            article_title=cited[0].title,
        )

    async def _complete(
        self, message: str, history: Sequence[Turn], articles: Sequence[Article]
    ) -> dict[str, Any]:
        listing = "\n\n".join(f"[{a.id}] {a.title}\n{a.answer}" for a in articles)
        messages: list[dict[str, str]] = [
            {
                "role": "system",
                "content": SYSTEM_PROMPT.format(company=self.company_name, articles=listing),
            }
        ]
        for turn in list(history)[-self.settings.max_history_turns :]:
            if turn.role in ("customer", "bot", "agent"):
                role = "user" if turn.role == "customer" else "assistant"
                messages.append({"role": role, "content": turn.text})
        messages.append({"role": "user", "content": message})
        headers = {}
        if self.settings.api_key is not None:
            headers["Authorization"] = f"Bearer {self.settings.api_key.get_secret_value()}"
        response = await self._client.post(
            self.settings.base_url.rstrip("/") + "/chat/completions",
            json={"model": self.settings.model, "messages": messages, "temperature": 0},
            headers=headers,
        )
        response.raise_for_status()  # an error moves the conversation toward a human
        content = response.json()["choices"][0]["message"]["content"]
        return _json_object(content)


def _json_object(content: Any) -> dict[str, Any]:
    """The JSON object in the model's reply (models sometimes wrap it in prose or fences)."""
    if not isinstance(content, str):
        return {}
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end <= start:
        return {}
    try:
        parsed = json.loads(content[start : end + 1])
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
