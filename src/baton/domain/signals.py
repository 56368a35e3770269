"""Escalation signals: what one customer message, read with the conversation so far, tells us.

`read_signals` is pure and fast (no I/O, no clock: `now` is passed in). Each `Signal` names its
kind, the reason category it points to, a weight the policy adds up, and the words that raised
it, so every decision can say why. The phrase families live in `baton.domain.lexicon`; the
weights and thresholds in `SignalSettings` (`[signals]` in baton.toml). See docs/escalation.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field
from baton.domain import lexicon as lx
from baton.domain.readings import Reading, content_words, read_message
from baton.domain.reasons import ReasonCategory
from baton.domain.turns import ContactView, PageView, Turn

class SignalKind(StrEnum):
    EXPLICIT_ASK = "explicit_ask"
    BOT_FALLBACK = "bot_fallback"
    EARLIER_FALLBACKS = "earlier_fallbacks"
    REPEATED_QUESTION = "repeated_question"
    BOT_REPEATED = "bot_repeated"
    ANSWER_REJECTED = "answer_rejected"
    UNRESOLVED = "unresolved"
    NEGATIVE_WORDS = "negative_words"
    DEMAND = "demand"
    INSULT = "insult"
    SARCASM = "sarcasm"
    EXASPERATION = "exasperation"
    RECURRENCE = "recurrence"
    PROD = "prod"
    REPEATED_PUNCTUATION = "repeated_punctuation"
    NEGATIVE_SENTIMENT = "negative_sentiment"
    SHOUTING = "shouting"
    SHORTER_MESSAGES = "shorter_messages"
    RAPID_FIRE = "rapid_fire"
    COMPLEX_PROBLEM = "complex_problem"
    SENSITIVE_MATTER = "sensitive_matter"
    EXCEPTION_ASKED = "exception_asked"
    LARGE_ORDER = "large_order"
    LARGE_ORDER_EARLIER = "large_order_earlier"
    HIGH_VALUE_CONTACT = "high_value_contact"
    PAGE = "page"


# Context: they raise the stakes of trouble but are never trouble themselves.
CONTEXT_KINDS = frozenset(
    {SignalKind.HIGH_VALUE_CONTACT, SignalKind.LARGE_ORDER_EARLIER, SignalKind.PAGE}
)


@dataclass(frozen=True, slots=True)
class Signal:
    """One reason to think a human should step in, with the words that showed it."""

    kind: SignalKind
    reason: ReasonCategory
    weight: float
    evidence: str


class SignalWeights(BaseModel):
    """How much each signal adds to the policy's score (0 turns a signal off)."""

    explicit_ask: float = Field(1.0, ge=0, description="The customer asks for a person.")
    bot_fallback: float = Field(
        0.55, ge=0, description="The customer goes on after the bot said it could not answer."
    )
    extra_fallback: float = Field(
        0.15, ge=0, description="Added to bot_fallback for each further fallback (up to two)."
    )
    earlier_fallbacks: float = Field(
        0.3, ge=0, description="Two or more fallbacks earlier in the conversation."
    )
    repeated_question: float = Field(
        0.5, ge=0, description="The customer asks again what the bot already answered."
    )
    bot_repeated: float = Field(0.25, ge=0, description="The bot gave the same answer twice.")
    answer_rejected: float = Field(
        0.35, ge=0, description="'That doesn't answer it', 'I already tried that'."
    )
    unresolved: float = Field(
        0.3, ge=0, description="A reported problem goes on after the bot's answer."
    )
    strong_words: float = Field(
        0.55, ge=0, description="'Unacceptable', 'useless', 'terrible' aimed at the service."
    )
    medium_words: float = Field(
        0.35, ge=0, description="'Frustrated', 'broken', 'doesn't work' in a complaint."
    )
    demand: float = Field(
        0.35, ge=0, description="Demands a refund, threatens to cancel or to leave."
    )
    insult: float = Field(0.6, ge=0, description="Insults ('you know nothing', 'stupid').")
    sarcasm: float = Field(
        0.45, ge=0, description="A lone 'great.' or 'brilliant' after a failure."
    )
    exasperation: float = Field(
        0.45, ge=0, description="'Seriously?', 'forget it', 'third time', 'nobody came'."
    )
    recurrence: float = Field(
        0.35, ge=0, description="The same let-down again ('third time this week', 'Again.')."
    )
    prod: float = Field(0.4, ge=0, description="'hello?', 'and?', 'no' after being left unhelped.")
    repeated_punctuation: float = Field(0.3, ge=0, description="'!!!', '??', '?!'.")
    negative_sentiment: float = Field(
        0.2, ge=0, description="A clearly negative message by sentiment score."
    )
    shouting: float = Field(0.55, ge=0, description="A message written in capitals.")
    shorter_messages: float = Field(
        0.3, ge=0, description="Each of the last messages shorter than the one before."
    )
    rapid_fire: float = Field(0.25, ge=0, description="Several messages in a short time.")
    complex_per_problem: float = Field(
        0.2, ge=0, description="Each distinct problem reported (wrong charge, missing item)."
    )
    complex_bonus: float = Field(
        0.15,
        ge=0,
        description="Added for money or an account at stake, for several problems at once, "
        "and for a contradiction ('even though', 'which I never asked for').",
    )
    sensitive_matter: float = Field(
        0.55, ge=0, description="Security, fraud, legal or safety matters."
    )
    exception_asked: float = Field(
        0.35, ge=0, description="Asks for an exception to a rule (waive a fee, end early)."
    )
    large_order: float = Field(
        0.55, ge=0, description="A large order or deal discussed in this message."
    )
    large_order_earlier: float = Field(
        0.15, ge=0, description="Context: a large order discussed earlier."
    )
    high_value_contact: float = Field(
        0.15, ge=0, description="Context: premium plan or spend over a threshold."
    )
    page: float = Field(0.1, ge=0, description="Context: checkout, cancellation or billing page.")


