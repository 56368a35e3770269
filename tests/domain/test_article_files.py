"""Article files: what loads, and errors that name the file, the line and the problem."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from baton.bots.kb_loader import load_articles
from baton.domain.article_files import (
    ArticleFormatError,
    LocatedArticle,
    check_unique_ids,
    parse_jsonl_articles,
    parse_markdown_article,
)
from baton.domain.articles import Article

REFUNDS_MD = """---
id: refund-policy
title: Refund policy
questions:
  - can I get my money back
  - how do refunds work
tags: [billing]
---
You can ask for a refund within 30 days.
"""


def jsonl(*rows: dict[str, object]) -> str:
    return "\n".join(json.dumps(r) for r in rows) + "\n"


def test_markdown_article_reads_front_matter_and_body() -> None:
    article = parse_markdown_article(REFUNDS_MD, "kb/refunds.md")
    assert article == Article(
        id="refund-policy",
        title="Refund policy",
        answer="You can ask for a refund within 30 days.",
        questions=("can I get my money back", "how do refunds work"),
        tags=("billing",),
    )


def test_missing_title_names_file_and_line() -> None:
    with pytest.raises(ArticleFormatError) as caught:
        parse_markdown_article("---\nid: refunds\n---\nBody.\n", "kb/refunds.md")
    assert str(caught.value) == "kb/refunds.md, line 3: missing 'title'"
    assert (caught.value.source, caught.value.line) == ("kb/refunds.md", 3)


@pytest.mark.parametrize(
    ("text", "line", "problem"),
    [
        ("---\nid: a\ntitle: 5\n---\nBody\n", 3, "'title' must be text, not a number"),
        ("---\nid: a\ntitle: '  '\n---\nBody\n", 3, "'title' is empty"),
        ("---\nid: a\ntitle: T\n---\n\n", 4, "no answer after the front matter"),
        ("---\nid: a\ntitle: T\nquestions: hello\n---\nB\n", 4, "'questions' must be a list"),
        ("---\nid: a\ntitle: T\nquestions:\n  - ''\n---\nB\n", 4, "'questions' item 1 is empty"),
        ("---\nid: a\ntitle: T\ntags: [1]\n---\nB\n", 4, "'tags' item 1 must be text"),
        ("id: a\ntitle: T\n", 1, "front matter"),
        ("---\nid: a\ntitle: T\n", 1, "no closing '---'"),
    ],
)
def test_markdown_problems(text: str, line: int, problem: str) -> None:
    with pytest.raises(ArticleFormatError) as caught:
        parse_markdown_article(text, "a.md")
    assert caught.value.line == line
    assert problem in caught.value.problem


def test_yaml_error_reports_its_line() -> None:
    text = "---\nid: a\ntitle: T\nquestions: [unclosed\n---\nBody\n"
    with pytest.raises(ArticleFormatError) as caught:
        parse_markdown_article(text, "a.md")
    assert "not valid YAML" in caught.value.problem
    assert caught.value.line is not None and caught.value.line >= 4


def test_jsonl_articles_and_their_errors() -> None:
    good = {"id": "a", "title": "A", "answer": "x", "questions": ["q"], "tags": ["t"]}
    articles = parse_jsonl_articles(jsonl(good), "kb.jsonl")
    assert articles[0].questions == ("q",) and articles[0].tags == ("t",)

    with pytest.raises(ArticleFormatError, match=r"kb.jsonl, line 2: missing 'answer'"):
        parse_jsonl_articles(jsonl(good, {"id": "b", "title": "B"}), "kb.jsonl")
    with pytest.raises(ArticleFormatError, match=r"line 1: not valid JSON"):
        parse_jsonl_articles("{nope\n", "kb.jsonl")
    with pytest.raises(ArticleFormatError, match=r"line 1: expected a JSON object"):
        parse_jsonl_articles("[1, 2]\n", "kb.jsonl")


def test_duplicate_ids_name_both_places() -> None:
    row = {"id": "a", "title": "A", "answer": "x"}
    with pytest.raises(ArticleFormatError) as caught:
        parse_jsonl_articles(jsonl(row, {"id": "b", "title": "B", "answer": "y"}, row), "k.jsonl")
    assert caught.value.line == 3
    assert "duplicate id 'a'" in str(caught.value) and "k.jsonl, line 1" in str(caught.value)

    article = Article(id="a", title="A", answer="x")
    with pytest.raises(
        ArticleFormatError, match=r"two.md, line 1: duplicate id 'a' \(also in one.md"
    ):
        check_unique_ids(
            [LocatedArticle(article, "one.md", 1), LocatedArticle(article, "two.md", 1)]
        )


def test_folder_loads_sorted_and_recursively(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "refunds.md").write_text(REFUNDS_MD, encoding="utf-8")
    (tmp_path / "a.jsonl").write_text(
        jsonl({"id": "hours", "title": "Opening hours", "answer": "9 to 5"}), encoding="utf-8"
    )
    (tmp_path / "notes.txt").write_text("ignored", encoding="utf-8")
    seen: list[Path] = []
    articles = load_articles(tmp_path, on_file=seen.append)
    assert [a.id for a in articles] == ["hours", "refund-policy"]
    assert [p.name for p in seen] == ["a.jsonl", "refunds.md"]


def test_one_bad_file_imports_nothing(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(REFUNDS_MD, encoding="utf-8")
    (tmp_path / "b.md").write_text("---\nid: x\n---\nBody\n", encoding="utf-8")
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(tmp_path)
    assert caught.value.source == str(tmp_path / "b.md")
    assert "missing 'title'" in str(caught.value)


def test_duplicate_across_files_names_both(tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(REFUNDS_MD, encoding="utf-8")
    (tmp_path / "b.md").write_text(REFUNDS_MD, encoding="utf-8")
    with pytest.raises(ArticleFormatError) as caught:
        load_articles(tmp_path)
    assert str(tmp_path / "b.md") in str(caught.value)
    assert str(tmp_path / "a.md") in str(caught.value)


def test_unreadable_inputs(tmp_path: Path) -> None:
    with pytest.raises(ArticleFormatError, match="no such file"):
        load_articles(tmp_path / "missing")
    with pytest.raises(ArticleFormatError, match=r"no \.md or \.jsonl"):
        load_articles(tmp_path)
    bad = tmp_path / "latin1.md"
    bad.write_bytes(b"---\nid: a\ntitle: Caf\xe9\n---\nBody\n")
    with pytest.raises(ArticleFormatError, match=r"line 3: not UTF-8"):
        load_articles(bad)
