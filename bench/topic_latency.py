"""Time the topic reader: loading its weights, and reading the topic of a handoff.

Run: `.venv/bin/python bench/topic_latency.py [--handoffs N]`. Prints the time to load
`baton/models/topics.npz` (the first handoff of a process pays it once), then p50 and p99 of
`summarise_handoff` on conversations of ten customer messages in several languages, every cache
emptied before each handoff (the worst case). Thread CPU time is shown beside wall-clock time:
on a busy machine wall-clock p99 measures the neighbours.
"""

from __future__ import annotations

import argparse
import random
import time

from baton.domain import reader, topics
from baton.domain.reasons import ReasonCategory
from baton.domain.summaries import summarise_handoff
from baton.domain.turns import Turn
from baton.models import topic_arrays

_CUSTOMER = [
    "Hi, I ordered a corner sofa last week and the delivery date keeps moving, can you check it?",
    "me han cobrado dos veces el pedido {n} y nadie me contesta",
    "je n'arrive plus à me connecter à mon compte depuis hier",
    "Ich warte seit drei Wochen auf meine Erstattung für Bestellung {n}.",
    "o meu pedido {n} chegou danificado, podem trocar?",
    "vorrei disdire l'abbonamento dal mese prossimo",
    "hoe kan ik mijn wachtwoord wijzigen?",
    "can I talk to a person please",
]


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    model = topics.TopicModel.from_arrays(topic_arrays())
    print(f"load: {(time.perf_counter() - started) * 1000:.0f} ms "
          f"({model.weights.shape[1]:,} buckets × {len(model.topics)} topics)")  # fmt: skip
    topics.shipped_topic_model()
    rng = random.Random(args.seed)
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(args.handoffs):
        turns = [
            Turn("customer", rng.choice(_CUSTOMER).format(n=rng.randint(10, 99999)))
            for _ in range(10)
        ]
        reader.features.cache_clear()
        topics._message_probabilities.cache_clear()
        w, c = time.perf_counter(), time.thread_time()
        summarise_handoff(turns, [ReasonCategory.EXPLICIT_REQUEST])
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.thread_time() - c) * 1000)
    for name, values in (("wall", wall), ("cpu", cpu)):
        print(f"summary of 10 customer messages, {name}: p50 {_percentile(values, 0.5):.2f} ms, "
              f"p99 {_percentile(values, 0.99):.2f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
