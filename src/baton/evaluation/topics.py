"""First messages labelled with a topic (`baton eval topics`).

Each line: `{"id", "lang", "business", "text", "topic"}`, the topic one of
`baton.domain.topics.TOPIC_IDS`. Each message is read alone, as the first of a conversation, by
the topic reader the handoff summary uses. Accuracy is given overall, per language (a topic
misread in one language is a team filing that language's chats wrongly) and per topic (the share
of that topic's messages read as it), with the most frequent confusions.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from baton.domain.topics import (
    LabelledTopic,
    TopicModel,
    labelled_topic,
    read_topic,
    shipped_topic_model,
)

__all__ = ["TopicScores", "evaluate_topics", "load_topics"]


def load_topics(path: Path | str) -> list[LabelledTopic]:
    """Read a labelled topic file (UTF-8 JSON Lines); blank lines are skipped. A line that is
    not JSON or not a labelled message raises ValueError naming it."""
    rows: list[LabelledTopic] = []
    source = Path(path)
    with source.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                where = f"{source.name}:{number}"
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{where}: not JSON ({exc.msg})") from None
                rows.append(labelled_topic(raw, where))
    return rows


@dataclass(slots=True)
class _Tally:
    messages: int = 0
    right: int = 0

    @property
    def accuracy(self) -> float:
        return self.right / self.messages if self.messages else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {"messages": self.messages, "accuracy": round(self.accuracy, 3)}


@dataclass(slots=True)
class TopicScores:
    """Accuracy overall, per language and per topic; `confusions` counts (labelled, read)."""

    overall: _Tally = field(default_factory=_Tally)
    per_language: dict[str, _Tally] = field(default_factory=dict)
    per_topic: dict[str, _Tally] = field(default_factory=dict)
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    @property
    def accuracy(self) -> float:
        return self.overall.accuracy

    def top_confusions(self, count: int = 10) -> list[tuple[str, str, int]]:
        """The most frequent mistakes, as (labelled topic, topic read, messages)."""
        ranked = sorted(self.confusions.items(), key=lambda kv: (-kv[1], kv[0]))
        return [(labelled, read, n) for (labelled, read), n in ranked[:count]]

    def as_dict(self) -> dict[str, Any]:
        return {
            "accuracy": round(self.accuracy, 3),
            "messages": self.overall.messages,
            "per_language": {
                lang: tally.as_dict() for lang, tally in sorted(self.per_language.items())
            },
            "per_topic": {
                topic: tally.as_dict() for topic, tally in sorted(self.per_topic.items())
            },
            "confusions": [
                {"topic": labelled, "read_as": read, "messages": n}
                for labelled, read, n in self.top_confusions()
            ],
        }


def evaluate_topics(
    rows: Iterable[LabelledTopic],
    model: TopicModel | None = None,
    on_message: Callable[[], None] | None = None,
) -> TopicScores:
    """Read every message's topic and score it against its label."""
    chosen = model or shipped_topic_model()
    scores = TopicScores()
    for row in rows:
        read = read_topic(chosen, row.text).topic
        right = read == row.topic
        for tally in (
            scores.overall,
            scores.per_language.setdefault(row.lang, _Tally()),
            scores.per_topic.setdefault(row.topic, _Tally()),
        ):
            tally.messages += 1
            tally.right += right
        if not right:
            scores.confusions[(row.topic, read)] += 1
        if on_message is not None:
            on_message()
    return scores
