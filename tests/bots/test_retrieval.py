"""The ranking index: the right article first, and a confidence that knows its limits."""

from __future__ import annotations

from baton.bots.retrieval import Normaliser, RetrievalIndex
from baton.domain.articles import Article
from tests.bots.kb_fixtures import SHOP


def test_words_are_normalised() -> None:
    assert Normaliser.words("I CAN'T log-in, café’s closed") == [
        "i", "can", "not", "log", "in", "cafe", "closed",
    ]  # fmt: skip
    assert Normaliser.words("dont") == ["do", "not"]


def test_answerable_question_ranks_its_article_first_with_confidence() -> None:
    index = RetrievalIndex(SHOP)
    ranking = index.search("How do I get a refund for my order?")
    assert ranking.best is not None and ranking.best.id == "refunds"
    assert ranking.confidence > 0.5
    assert [a.id for a, _ in ranking.ranked][:1] == ["refunds"]
    scores = [s for _, s in ranking.ranked]
    assert scores == sorted(scores, reverse=True)


def test_out_of_scope_question_gets_low_confidence() -> None:
    index = RetrievalIndex(SHOP)
    known = index.search("how do I reset my password").confidence
    unknown = index.search("what is the weather like in Oslo tomorrow").confidence
    related_but_unknown = index.search("can I pay with bitcoin for my order").confidence
    assert unknown == 0.0  # no word of it is in the knowledge base
    assert related_but_unknown < 0.5 < known


def test_typo_is_forgiven() -> None:
    ranking = RetrievalIndex(SHOP).search("how do I resett my pasword")
    assert ranking.best is not None and ranking.best.id == "password"


def test_synonyms_apply_to_messages_and_articles() -> None:
    articles = [
        Article(
            id="parcel",
            title="Lost parcel",
            answer="We resend it.",
            questions=("my parcel is lost",),
        ),
        Article(
            id="hours", title="Opening hours", answer="9 to 5.", questions=("when are you open",)
        ),
    ]
    plain = RetrievalIndex(articles).search("my package never came")
    assert plain.best is None or plain.best.id != "parcel" or plain.confidence < 0.5
    index = RetrievalIndex(articles, synonyms={"package": "parcel", "never came": "lost"})
    ranking = index.search("my package never came")
    assert ranking.best is not None and ranking.best.id == "parcel"
    assert ranking.confidence > plain.confidence


def test_article_without_questions_is_found_by_title_and_answer() -> None:
    articles = [
        *SHOP,
        Article(id="loyalty", title="Loyalty points", answer="Every euro spent earns one point."),
    ]
    ranking = RetrievalIndex(articles).search("how many points do I earn per euro")
    assert ranking.best is not None and ranking.best.id == "loyalty"


def test_empty_knowledge_base_and_empty_message() -> None:
    assert RetrievalIndex([]).search("refund").best is None
    assert RetrievalIndex(SHOP).search("   ").confidence == 0.0
    assert RetrievalIndex(SHOP).search("the and of").best is None


def test_synonyms_match_inflections_and_phrases_with_stop_words() -> None:
    normaliser = Normaliser({"sign in": "log in", "reimbursement": "refund"})
    assert normaliser.terms("can I sign in for reimbursements") == normaliser.terms(
        "can I log in for refunds"
    )


def test_light_stemmer_used_without_snowball_joins_word_forms() -> None:
    from baton.bots.retrieval import _strip_suffix

    forms = ["activate", "activated", "activating", "activates"]
    assert len({_strip_suffix(w) for w in forms}) == 1
    assert _strip_suffix("stopped") == _strip_suffix("stop")
    assert _strip_suffix("replies") == _strip_suffix("reply")
    assert _strip_suffix("status") == "status"


def test_greetings_and_padding_do_not_count_against_a_message() -> None:
    index = RetrievalIndex(SHOP)
    plain = index.search("how do I reset my password")
    padded = index.search(
        "Hi there! I was wondering if you could maybe tell me how I reset my password? Thanks"
    )
    assert padded.best is not None and padded.best.id == "password"
    assert padded.signals["known"] == plain.signals["known"] == 1.0
    assert padded.confidence > 0.5


def test_signals_are_bounded_whatever_the_length_of_the_message() -> None:
    index = RetrievalIndex(SHOP)
    short = index.search("refund")
    long = index.search(
        "I sent the blue jumper back last week because it did not fit and I would like to know "
        "how long a refund takes to reach my card, my bank says nothing has arrived yet"
    )
    for ranking in (short, long):
        assert ranking.best is not None and ranking.best.id == "refunds"
        for name in ("specific", "covered", "known", "nearest"):
            assert 0.0 <= ranking.signals[name] <= 1.0
    assert long.confidence > 0.5


def test_words_found_only_in_the_answer_count_as_evidence() -> None:
    articles = [
        Article(
            id="gift-cards",
            title="Gift cards",
            answer="Gift cards come in amounts from 10 to 200 euros and never expire.",
            questions=("do you sell gift cards",),
        ),
        Article(
            id="hours", title="Opening hours", answer="9 to 5.", questions=("when are you open",)
        ),
    ]
    index = RetrievalIndex(articles)
    in_answer = index.search("do gift cards ever expire")
    elsewhere = index.search("do gift cards work abroad")
    assert in_answer.best is not None and in_answer.best.id == "gift-cards"
    assert in_answer.signals["covered"] > in_answer.signals["specific"]
    assert in_answer.confidence > elsewhere.confidence


def test_confidence_holds_for_articles_with_one_question_or_many() -> None:
    sparse = [
        Article(id=a.id, title=a.title, answer=a.answer, questions=a.questions[:1]) for a in SHOP
    ]
    for articles in (SHOP, sparse):
        index = RetrievalIndex(articles)
        known = index.search("hello, how can I reset my password please")
        unknown = index.search("can I pay for my order with bitcoin")
        assert known.best is not None and known.best.id == "password"
        assert unknown.confidence < 0.5 < known.confidence


def test_confidence_rises_with_each_positive_signal() -> None:
    from baton.bots.retrieval import CONFIDENCE_WEIGHTS, bm25_confidence

    base = {"matched": 1.0, "specific": 0.5, "covered": 0.5, "known": 0.5, "nearest": 0.4}
    base["margin"] = 0.05
    assert set(base) == set(CONFIDENCE_WEIGHTS)
    low = bm25_confidence(base)
    for name in ("matched", "nearest", "margin", "known"):
        assert bm25_confidence({**base, name: base[name] + 0.2}) > low
    # The message's words known to the article, from its questions or its answer, count.
    assert bm25_confidence({**base, "specific": 0.8, "covered": 0.8}) > low
    assert bm25_confidence({**base, "covered": 0.8}) > low
    # Past the cap, more matched words add nothing.
    assert bm25_confidence({**base, "matched": 50.0}) == bm25_confidence({**base, "matched": 6.0})
