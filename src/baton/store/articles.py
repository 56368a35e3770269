"""Knowledge-base article queries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select

from baton.domain.articles import Article
from baton.store.database import AsyncSession
from baton.store.tables import ArticleRow


async def replace_articles(
    session: AsyncSession, articles: Sequence[tuple[Article, str]], *, now: datetime
) -> None:
    """Make the stored knowledge base exactly `articles` (each with its source file)."""
    await session.execute(delete(ArticleRow))
    session.add_all(
        ArticleRow(
            id=article.id,
            title=article.title,
            answer=article.answer,
            questions=list(article.questions),
            tags=list(article.tags),
            source=source,
            updated_at=now,
        )
        for article, source in articles
    )


async def list_articles(session: AsyncSession) -> list[tuple[Article, str]]:
    rows = (await session.scalars(select(ArticleRow).order_by(ArticleRow.id))).all()
    return [
        (Article(r.id, r.title, r.answer, tuple(r.questions), tuple(r.tags)), r.source)
        for r in rows
    ]


async def articles_version(session: AsyncSession) -> tuple[int, datetime | None]:
    """Changes whenever the knowledge base does: cheap enough to poll."""
    row = (await session.execute(select(func.count(), func.max(ArticleRow.updated_at)))).one()
    return int(row[0]), row[1]
