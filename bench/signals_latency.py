"""Time the escalation signals and policy per customer message on 20-turn conversations.

Run: `.venv/bin/python bench/signals_latency.py [--conversations N]`. Prints p50 and p99 in
microseconds for two cases:

- warm: one process holds the conversation, so earlier messages were read when they arrived
  (the per-text cache hits), which is how the service runs a conversation;
- cold: every earlier message is read again for each new one (the cache is emptied first), the
  worst case, e.g. after a restart or when another process took the previous messages.

Each case is timed twice: wall-clock time, and the thread's CPU time, which leaves out the
time the process waited for a CPU (on a busy machine wall-clock p99 measures the neighbours).
The target is p99 ≤ 1 ms per customer message in the warm case.
"""

from __future__ import annotations

import argparse
import random
import statistics
import time

from baton.domain import reader
from baton.domain.policy import decide
from baton.domain.readings import content_words, read_message
from baton.domain.signals import read_signals
from baton.domain.turns import ContactView, PageView, Turn

_CUSTOMER = [
    "Hi, I ordered a corner sofa last week and the delivery date keeps moving, can you check it?",
    "how do I change the email address on my account",
    "that doesn't answer it. when will order {n} arrive?",
    "I've been charged twice for invoice {n} and nobody has told me why",
    "THE BUTTON STILL DOES NOT WORK",
    "ok thanks, and can I pay by invoice for {n} seats?",
    "Is there a discount for annual billing? Just curious, not complaining.",
    "not helpful",
    "seriously?? this is the third time I've asked",
    "We're a team of {n} and want to move our whole company over. Do you do volume pricing?",
    "what's your refund policy if the product doesn't suit us?",
    "great. so you know nothing. brilliant",
    "Could I talk it through with someone from billing?",
    "My card was declined at checkout even though the bank says everything is fine.",
]
_BOT = [
    ("You can change it under Account > Profile.", "answered"),
    ("I'm sorry, I don't have information on that.", "fallback"),
    ("Orders usually arrive within 5 working days.", "answered"),
    ("You can find all invoices under Billing > History.", "answered"),
]


def _conversation(rng: random.Random, turns: int) -> list[Turn]:
    out: list[Turn] = []
    for i in range(turns):
        if i % 2 == 0:
            text = rng.choice(_CUSTOMER).format(n=rng.randint(10, 99999))
            # A unique tail keeps one conversation's texts from hitting another's cache entries.
            out.append(Turn("customer", f"{text} (ref {rng.randint(0, 10**9)})"))
        else:
            text, outcome = rng.choice(_BOT)
            out.append(
                Turn("bot", text, outcome="fallback" if outcome == "fallback" else "answered")
            )
    return out


def _measure(conversations: list[list[Turn]], cold: bool) -> tuple[list[float], list[float]]:
    contact = ContactView(attributes={"plan": "business", "lifetime_value": 12000})
    page = PageView(url="https://shop.example/checkout")
    wall: list[float] = []
    cpu: list[float] = []
    for turns in conversations:
        for index, turn in enumerate(turns):
            if turn.role != "customer":
                continue
            if cold:
                read_message.cache_clear()
                content_words.cache_clear()
                reader.features.cache_clear()
                reader._read.cache_clear()
            started, started_cpu = time.perf_counter_ns(), time.thread_time_ns()
            decide(read_signals(turn.text, turns[:index], contact, page, None))
            cpu.append((time.thread_time_ns() - started_cpu) / 1000)
            wall.append((time.perf_counter_ns() - started) / 1000)
    return wall, cpu


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    conversations = [_conversation(rng, 20) for _ in range(args.conversations)]
    _measure(conversations[:5], cold=False)  # warm up the interpreter, not the text caches
    for label, cold in (("warm", False), ("cold", True)):
        wall, cpu = _measure(conversations, cold)
        print(f"{label}: {len(wall)} customer messages in 20-turn conversations")
        for clock, timings in (("wall", wall), ("cpu", cpu)):
            print(
                f"  {clock}: p50 {_percentile(timings, 0.5):.0f} µs, "
                f"p99 {_percentile(timings, 0.99):.0f} µs, "
                f"mean {statistics.fmean(timings):.0f} µs"
            )


if __name__ == "__main__":
    main()