class SignalSettings(BaseModel):
    """What counts as a signal: thresholds, word lists and weights (`[signals]`)."""

    weights: SignalWeights = Field(default_factory=SignalWeights)
    premium_plans: list[str] = Field(
        default_factory=lambda: [
            "premium",
            "platinum",
            "enterprise",
            "business",
            "plus",
            "pro",
            "vip",
            "gold",
            "corporate",
            "trade",
        ],
        description="Plan or account-type words (whole words, any case) that mark a premium "
        "customer; a plan name ending in '+' counts too.",
    )
    plan_attributes: list[str] = Field(
        default_factory=lambda: ["plan", "tier", "plan_name", "subscription", "account_type"],
        description="Contact attributes that hold the plan or account type.",
    )
    value_thresholds: dict[str, float] = Field(
        default_factory=lambda: {
            "lifetime_value": 5000.0,
            "ltv": 5000.0,
            "total_spent": 5000.0,
            "order_value": 1000.0,
            "cart_value": 1000.0,
            "monthly_spend": 1000.0,
            "annual_spend": 10000.0,
            "seats": 100.0,
        },
        description="Numeric contact attributes and the value at or over which the customer "
        "is high value.",
    )
    large_order_amount: float = Field(
        1000.0, gt=0, description="An amount (£, $, €) at or over this in a message is large."
    )
    large_order_quantity: int = Field(
        25, gt=0, description="A quantity (people, seats, units) at or over this is large."
    )
    checkout_pages: list[str] = Field(
        default_factory=lambda: ["checkout", "cart", "basket", "payment"],
        description="Words in a page URL or title that mark a checkout page.",
    )
    cancellation_pages: list[str] = Field(
        default_factory=lambda: ["cancel", "unsubscribe", "close-account", "downgrade"],
        description="Words in a page URL or title that mark a cancellation page.",
    )
    billing_pages: list[str] = Field(
        default_factory=lambda: ["billing", "bills", "invoice", "refund"],
        description="Words in a page URL or title that mark a billing page.",
    )
    shouting_min_words: int = Field(
        3, ge=1, description="Fewest all-capital words for a message to count as shouting."
    )
    shouting_share: float = Field(
        0.6, gt=0, le=1, description="Share of words in capitals for shouting."
    )
    repeat_similarity: float = Field(
        0.6,
        gt=0,
        le=1,
        description="Share of the shorter question's content words found in the other for "
        "two questions to be the same question.",
    )
    shorter_ratio: float = Field(
        0.8, gt=0, lt=1, description="Each message at most this share of the one before."
    )
    shorter_max_chars: int = Field(
        30, ge=1, description="The last message must be this short to count as curt."
    )
    sentiment_threshold: float = Field(
        -0.5, ge=-1, le=0, description="VADER compound score at or below which a message is negative."
    )
    rapid_fire_messages: int = Field(
        3, ge=2, description="This many customer messages in rapid_fire_seconds is rapid fire."
    )
    rapid_fire_seconds: float = Field(
        30.0, gt=0, description="The window for rapid_fire_messages."
    )


