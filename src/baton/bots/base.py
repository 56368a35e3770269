"""The protocol every bot backend speaks, and the answer it returns."""

from __future__ import annotations

from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Protocol

from baton.domain.turns import Turn


@dataclass(frozen=True, slots=True)
class Answer:
    """A bot's reply. `fallback` is True when the bot says it cannot answer (a knowledge gap);
    `failed` when the backend erred or timed out, and `text` is Baton's own apology."""

    text: str
    confidence: float
    fallback: bool
    article_id: str | None = None
    article_title: str | None = None
    failed: bool = False


class Bot(Protocol):
    async def answer(self, message: str, history: Sequence[Turn]) -> Answer:
        """Answer `message`, given the conversation's earlier turns (oldest first)."""
        ...


# The conversation being answered, for backends that keep state of their own per conversation
# (an external bot's session id); set by the service that calls `answer`.
CURRENT_CONVERSATION: ContextVar[str] = ContextVar("baton_current_conversation", default="")
