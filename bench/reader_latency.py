"""Time the learned reader: loading its weights, and reading one customer message.

Run: `.venv/bin/python bench/reader_latency.py [--conversations N]`. Prints the time to load
`baton/models/reader.npz` (the first read of a process pays it once), then p50 and p99 per
customer message on 20-turn conversations in several languages, for the reader alone and for
the whole decision (`read_signals` + `decide`), every cache emptied before each message (the
worst case; in the service earlier messages hit the per-text caches). Thread CPU time is shown
beside wall-clock time: on a busy machine wall-clock p99 measures the neighbours.
The target is p99 ≤ 10 ms per customer message.
"""

from __future__ import annotations

import argparse
import random
import time

from baton.domain import reader
from baton.domain.policy import decide
from baton.domain.readings import content_words, read_message
from baton.domain.signals import read_signals
from baton.domain.turns import Turn
from baton.models import reader_arrays

_CUSTOMER = [
    "Hi, I ordered a corner sofa last week and the delivery date keeps moving, can you check it?",
    "need help speaking with somebody about order {n}",
    "me han cobrado dos veces el pedido {n} y nadie me contesta, quiero hablar con un agente",
    "je voudrais parler à quelqu'un, la livraison {n} n'est jamais arrivée",
    "Ich warte seit drei Wochen auf meine Erstattung für Bestellung {n}. Unglaublich.",
    "o meu pedido {n} chegou danificado, podem trocar?",
    "vorrei sapere se spedite anche in Svizzera",
    "hoe kan ik mijn wachtwoord wijzigen?",
    "THE BUTTON STILL DOES NOT WORK",
    "ok thanks, and can I pay by invoice for {n} seats?",
]
_BOT = [
    ("You can change it under Account > Profile.", "answered"),
    ("I'm sorry, I don't have information on that.", "fallback"),
    ("Orders usually arrive within 5 working days.", "answered"),
]


def _conversation(rng: random.Random) -> list[Turn]:
    out: list[Turn] = []
    for i in range(20):
        if i % 2 == 0:
            text = rng.choice(_CUSTOMER).format(n=rng.randint(10, 99999))
            out.append(Turn("customer", f"{text} (ref {rng.randint(0, 10**9)})"))
        else:
            text, outcome = rng.choice(_BOT)
            out.append(
                Turn("bot", text, outcome="fallback" if outcome == "fallback" else "answered")
            )
    return out


def _clear() -> None:
    read_message.cache_clear()
    content_words.cache_clear()
    reader.features.cache_clear()
    reader._read.cache_clear()


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    started = time.perf_counter()
    model = reader.ReaderModel.from_arrays(reader_arrays())
    print(f"load: {(time.perf_counter() - started) * 1000:.0f} ms "
          f"({model.weights.shape[1]:,} buckets × {len(model.labels)} labels)")  # fmt: skip
    reader.shipped_model()
    rng = random.Random(args.seed)
    conversations = [_conversation(rng) for _ in range(args.conversations)]
    timings: dict[str, tuple[list[float], list[float]]] = {
        "reader": ([], []),
        "decision": ([], []),
    }
    for turns in conversations:
        for index, turn in enumerate(turns):
            if turn.role != "customer":
                continue
            history = turns[:index]
            for name in timings:
                _clear()
                wall, cpu = time.perf_counter_ns(), time.thread_time_ns()
                if name == "reader":
                    reader.read_labels(model, turn.text, history)
                else:
                    decide(read_signals(turn.text, history))
                timings[name][1].append((time.thread_time_ns() - cpu) / 1000)
                timings[name][0].append((time.perf_counter_ns() - wall) / 1000)
    for name, (wall_us, cpu_us) in timings.items():
        print(f"{name}: {len(wall_us)} customer messages, every cache empty")
        for clock, values in (("wall", wall_us), ("cpu", cpu_us)):
            print(f"  {clock}: p50 {_percentile(values, 0.5):.0f} µs, "
                  f"p99 {_percentile(values, 0.99):.0f} µs")  # fmt: skip


if __name__ == "__main__":
    main()
