"""Time the knowledge-base bot per query on a synthetic 1,000-article knowledge base.

Run: `.venv/bin/python bench/kb_latency.py [--articles N] [--queries N]
[--retrieval semantic|bm25|hybrid]`. Prints the time to build the index the first time (with
semantic retrieval: encoding the articles and calibrating the threshold, as `baton kb import`
does) and again from the saved vectors and threshold (a server's start-up), then p50/p99 in
milliseconds per query, timed around the bot's answer (encoding the message included), as
wall-clock time and as CPU time (which other work on the machine does not inflate).
The articles are generated from word pools (a title, ten questions and an answer of about 60
words each), so their sizes and word overlap resemble a real help centre.

Targets on 1,000 articles: p99 ≤ 15 ms per query with the default (semantic) retrieval,
≤ 5 ms with bm25; start-up from the saved index ≤ 2 s.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from baton.bots.knowledge_base import KnowledgeBaseBot, KnowledgeBaseSettings
from baton.domain.articles import Article

NOUNS = (
    "account card order parcel refund invoice payment subscription plan password email address "
    "delivery return warranty discount voucher coupon transfer balance fee charge limit app "
    "profile device battery screen charger cable size colour stock store branch appointment "
    "booking ticket seat flight hotel room insurance claim policy contract loan mortgage rate "
    "statement receipt pin code login setting notification report data export import team user "
    "licence key update version backup storage file upload download link website page cart "
    "checkout shipping courier label package pallet quote estimate tax vat currency exchange"
).split()
VERBS = (
    "cancel change update reset activate close open track return exchange pay refund order "
    "book renew upgrade downgrade transfer verify confirm delete restore download upload share "
    "connect install remove add find check claim report replace repair apply extend"
).split()
ADJECTIVES = (
    "new old wrong missing late damaged expired blocked frozen pending failed duplicate extra "
    "international local monthly yearly business personal premium free shared lost stolen"
).split()
TEMPLATES = (
    "how do I {v} my {n}",
    "can I {v} the {a} {n}",
    "I want to {v} my {a} {n}",
    "why is my {n} {a}",
    "what happens if my {n} is {a}",
    "is it possible to {v} a {n} online",
    "where can I {v} my {n} and {n2}",
    "my {n} is {a}, what should I do",
    "how long does it take to {v} a {n}",
    "do you charge a fee to {v} the {n}",
)


def synthetic_articles(count: int, rng: random.Random) -> list[Article]:
    articles = []
    for number in range(count):
        verb, noun, noun2 = rng.choice(VERBS), rng.choice(NOUNS), rng.choice(NOUNS)
        adjective = rng.choice(ADJECTIVES)
        questions = tuple(
            template.format(v=verb, n=noun, n2=noun2, a=adjective) for template in TEMPLATES
        )
        body = " ".join(rng.choice(NOUNS + VERBS + ADJECTIVES) for _ in range(60))
        articles.append(
            Article(
                id=f"article-{number}",
                title=f"{verb.title()} a {adjective} {noun}",
                answer=f"To {verb} your {noun}: {body}.",
                questions=questions,
            )
        )
    return articles


def synthetic_queries(count: int, rng: random.Random) -> list[str]:
    words = NOUNS + VERBS + ADJECTIVES + ["weather", "football", "recipe", "holiday"]
    queries = []
    for _ in range(count):
        template = rng.choice(TEMPLATES)
        queries.append(
            template.format(
                v=rng.choice(VERBS), n=rng.choice(words), n2=rng.choice(NOUNS),
                a=rng.choice(ADJECTIVES),
            )
        )  # fmt: skip
    return queries


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--retrieval", choices=("semantic", "bm25", "hybrid"), default="semantic")
    parser.add_argument(
        "--index-folder", type=Path, help="keep the saved index here (default: a new temporary one)"
    )
    args = parser.parse_args()
    rng = random.Random(7)
    articles = synthetic_articles(args.articles, rng)
    queries = synthetic_queries(args.queries, rng)

    settings = KnowledgeBaseSettings(retrieval=args.retrieval)
    with tempfile.TemporaryDirectory() as temporary:
        folder = args.index_folder or Path(temporary)
        started = time.perf_counter()
        KnowledgeBaseBot(articles, settings, index_folder=folder)
        built = time.perf_counter() - started
        started = time.perf_counter()
        bot = KnowledgeBaseBot(articles, settings, index_folder=folder)
        rebuilt = time.perf_counter() - started
    for query in queries[:50]:  # warm up caches before timing
        bot.respond(query)
    elapsed = []
    cpu = []
    for query in queries:
        started, started_cpu = time.perf_counter(), time.thread_time()
        bot.respond(query)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        elapsed.append((time.perf_counter() - started) * 1000)
    cuts = statistics.quantiles(elapsed, n=100)
    cpu_cuts = statistics.quantiles(cpu, n=100)
    print(
        f"{args.articles} articles ({args.retrieval}), built in {built:.2f} s, "
        f"again from the saved index in {rebuilt:.2f} s (threshold {bot.threshold:.3f})"
    )
    print(f"{len(queries)} queries: p50 {cuts[49]:.3f} ms, p99 {cuts[98]:.3f} ms")
    print(f"CPU time per query: p50 {cpu_cuts[49]:.3f} ms, p99 {cpu_cuts[98]:.3f} ms")


if __name__ == "__main__":
    main()