DEFAULT_SIGNAL_SETTINGS = SignalSettings()




# Which SignalKind each word cue of a Reading raises.
_CUE_KINDS: Mapping[str, SignalKind] = {
    "strong_words": SignalKind.NEGATIVE_WORDS,
    "medium_words": SignalKind.NEGATIVE_WORDS,
    "demand": SignalKind.DEMAND,
    "exasperation": SignalKind.EXASPERATION,
    "recurrence": SignalKind.RECURRENCE,
    "insult": SignalKind.INSULT,
    "repeated_punctuation": SignalKind.REPEATED_PUNCTUATION,
    "negative_sentiment": SignalKind.NEGATIVE_SENTIMENT,
}


def read_signals(
    message: str,
    history: Sequence[Turn],
    contact: ContactView | None = None,
    page: PageView | None = None,
    now: datetime | None = None,
    settings: SignalSettings = DEFAULT_SIGNAL_SETTINGS,
) -> list[Signal]:
    """Every signal in `message`, read with `history` (the turns before it, oldest first)."""
    w = settings.weights
    reading = read_message(message)
    earlier = [read_message(t.text) for t in history if t.role == "customer"]
    bots = [t for t in history if t.role == "bot"]
    last_bot = bots[-1] if bots else None
    # The bot has just failed: right after a fallback, or after an earlier troubled message.
    after_failure = last_bot is not None and last_bot.outcome == "fallback"
    trouble_before = after_failure or any(r.troubled for r in earlier)
    signals: list[Signal] = []

    if reading.explicit:
        signals.append(
            Signal(SignalKind.EXPLICIT_ASK, R.EXPLICIT_REQUEST, w.explicit_ask, reading.explicit)
        )
    signals.extend(_knowledge_limit(reading, history, bots, w))
    signals.extend(_behaviour(message, reading, history, earlier, last_bot, now, settings))
    signals.extend(_words(reading, after_failure, trouble_before, settings))
    signals.extend(_complex(reading, earlier, w))
    signals.extend(_context(reading, earlier, contact, page, settings))
    return signals


R = ReasonCategory


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1]}…"'


def _knowledge_limit(
    reading: Reading, history: Sequence[Turn], bots: Sequence[Turn], w: SignalWeights
) -> list[Signal]:
    """Fallbacks: the bot said it could not answer, and the customer did not let it go."""
    fallbacks = [t for t in bots if t.outcome == "fallback"]
    if not fallbacks or reading.closing:
        return []
    if bots[-1].outcome == "fallback":
        extra = min(len(fallbacks) - 1, 2)
        return [
            Signal(
                SignalKind.BOT_FALLBACK,
                R.KNOWLEDGE_GAP,
                w.bot_fallback + extra * w.extra_fallback,
                f"{len(fallbacks)} fallback(s), last {_quote(bots[-1].text)}; "
                f"the customer went on",
            )
        ]
    if len(fallbacks) >= 2:
        return [
            Signal(
                SignalKind.EARLIER_FALLBACKS,
                R.KNOWLEDGE_GAP,
                w.earlier_fallbacks,
                f"{len(fallbacks)} earlier fallbacks",
            )
        ]
    return []


def _similar(a: frozenset[str], b: frozenset[str]) -> float:
    shared = len(a & b)
    if shared < 2:
        return 0.0
    return shared / min(len(a), len(b))


