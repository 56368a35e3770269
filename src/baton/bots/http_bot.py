"""Your own bot over HTTP (Rasa's REST channel, or a simple JSON format), with Baton doing the
handoff around it.

Rasa REST: POST `{"sender": id, "message": text}` → `[{"recipient_id": id, "text": "..."}]`.
Simple format: POST `{"conversation_id", "message", "history"}` → `{"text", "confidence",
"fallback"}`. An empty reply, a configured fallback phrase, or `fallback: true` counts as "cannot
answer"; a timeout or error moves the conversation toward a human.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any, Literal

import httpx
from pydantic import BaseModel, Field, SecretStr

from baton.bots.base import CURRENT_CONVERSATION, Answer
from baton.domain.turns import Turn

DEFAULT_FALLBACKS = [
    r"\bI (?:don't|do not|didn't|did not) (?:understand|know)\b",
    r"\bcannot help you with\b",
    r"\bsorry, I (?:can't|cannot)\b",
    r"\brephrase\b",
]


class HttpBotSettings(BaseModel):
    """`[http_bot]`: an external bot Baton calls for every customer message."""

    url: str = Field(
        "http://127.0.0.1:5005/webhooks/rest/webhook", description="The bot's endpoint."
    )
    format: Literal["rasa", "simple"] = Field("rasa", description="Request and reply shape.")
    token: SecretStr | None = Field(None, description="Sent as a Bearer token when set.")
    timeout_seconds: float = Field(8.0, gt=0, le=120, description="Per request.")
    fallback_patterns: list[str] = Field(
        default_factory=lambda: list(DEFAULT_FALLBACKS),
        description="Replies matching any of these regular expressions mean 'cannot answer'.",
    )


class HttpBot:
    def __init__(
        self, settings: HttpBotSettings, *, client: httpx.AsyncClient | None = None
    ) -> None:
        self.settings = settings
        self._fallbacks = [re.compile(p, re.IGNORECASE) for p in settings.fallback_patterns]
        self._client = client or httpx.AsyncClient(timeout=settings.timeout_seconds)

    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        headers = {}
        if self.settings.token is not None:
            headers["Authorization"] = f"Bearer {self.settings.token.get_secret_value()}"
        # The external bot keeps its own session per conversation.
        key = CURRENT_CONVERSATION.get() or "baton"
        if self.settings.format == "rasa":
            body: dict[str, Any] = {"sender": key, "message": message}
        else:
            body = {
                "conversation_id": key,
                "message": message,
                "history": [{"role": t.role, "text": t.text} for t in history],
            }
        response = await self._client.post(self.settings.url, json=body, headers=headers)
        response.raise_for_status()  # an error or timeout moves the conversation toward a human
        data = response.json()
        if self.settings.format == "rasa":
            texts = [
                str(item["text"]) for item in data if isinstance(item, dict) and item.get("text")
            ]
            text, confidence, fallback = "\n\n".join(texts), 0.8, not texts
        else:
            text = str(data.get("text") or "")
            confidence = float(data.get("confidence", 0.8))
            fallback = bool(data.get("fallback")) or not text
        if fallback or any(pattern.search(text) for pattern in self._fallbacks):
            return Answer(
                text or "I'm sorry — I can't answer that one.", min(confidence, 0.2), True
            )
        return Answer(text, confidence, fallback=False)
