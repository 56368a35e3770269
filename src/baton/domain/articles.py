"""A knowledge-base article, the unit the bot answers from."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Article:
    id: str
    title: str
    answer: str
    questions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
