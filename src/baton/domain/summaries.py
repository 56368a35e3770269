"""What the human receives: the one-line summary, the brief topic, the customer's context.

The summary follows the seed's form, "Customer is asking about [topic] — [why]", so an agent
can answer intelligently in their first message without asking what this is about.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from baton.domain.reasons import ReasonCategory
from baton.domain.turns import ContactView, PageView, Turn

# Topic families, most specific first: the first family with a word in the customer's
# messages names the topic, so "charged twice" reads as billing, not as an order question.
TOPIC_FAMILIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("a refund", frozenset({"refund", "refunds", "refunded", "money back", "reimburse"})),
    (
        "billing",
        frozenset(
            {
                "charge",
                "charged",
                "charges",
                "bill",
                "billed",
                "billing",
                "invoice",
                "payment",
                "paid",
                "pay",
                "overcharged",
                "subscription",
                "price",
                "fee",
                "vat",
            }
        ),
    ),
    ("cancelling", frozenset({"cancel", "cancelling", "canceling", "cancellation", "unsubscribe"})),
    (
        "a faulty product",
        frozenset({"broken", "faulty", "damaged", "defective", "doesn't work", "not working"}),
    ),
    (
        "a delivery",
        frozenset(
            {
                "delivery",
                "deliver",
                "delivered",
                "shipping",
                "shipped",
                "parcel",
                "package",
                "tracking",
                "courier",
                "arrive",
                "arrived",
            }
        ),
    ),
    ("a return", frozenset({"return", "returns", "returning", "exchange", "send back"})),
    (
        "their account",
        frozenset({"account", "login", "log in", "password", "sign in", "locked", "2fa", "email"}),
    ),
    ("an order", frozenset({"order", "ordered", "orders", "purchase", "bought"})),
)

WHY: Mapping[ReasonCategory, str] = {
    ReasonCategory.EXPLICIT_REQUEST: "asked for a person",
    ReasonCategory.KNOWLEDGE_GAP: "bot reached its knowledge limit",
    ReasonCategory.EMOTIONAL: "customer is frustrated",
    ReasonCategory.COMPLEX_ISSUE: "too complex for the bot",
    ReasonCategory.HIGH_VALUE: "high-value customer",
}

_STOPWORDS = frozenset(
    """a an the i i'm im me my mine we our you your it its is are was were be been am do does did
    can could would should will shall may might must to of in on at for from with about by and or
    but if so not no yes hi hello hey please thanks thank there this that these those what when
    where why how who which just really very also still again any some have has had get got
    want need know tell help""".split()
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'\-]*")
PREMIUM_WORDS = frozenset({"premium", "pro", "business", "enterprise", "vip", "gold", "platinum"})


@dataclass(frozen=True, slots=True)
class HandoffSummary:
    line: str
    topic: str
    brief_topic: str
    why: str


def find_topic(customer_texts: Sequence[str], article_title: str | None = None) -> str:
    """The topic in a few words: a topic family, else the article matched, else key words."""
    text = " ".join(customer_texts).lower()
    words = set(_WORD.findall(text))
    for name, family in TOPIC_FAMILIES:
        if any((w in words) if " " not in w and "'" not in w else (w in text) for w in family):
            return name
    if article_title:
        return article_title.lower()
    return key_phrase(customer_texts) or "a question the bot could not answer"


def key_phrase(customer_texts: Sequence[str], max_words: int = 5) -> str:
    """The first customer message's content words, in order: a stand-in for its topic."""
    for text in customer_texts:
        words = [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1]
        if words:
            return " ".join(words[:max_words])
    return ""


def is_premium(contact: ContactView | None) -> bool:
    if contact is None:
        return False
    plan = str(contact.attributes.get("plan", "")).lower()
    return any(word in PREMIUM_WORDS for word in _WORD.findall(plan))


def describe_why(reasons: Sequence[ReasonCategory], topic: str, contact: ContactView | None) -> str:
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
        if topic in ("billing", "a refund"):
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
) -> HandoffSummary:
    """The seed's one-line summary, "Customer is asking about [topic] — [why]"."""
    customer_texts = [turn.text for turn in turns if turn.role == "customer"]
    topic = find_topic(customer_texts, article_title)
    why = describe_why(reasons, topic, contact)
    brief = topic.removeprefix("a ").removeprefix("an ")
    if ReasonCategory.EMOTIONAL in reasons and topic in ("billing", "a refund"):
        brief = f"{brief} question, potential refund" if topic == "billing" else "refund request"
    elif topic in ("billing", "a delivery", "a return", "an order", "their account"):
        brief = f"{brief.replace('their ', '')} question"
    return HandoffSummary(f"Customer is asking about {topic} — {why}", topic, brief, why)


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
