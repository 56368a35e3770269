"""Ranking by meaning (the default), its saved vectors, and the threshold it calibrates."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from baton.bots.calibration import held_out_folds, off_topic_questions
from baton.bots.kb_loader import load_articles
from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings, question_of
from baton.bots.sentence_encoder import (
    EncoderUnavailable,
    SentenceEncoder,
    load_encoder,
    resolve_files,
)
from baton.bots.vector_cache import VectorCache
from baton.domain.articles import Article
from baton.domain.turns import Turn
from tests.bots.kb_fixtures import SHOP

DEMO_SHOP = Path(__file__).parents[2] / "examples" / "demo-shop" / "articles"

GYM = [
    Article("price", "Membership prices", "Adults pay 30 euros a month.",
            ("how much is a membership", "what does it cost to join", "monthly fee")),
    Article("kids-price", "Children's membership prices", "Children under 16 pay 10 euros.",
            ("how much do children pay", "price of a junior membership", "is it cheaper for kids")),
    Article("classes", "Class timetable", "Yoga, spinning and boxing run every evening from 6pm.",
            ("when are the classes", "what classes do you run", "class schedule")),
    Article("kids-classes", "Classes for children", "Kids' swimming runs on Saturday mornings.",
            ("are there classes for children", "what activities for kids", "junior classes")),
    Article("hours", "Opening hours", "We open 6am to 10pm every day.",
            ("when are you open", "opening times", "what time do you close")),
    Article("parking", "Parking", "Free parking for members.",
            ("is there parking", "where can I park", "do I pay for parking")),
]  # fmt: skip


def test_the_packaged_model_encodes_meaning() -> None:
    encoder = load_encoder()
    vectors = encoder.encode(["I forgot my password", "I can't remember how to sign in", "tulips"])
    assert vectors.shape == (3, encoder.dimension)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert vectors[0] @ vectors[1] > vectors[0] @ vectors[2] + 0.3


def test_a_paraphrase_that_word_matching_misses_is_answered_on_the_demo_shop() -> None:
    articles = load_articles(DEMO_SHOP)
    message = "the vase I got was smashed in the box"
    words = KnowledgeBaseBot(articles, KnowledgeBaseSettings(retrieval="bm25"))
    assert words.respond(message).article_id != "damaged-items"
    meaning = KnowledgeBaseBot(articles, KnowledgeBaseSettings())
    answer = meaning.respond(message)
    assert not answer.fallback
    assert answer.article_id == "damaged-items"


def test_off_topic_questions_fall_back_on_the_demo_shop() -> None:
    bot = KnowledgeBaseBot(load_articles(DEMO_SHOP), KnowledgeBaseSettings())
    for message in ("what is the capital of Australia?", "can I book a table for six tonight?"):
        assert bot.respond(message).fallback


async def test_a_long_message_is_ranked_on_its_question() -> None:
    message = (
        "Hi there! Hope you are well. I joined last month and I love the place, the staff are "
        "great. My son is 12 and wants to come along with me. How much would he pay?"
    )
    assert (
        question_of(message)
        == "My son is 12 and wants to come along with me. How much would he pay?"
    )
    answer = await KnowledgeBaseBot(GYM, KnowledgeBaseSettings()).answer(message, [])
    assert answer.article_id == "kids-price"


@pytest.mark.parametrize(
    ("message", "question"),
    [
        ("where is my parcel?", "where is my parcel?"),
        ("Hello. I ordered a rug on Monday and paid for express delivery. When will it come?",
         "I ordered a rug on Monday and paid for express delivery. When will it come?"),
        ("Hi! I bought a lamp and a rug last week from your shop. Can I return the lamp? "
         "And how long does a refund take?",
         "Can I return the lamp? And how long does a refund take?"),
        ("I bought a lamp last week from your shop and it is lovely, thank you so much.",
         "I bought a lamp last week from your shop and it is lovely, thank you so much."),
    ],
    ids=["short", "short-question-with-its-context", "two-questions", "no-question"],
)  # fmt: skip
def test_question_of(message: str, question: str) -> None:
    assert question_of(message) == question


@pytest.mark.parametrize(
    ("earlier", "article"),
    [("what classes do you have in the evening?", "kids-classes"),
     ("how much is it to join?", "kids-price")],
)  # fmt: skip
async def test_a_follow_up_is_read_with_the_turns_before_it(earlier: str, article: str) -> None:
    bot = KnowledgeBaseBot(GYM, KnowledgeBaseSettings())
    assert bot.respond("and for kids?").fallback  # alone, it could be either
    answer = await bot.answer("and for kids?", [Turn("customer", earlier)])
    assert answer.article_id == article


def test_the_threshold_is_calibrated_from_the_knowledge_base(tmp_path: Path) -> None:
    articles = load_articles(DEMO_SHOP)
    bot = KnowledgeBaseBot(articles, KnowledgeBaseSettings(), index_folder=tmp_path)
    calibration = bot.calibration
    assert calibration is not None
    assert bot.threshold == calibration.threshold
    assert calibration.answered >= 0.85
    assert calibration.declined >= 0.85
    assert calibration.held_out == sum(len(a.questions) for a in articles)
    fixed = KnowledgeBaseBot(articles, KnowledgeBaseSettings(threshold=0.9), index_folder=tmp_path)
    assert fixed.threshold == 0.9
    assert fixed.calibration is None


def test_a_knowledge_base_too_small_to_calibrate_keeps_the_default() -> None:
    bot = KnowledgeBaseBot(SHOP[:1], KnowledgeBaseSettings())
    assert bot.calibration is None
    assert bot.respond("how do refunds work").article_id == "refunds"


def test_held_out_folds_leave_every_article_findable() -> None:
    folds = held_out_folds(GYM)
    assert sum(len(asked) for _, asked in folds) == sum(len(a.questions) for a in GYM)
    for kept, asked in folds:
        assert [a.id for a in kept] == [a.id for a in GYM]
        for question, article_id in asked:
            owner = next(a for a in kept if a.id == article_id)
            assert question not in owner.questions
            assert owner.questions  # three questions over five folds: one left out at most


def test_the_shipped_off_topic_set() -> None:
    questions = off_topic_questions()
    assert len(questions) >= 300
    assert len(set(questions)) == len(questions)


class CountingEncoder(SentenceEncoder):
    """The packaged encoder, counting the texts it encodes."""

    def __init__(self, encoder: SentenceEncoder) -> None:
        self.__dict__.update(encoder.__dict__)
        self.encoded: list[str] = []

    def encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.encoded.extend(texts)
        return super().encode(texts, batch_size)


def test_vectors_are_saved_and_only_new_texts_encoded(tmp_path: Path) -> None:
    first = CountingEncoder(load_encoder())
    texts = ["how do refunds work", "when will my order arrive"]
    saved = VectorCache(first, tmp_path).vectors(texts)
    assert first.encoded == texts
    again = CountingEncoder(load_encoder())
    cache = VectorCache(again, tmp_path)
    assert cache.knows(texts)
    assert np.array_equal(cache.vectors(texts), saved)
    assert again.encoded == []
    cache.vectors([texts[0], "do you sell gift cards"])
    assert again.encoded == ["do you sell gift cards"]
    # Texts no longer asked for are dropped from the file.
    assert not VectorCache(again, tmp_path).knows([texts[1]])


def test_a_damaged_vector_file_is_encoded_again(tmp_path: Path) -> None:
    encoder = load_encoder()
    VectorCache(encoder, tmp_path).vectors(["how do refunds work"])
    (file,) = tmp_path.glob("vectors-*.npz")
    file.write_bytes(b"not a numpy file")
    cache = VectorCache(encoder, tmp_path)
    assert not cache.knows(["how do refunds work"])
    assert cache.vectors(["how do refunds work"]).shape == (1, encoder.dimension)
    assert VectorCache(encoder, tmp_path).knows(["how do refunds work"])


def test_a_read_only_index_folder_still_answers(tmp_path: Path) -> None:
    folder = tmp_path / "kb-index"
    folder.write_text("a file where the folder should be")  # nothing can be saved under it
    bot = KnowledgeBaseBot(GYM, KnowledgeBaseSettings(), index_folder=folder)
    assert bot.respond("where can I leave my car").article_id == "parking"


def test_word_matching_alone_calibrates_its_threshold_too(tmp_path: Path) -> None:
    articles = load_articles(DEMO_SHOP)
    settings = KnowledgeBaseSettings(retrieval="bm25")
    bot = KnowledgeBaseBot(articles, settings, index_folder=tmp_path, word_matching_first=True)
    assert not bot.building
    assert bot.calibration is not None
    assert bot.threshold == bot.calibration.threshold


def test_another_onnx_model_can_be_chosen_by_folder(tmp_path: Path) -> None:
    model_file, tokenizer_file = resolve_files(None)
    (tmp_path / "model.onnx").symlink_to(model_file)
    (tmp_path / "tokenizer.json").symlink_to(tokenizer_file)
    bot = KnowledgeBaseBot(GYM, KnowledgeBaseSettings(embeddings_model=str(tmp_path)))
    assert bot.respond("where can I leave my car").article_id == "parking"
    with pytest.raises(EncoderUnavailable, match="no model at"):
        KnowledgeBaseBot(GYM, KnowledgeBaseSettings(embeddings_model=str(tmp_path / "missing")))
