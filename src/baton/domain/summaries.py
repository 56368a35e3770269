"""What the human receives: the one-line summary, the brief topic, the customer's context.

The summary follows the seed's form, "Customer is asking about [topic] — [why]", so an agent
can answer intelligently in their first message without asking what this is about. The topic is
read once from the customer's messages by the topic reader (`baton.domain.topics`) and said two
ways from that one reading, in the summary and in the escalation subject, so they always agree.
Summaries are for the team and in English, whatever language the customer wrote in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baton.domain.reasons import ReasonCategory
from baton.domain.topics import (
    BY_ID,
    OTHER,
    TopicModel,
    TopicReading,
    read_conversation_topic,
    shipped_topic_model,
)
from baton.domain.turns import ContactView, PageView, Turn

WHY: Mapping[ReasonCategory, str] = {
    ReasonCategory.EXPLICIT_REQUEST: "asked for a person",
    ReasonCategory.KNOWLEDGE_GAP: "bot reached its knowledge limit",
    ReasonCategory.EMOTIONAL: "customer is frustrated",
    ReasonCategory.COMPLEX_ISSUE: "too complex for the bot",
    ReasonCategory.HIGH_VALUE: "high-value customer",
}

_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
PREMIUM_WORDS = frozenset({"premium", "pro", "business", "enterprise", "vip", "gold", "platinum"})

# At or over this probability the reading names the topic; under it the matched article's
# title does, when there is one.
SURE_TOPIC = 0.45
# Without an article, a likeliest topic this probable still says more than "nothing specific
# yet".
LIKELY_TOPIC = 0.25
# Billing with this much of a refund in it reads "billing question, potential refund".
_REFUND_SHARE = 0.15


@dataclass(frozen=True, slots=True)
class HandoffTopic:
    """What the handoff is about, said two ways from one reading: `label` for the summary
    ("Customer is asking about a refund"), `brief` for the escalation subject ("refund request").
    `id` is the taxonomy's topic (`baton.domain.topics`), None when an article's title names it.
    """

    id: str | None
    label: str
    brief: str


@dataclass(frozen=True, slots=True)
class HandoffSummary:
    line: str
    topic: str
    brief_topic: str
    why: str
    topic_id: str | None = None


def _title_words(title: str) -> str:
    # "Linen care" reads "linen care" mid-sentence; "iPhone repair" or "ACME Pro" keep theirs.
    first = title.split(" ", 1)[0]
    if len(first) > 1 and first[0].isupper() and first[1:] == first[1:].lower():
        return title[0].lower() + title[1:]
    return title


def name_topic(
    reading: TopicReading,
    reasons: Sequence[ReasonCategory] = (),
    article_title: str | None = None,
) -> HandoffTopic:
    """The topic a person would write, from the reading of the customer's messages: the
    likeliest topic when the reader is sure, else the matched article's title (for a product
    question too), else the likeliest topic if it is likely enough, else "nothing specific yet".
    Never words cut out of the customer's sentences."""
    title = " ".join((article_title or "").split())
    chosen = reading.topic
    # A question about what something is or does is best named by the article it matched:
    # "linen care" says more than "a product".
    vague = chosen in (OTHER, "product_question")
    if reading.probability < SURE_TOPIC or vague:
        if title:
            words = _title_words(title)
            return HandoffTopic(None, words, words)
        if chosen == OTHER or reading.probability < LIKELY_TOPIC:
            chosen = OTHER
    topic = BY_ID[chosen]
    brief = topic.brief
    if chosen == "billing" and (
        ReasonCategory.EMOTIONAL in reasons or reading.of("refund") >= _REFUND_SHARE
    ):
        brief = "billing question, potential refund"
    return HandoffTopic(chosen, topic.label, brief)


def find_topic(
    customer_texts: Sequence[str],
    article_title: str | None = None,
    reasons: Sequence[ReasonCategory] = (),
    model: TopicModel | None = None,
) -> HandoffTopic:
    """The topic of the customer's messages so far (oldest first), read by the topic reader."""
    reading = read_conversation_topic(model or shipped_topic_model(), customer_texts)
    return name_topic(reading, reasons, article_title)


def is_premium(contact: ContactView | None) -> bool:
    if contact is None:
        return False
    plan = str(contact.attributes.get("plan", "")).lower()
    return any(word in PREMIUM_WORDS for word in _WORD.findall(plan))


def describe_why(
    reasons: Sequence[ReasonCategory], topic_id: str | None, contact: ContactView | None
) -> str:
    """The reason part of the summary, worded for the strongest reason."""
    order = [
        ReasonCategory.EXPLICIT_REQUEST,
        ReasonCategory.EMOTIONAL,
        ReasonCategory.KNOWLEDGE_GAP,
        ReasonCategory.COMPLEX_ISSUE,
        ReasonCategory.HIGH_VALUE,
    ]
    ranked = [reason for reason in order if reason in reasons]
    if not ranked:
        return "handed to the team"
    if ReasonCategory.HIGH_VALUE in reasons and (is_premium(contact) or len(ranked) > 1):
        who = "premium customer" if is_premium(contact) else "high-value customer"
        if topic_id in ("billing", "refund"):
            return f"{who} with a billing problem"
        if ranked[0] is ReasonCategory.HIGH_VALUE:
            return who
        return f"{who}; {WHY[ranked[0]]}"
    return WHY[ranked[0]]


def summarise_handoff(
    turns: Sequence[Turn],
    reasons: Sequence[ReasonCategory],
    contact: ContactView | None = None,
    article_title: str | None = None,
    model: TopicModel | None = None,
) -> HandoffSummary:
    """The seed's one-line summary, "Customer is asking about [topic] — [why]", and the same
    topic as the escalation subject says it (`brief_topic`): one reading feeds both."""
    customer_texts = [turn.text for turn in turns if turn.role == "customer"]
    topic = find_topic(customer_texts, article_title, reasons, model)
    why = describe_why(reasons, topic.id, contact)
    line = f"Customer is asking about {topic.label} — {why}"
    return HandoffSummary(line, topic.label, topic.brief, why, topic.id)


def describe_context(contact: ContactView | None, page: PageView | None) -> list[tuple[str, str]]:
    """The customer's context as labelled lines for the agent and the escalation email."""
    lines: list[tuple[str, str]] = []
    if page is not None and (page.title or page.url):
        lines.append(("Page", " — ".join(p for p in (page.title, page.url) if p)))
    if contact is None:
        return lines
    attributes: Mapping[str, Any] = contact.attributes
    if "returning" in attributes:
        lines.append(("Returning visitor", "yes" if attributes["returning"] else "no"))
    if "plan" in attributes:
        lines.append(("Plan", str(attributes["plan"])))
    if "lifetime_value" in attributes:
        lines.append(("Lifetime value", str(attributes["lifetime_value"])))
    for key, value in attributes.items():
        if key not in ("returning", "plan", "lifetime_value"):
            lines.append((key.replace("_", " ").capitalize(), str(value)))
    return lines
