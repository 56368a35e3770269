"""Read knowledge-base articles from a .md or .jsonl file, or a folder of them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from baton.domain.article_files import (
    ArticleFormatError,
    LocatedArticle,
    check_unique_ids,
    locate_jsonl_articles,
    locate_markdown_article,
)
from baton.domain.articles import Article

SUFFIXES = (".md", ".jsonl")


def article_files(path: Path) -> list[Path]:
    """The files `load_articles` reads at `path`, in the order it reads them."""
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
    return [path]


def load_articles(path: Path, on_file: Callable[[Path], None] | None = None) -> list[Article]:
    """All articles at `path`, or an `ArticleFormatError` and none (all or nothing).

    `on_file` is called after each file is read, e.g. to advance a progress bar.
    """
    if not path.exists():
        raise ArticleFormatError(str(path), None, "no such file or folder")
    if path.is_file() and path.suffix not in SUFFIXES:
        raise ArticleFormatError(str(path), None, "expected a .md or .jsonl file")
    files = article_files(path)
    if not files:
        raise ArticleFormatError(str(path), None, "no .md or .jsonl files in this folder")
    located: list[LocatedArticle] = []
    for file in files:
        located.extend(_read(file))
        if on_file is not None:
            on_file(file)
    check_unique_ids(located)
    return [item.article for item in located]


def _read(file: Path) -> list[LocatedArticle]:
    source = str(file)
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise ArticleFormatError(source, None, f"cannot be read: {exc.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ArticleFormatError(source, line, "not UTF-8 text") from None
    if file.suffix == ".md":
        return [locate_markdown_article(text, source)]
    return locate_jsonl_articles(text, source)
