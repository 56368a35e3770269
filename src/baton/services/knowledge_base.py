"""Knowledge-base use cases: import articles, list them, keep the running bot current."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from baton.domain.articles import Article
from baton.store.articles import articles_version, list_articles, replace_articles
from baton.store.database import SessionFactory


async def import_articles(
    sessions: SessionFactory, articles: Sequence[tuple[Article, str]], *, now: datetime
) -> int:
    """Replace the knowledge base with `articles` in one transaction (all or nothing)."""
    async with sessions() as session, session.begin():
        await replace_articles(session, articles, now=now)
    return len(articles)


async def load_knowledge_base(sessions: SessionFactory) -> list[tuple[Article, str]]:
    async with sessions() as session:
        return await list_articles(session)


async def knowledge_base_version(sessions: SessionFactory) -> tuple[int, datetime | None]:
    async with sessions() as session:
        return await articles_version(session)
