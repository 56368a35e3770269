"""Build the configured bot backend from the settings and the knowledge base."""

from __future__ import annotations

from collections.abc import Sequence

from baton.bots.base import Bot
from baton.bots.http_bot import HttpBot
from baton.bots.knowledge_base import KnowledgeBaseBot
from baton.bots.llm import LlmBot
from baton.config import Settings
from baton.domain.articles import Article


def build_bot(
    settings: Settings, articles: Sequence[Article], *, word_matching_first: bool = False
) -> Bot:
    """The configured backend; `word_matching_first`: see `KnowledgeBaseBot`."""
    if settings.bot_backend == "http":
        return HttpBot(settings.http_bot)
    knowledge_base = KnowledgeBaseBot(
        list(articles),
        settings.bot,
        tuned_models=settings.tuned_models_folder,
        index_folder=settings.index_folder,
        word_matching_first=word_matching_first,
    )
    if settings.bot_backend == "llm":
        return LlmBot(knowledge_base, settings.llm, company_name=settings.company_name)
    return knowledge_base