def _behaviour(
    message: str,
    reading: Reading,
    history: Sequence[Turn],
    earlier: Sequence[Reading],
    last_bot: Turn | None,
    now: datetime | None,
    settings: SignalSettings,
) -> list[Signal]:
    """Repeats, refusals, curt and rapid messages, capitals."""
    w = settings.weights
    out: list[Signal] = []
    answered_before = last_bot is not None and last_bot.outcome != "fallback"
    stakes = reading.stakes or (bool(earlier) and earlier[-1].stakes)
    if answered_before and not reading.closing and not reading.follow_up:
        # The same question again after the bot answered it: the answer did not land.
        best, best_text = 0.0, ""
        for turn, prior in zip(_answered_questions(history), earlier, strict=False):
            if turn is None:
                continue
            score = _similar(reading.content, prior.content)
            if score > best:
                best, best_text = score, turn
        if best >= settings.repeat_similarity:
            out.append(
                Signal(
                    SignalKind.REPEATED_QUESTION,
                    # About the customer's own bill, order or account, a general answer that
                    # did not land needs someone who can look at it.
                    R.COMPLEX_ISSUE if stakes else R.KNOWLEDGE_GAP,
                    w.repeated_question,
                    f"asked again ({best:.0%} the same as {_quote(best_text, 60)})",
                )
            )
        if reading.rejection:
            out.append(
                Signal(
                    SignalKind.ANSWER_REJECTED,
                    R.EMOTIONAL,
                    w.answer_rejected,
                    _quote(reading.rejection),
                )
            )
        if earlier and earlier[-1].troubled and earlier[-1].problems or (
            earlier and earlier[-1].rejection
        ):
            out.append(
                Signal(
                    SignalKind.UNRESOLVED,
                    R.COMPLEX_ISSUE if stakes else R.KNOWLEDGE_GAP,
                    w.unresolved,
                    f"the problem goes on after the bot's answer: {_quote(message, 60)}",
                )
            )
        if last_bot is not None and _bot_repeated(history, last_bot):
            out.append(
                Signal(
                    SignalKind.BOT_REPEATED,
                    R.KNOWLEDGE_GAP,
                    w.bot_repeated,
                    f"the bot said it again: {_quote(last_bot.text, 60)}",
                )
            )
    shouting = reading.caps_run or (
        message.strip()
        if reading.caps_words >= settings.shouting_min_words
        and reading.caps_words >= settings.shouting_share * reading.words
        else None
    )
    if shouting:
        out.append(Signal(SignalKind.SHOUTING, R.EMOTIONAL, w.shouting, _quote(shouting)))
    lengths = [len(r.norm) for r in earlier[-2:]] + [len(reading.norm)]
    if (
        len(lengths) == 3
        and not reading.closing
        and lengths[-1] <= settings.shorter_max_chars
        and all(b <= a * settings.shorter_ratio for a, b in zip(lengths, lengths[1:], strict=False))
    ):
        out.append(
            Signal(
                SignalKind.SHORTER_MESSAGES,
                R.EMOTIONAL,
                w.shorter_messages,
                "messages of " + " → ".join(str(n) for n in lengths) + " characters",
            )
        )
    if now is not None:
        window = settings.rapid_fire_seconds
        recent = [
            t
            for t in history
            if t.role == "customer" and t.at is not None and 0 <= (now - t.at).total_seconds() <= window
        ]
        if len(recent) + 1 >= settings.rapid_fire_messages:
            out.append(
                Signal(
                    SignalKind.RAPID_FIRE,
                    R.EMOTIONAL,
                    w.rapid_fire,
                    f"{len(recent) + 1} messages within {window:g} s",
                )
            )
    return out


def _answered_questions(history: Sequence[Turn]) -> list[str | None]:
    """Each earlier customer message, or None when the bot did not answer it."""
    out: list[str | None] = []
    for i, turn in enumerate(history):
        if turn.role != "customer":
            continue
        reply = next((t for t in history[i + 1 :] if t.role == "bot"), None)
        out.append(turn.text if reply is not None and reply.outcome == "answered" else None)
    return out


def _bot_repeated(history: Sequence[Turn], last_bot: Turn) -> bool:
    """The bot's last answer is (nearly) one it gave before: the conversation is going round."""
    said = content_words(last_bot.text)
    return bool(said) and any(
        turn.role == "bot"
        and turn is not last_bot
        and _similar(said, content_words(turn.text)) >= 0.9
        for turn in history
    )


def _words(
    reading: Reading, after_failure: bool, trouble_before: bool, settings: SignalSettings
) -> list[Signal]:
    """Feelings in the words: complaints, demands, insults, sarcasm, prods, sentiment."""
    w = settings.weights
    out: list[Signal] = []
    seen: set[str] = set()
    for cue in reading.cues:
        # One signal per cue kind; a second strong word adds little.
        if cue.name in seen:
            continue
        seen.add(cue.name)
        weight = float(getattr(w, cue.name)) * cue.factor
        out.append(Signal(_CUE_KINDS[cue.name], R.EMOTIONAL, weight, _quote(cue.evidence)))
    if reading.sarcasm and (after_failure or trouble_before or reading.troubled):
        out.append(Signal(SignalKind.SARCASM, R.EMOTIONAL, w.sarcasm, _quote(reading.sarcasm)))
    elif reading.prod and (after_failure or trouble_before):
        out.append(Signal(SignalKind.PROD, R.EMOTIONAL, w.prod, _quote(reading.prod)))
    return out


