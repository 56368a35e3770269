"""Build the configured bot backend from the settings and the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence

from baton.bots.base import Bot
from baton.bots.knowledge_base import KnowledgeBaseBot
from baton.config import Settings
from baton.domain.articles import Article


def build_bot(settings: Settings, articles: Sequence[Article]) -> Bot:
    return KnowledgeBaseBot(list(articles), settings.bot)
