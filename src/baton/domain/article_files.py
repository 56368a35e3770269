"""Read knowledge-base articles from the text of Markdown and JSON Lines files.

Pure parsing: the caller reads the file and passes its text with a source name (the path as
the site owner wrote it), which every error repeats so the owner knows where to look.

A Markdown article has YAML front matter between `---` lines, and its body is the answer:

    ---
    id: refund-policy
    title: Refund policy
    questions:
      - can I get my money back
    tags: [billing]
    ---
    You can ask for a refund within 30 days ...

A JSON Lines file holds one article per line with the same keys, the answer under `answer`.
Unknown keys are ignored so that files exported from other tools still load.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import yaml

from baton.domain.articles import Article

FRONT_MATTER = "---"


class ArticleFormatError(Exception):
    """An article file that cannot be used; names the file, the line (when known) and why."""

    def __init__(self, source: str, line: int | None, problem: str) -> None:
        self.source = source
        self.line = line
        self.problem = problem
        where = source if line is None else f"{source}, line {line}"
        super().__init__(f"{where}: {problem}")


class LocatedArticle(NamedTuple):
    """An article with the file and line it was read from, for error messages."""

    article: Article
    source: str
    line: int


def parse_markdown_article(text: str, source: str) -> Article:
    """Parse one Markdown article (YAML front matter, then the answer)."""
    return locate_markdown_article(text, source).article


def parse_jsonl_articles(text: str, source: str) -> list[Article]:
    """Parse a JSON Lines file of articles; ids must be unique within it."""
    located = locate_jsonl_articles(text, source)
    check_unique_ids(located)
    return [item.article for item in located]


def locate_markdown_article(text: str, source: str) -> LocatedArticle:
    """Like `parse_markdown_article`, keeping the line where the article starts."""
    lines = text.removeprefix("\ufeff").splitlines()
    if not lines or lines[0].strip() != FRONT_MATTER:
        raise ArticleFormatError(source, 1, "expected front matter starting with a '---' line")
    closing = next((i for i in range(1, len(lines)) if lines[i].strip() == FRONT_MATTER), None)
    if closing is None:
        raise ArticleFormatError(source, 1, "front matter has no closing '---' line")
    header = "\n".join(lines[1:closing])
    try:
        fields = yaml.safe_load(header) if header.strip() else {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        # The YAML starts on the file's second line; marks count from 0.
        line = mark.line + 2 if mark is not None else 1
        problem = getattr(exc, "problem", None) or "not valid YAML"
        raise ArticleFormatError(
            source, line, f"front matter is not valid YAML: {problem}"
        ) from None
    if not isinstance(fields, dict):
        raise ArticleFormatError(source, 2, "front matter must be key: value pairs")
    key_lines = _key_lines(lines[1:closing], first_line=2)
    body = "\n".join(lines[closing + 1 :]).strip()
    if not body:
        raise ArticleFormatError(source, closing + 1, "no answer after the front matter")
    fields = {**fields, "answer": body}
    article = _build(fields, source, key_lines, default_line=closing + 1)
    return LocatedArticle(article, source, 1)


def locate_jsonl_articles(text: str, source: str) -> list[LocatedArticle]:
    """Like `parse_jsonl_articles` without the duplicate check, keeping each article's line."""
    located = []
    for number, raw in enumerate(text.removeprefix("\ufeff").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            fields = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise ArticleFormatError(source, number, f"not valid JSON: {exc.msg}") from None
        if not isinstance(fields, dict):
            raise ArticleFormatError(source, number, "expected a JSON object")
        article = _build(fields, source, {}, default_line=number)
        located.append(LocatedArticle(article, source, number))
    return located


def check_unique_ids(articles: Iterable[LocatedArticle]) -> None:
    """Raise on the second article whose id was already used, naming where both are."""
    seen: dict[str, LocatedArticle] = {}
    for item in articles:
        first = seen.setdefault(item.article.id, item)
        if first is not item:
            raise ArticleFormatError(
                item.source,
                item.line,
                f"duplicate id '{item.article.id}' (also in {first.source}, line {first.line})",
            )


def _build(
    fields: Mapping[str, Any], source: str, key_lines: Mapping[str, int], default_line: int
) -> Article:
    def fail(key: str, problem: str) -> ArticleFormatError:
        return ArticleFormatError(source, key_lines.get(key, default_line), problem)

    def text(key: str) -> str:
        if key not in fields or fields[key] is None:
            raise fail(key, f"missing '{key}'")
        value = fields[key]
        if not isinstance(value, str):
            raise fail(key, f"'{key}' must be text, not {_kind(value)}")
        if not value.strip():
            raise fail(key, f"'{key}' is empty")
        return value.strip()

    def text_list(key: str) -> tuple[str, ...]:
        value = fields.get(key)
        if value is None:
            return ()
        if not isinstance(value, list):
            raise fail(key, f"'{key}' must be a list of text, not {_kind(value)}")
        for position, item in enumerate(value, start=1):
            if not isinstance(item, str):
                raise fail(key, f"'{key}' item {position} must be text, not {_kind(item)}")
            if not item.strip():
                raise fail(key, f"'{key}' item {position} is empty")
        return tuple(item.strip() for item in value)

    return Article(
        id=text("id"),
        title=text("title"),
        answer=text("answer"),
        questions=text_list("questions"),
        tags=text_list("tags"),
    )


def _key_lines(header: list[str], first_line: int) -> dict[str, int]:
    """The line of each top-level key in the front matter, to point errors at it."""
    found: dict[str, int] = {}
    for offset, line in enumerate(header):
        if line and not line[0].isspace() and ":" in line and not line.startswith("#"):
            found.setdefault(line.split(":", 1)[0].strip(), first_line + offset)
    return found


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