def _complex(reading: Reading, earlier: Sequence[Reading], w: SignalWeights) -> list[Signal]:
    """Problems a bot cannot act on: several at once, money or an account at stake, legal."""
    out: list[Signal] = []
    if reading.sensitive:
        out.append(
            Signal(
                SignalKind.SENSITIVE_MATTER,
                R.COMPLEX_ISSUE,
                w.sensitive_matter,
                _quote(reading.sensitive),
            )
        )
    if reading.exception:
        out.append(
            Signal(
                SignalKind.EXCEPTION_ASKED,
                R.COMPLEX_ISSUE,
                w.exception_asked,
                _quote(reading.exception),
            )
        )
    problems = reading.problems
    if not problems or reading.closing:
        return out
    weight = w.complex_per_problem * min(len(problems), 3)
    notes = list(problems)
    if reading.stakes:
        weight += w.complex_bonus
    if len(problems) >= 2:
        weight += w.complex_bonus
    if reading.contradiction:
        weight += w.complex_bonus
        notes.append(reading.contradiction)
    if reading.duration:
        weight += w.complex_bonus
        notes.append(reading.duration)
    if reading.urgency:
        weight += w.complex_bonus
        notes.append(reading.urgency)
    if reading.resolution_ask:
        weight += w.complex_bonus / 2
    out.append(
        Signal(
            SignalKind.COMPLEX_PROBLEM,
            R.COMPLEX_ISSUE,
            round(weight, 3),
            ", ".join(_quote(n, 40) for n in notes),
        )
    )
    return out


def _large_order(reading: Reading, settings: SignalSettings) -> str | None:
    big_amounts = [a for a in reading.amounts if a >= settings.large_order_amount]
    if big_amounts:
        return f"an amount of {max(big_amounts):,.0f}"
    big = [q for q in reading.quantities if q >= settings.large_order_quantity]
    if big and reading.purchase:
        return f"a quantity of {max(big):,}"
    return None


def _context(
    reading: Reading,
    earlier: Sequence[Reading],
    contact: ContactView | None,
    page: PageView | None,
    settings: SignalSettings,
) -> list[Signal]:
    """Who the customer is, which page they are on, how large a deal is on the table."""
    w = settings.weights
    out: list[Signal] = []
    if found := _large_order(reading, settings):
        out.append(Signal(SignalKind.LARGE_ORDER, R.HIGH_VALUE, w.large_order, found))
    elif any(found := _large_order(r, settings) for r in earlier):
        out.append(
            Signal(
                SignalKind.LARGE_ORDER_EARLIER,
                R.HIGH_VALUE,
                w.large_order_earlier,
                f"earlier: {found}",
            )
        )
    if contact is not None and (why := high_value_contact(contact.attributes, settings)):
        out.append(Signal(SignalKind.HIGH_VALUE_CONTACT, R.HIGH_VALUE, w.high_value_contact, why))
    if page is not None and (kind := page_kind(page, settings)):
        reason = {"checkout": R.HIGH_VALUE, "cancellation": R.EMOTIONAL}.get(
            kind, R.COMPLEX_ISSUE
        )
        out.append(Signal(SignalKind.PAGE, reason, w.page, f"{kind} page {page.url or page.title}"))
    return out


def high_value_contact(attributes: Mapping[str, Any], settings: SignalSettings) -> str | None:
    """Why the contact is high value (premium plan, spend over a threshold), or None."""
    for key in settings.plan_attributes:
        value = attributes.get(key)
        if not isinstance(value, str):
            continue
        lowered = value.lower()
        words = set(lx.CONTENT_WORD.findall(lowered))
        if lowered.rstrip().endswith("+") or words & {p.lower() for p in settings.premium_plans}:
            return f"{key} {value!r}"
    for key, threshold in settings.value_thresholds.items():
        value = attributes.get(key)
        if isinstance(value, int | float) and not isinstance(value, bool) and value >= threshold:
            return f"{key} {value:,} ≥ {threshold:,.0f}"
    return None


def page_kind(page: PageView, settings: SignalSettings) -> str | None:
    """'checkout', 'cancellation' or 'billing' when the page is one of those, else None."""
    where = f"{page.url or ''} {page.title or ''}".lower()
    for kind, words in (
        ("checkout", settings.checkout_pages),
        ("cancellation", settings.cancellation_pages),
        ("billing", settings.billing_pages),
    ):
        if any(word.lower() in where for word in words):
            return kind
    return None
