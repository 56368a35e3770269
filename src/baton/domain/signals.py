"""Escalation signals: what one customer message, read with the conversation so far, tells us.

`read_signals` is pure and fast (no I/O, no clock: `now` is passed in). Each `Signal` names its
kind, the reason category it points to, a weight the policy adds up, and the words that raised
it, so every decision can say why. The phrase families live in `baton.domain.lexicon`; the
weights and thresholds in `SignalSettings` (`[signals]` in baton.toml). See docs/escalation.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from itertools import pairwise
from typing import Any

from baton.domain import asks
from baton.domain import lexicon as lx
from baton.domain.reader import LabelReading, fold, read_labels, shipped_model
from baton.domain.readings import Cue, Reading, content_words, read_message
from baton.domain.reasons import ReasonCategory
from baton.domain.signal_settings import SignalSettings, SignalWeights
from baton.domain.turns import ContactView, PageView, Turn

__all__ = [
    "CONTEXT_KINDS",
    "DEFAULT_SIGNAL_SETTINGS",
    "Signal",
    "SignalKind",
    "SignalSettings",
    "SignalWeights",
    "high_value_contact",
    "page_kind",
    "read_signals",
]


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
    READ_EMOTIONAL = "read_emotional"
    READ_COMPLEX = "read_complex"
    LARGE_ORDER = "large_order"
    LARGE_ORDER_EARLIER = "large_order_earlier"
    HIGH_VALUE_CONTACT = "high_value_contact"
    PAGE = "page"


# The reader's own sense of trouble: confident, it offers a person, but it does not bring
# context (a premium plan, a checkout page) into the score.
READER_KINDS = frozenset({SignalKind.READ_EMOTIONAL, SignalKind.READ_COMPLEX})

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


DEFAULT_SIGNAL_SETTINGS = SignalSettings()
# VADER's compound score (English) over which a message without any rule's trouble reads warm.
_WARM = 0.3
R = ReasonCategory


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
    # A lone "great." or "hello?" means something only after the bot failed or the customer
    # already showed trouble.
    after_failure = last_bot is not None and last_bot.outcome == "fallback"
    trouble_before = after_failure or any(r.troubled for r in earlier)
    signals: list[Signal] = []

    read = read_labels(shipped_model(), message, history) if settings.reader else {}
    if reading.explicit:
        signals.append(
            Signal(SignalKind.EXPLICIT_ASK, R.EXPLICIT_REQUEST, w.explicit_ask, reading.explicit)
        )
    elif (
        (ask := read.get("explicit_request")) is not None
        and ask.trusted(settings.reader_ask_probability)
        and _reader_ask_holds(message, reading, ask)
    ):
        signals.append(
            Signal(SignalKind.EXPLICIT_ASK, R.EXPLICIT_REQUEST, w.explicit_ask, ask.evidence())
        )
    signals.extend(_knowledge_limit(reading, bots, w))
    signals.extend(_behaviour(message, reading, history, earlier, last_bot, now, settings))
    signals.extend(_words(reading, after_failure, trouble_before, settings))
    signals.extend(_complex(reading, w))
    if not (reading.closing or reading.letting_go):
        # A customer who laughs ("I fainted last time lol") is not upset, whatever the words.
        laughing = bool(lx.LAUGHTER.search(message.lower()))
        signals.extend(_read_trouble(read, signals, settings, laughing, _calm_question(reading)))
    signals.extend(_context(reading, earlier, contact, page, settings))
    return signals


def _reader_ask_holds(message: str, reading: Reading, ask: LabelReading) -> bool:
    """An ask the reader found and the rules did not hands over unless the rules know better:
    it is negated, it is about someone of the customer's own, or it is a look-alike."""
    # the rules' negations are exact: "I don't want to talk to anyone" is no ask
    if reading.negated_ask:
        return False
    folded = fold(reading.norm)
    if lx.OWN_PEOPLE.search(folded) or lx.NOT_OUR_PERSON.search(folded):
        return False  # "talk to my manager first", "call me a taxi"
    if ask.first_word_at is not None:
        before = message[: ask.first_word_at].lower()
        clause = before[max(before.rfind(ch) for ch in ".,;:!?") + 1 :]
        if asks.ASK_NEGATION.search(clause):
            return False  # "I don't need to talk to reception"
    return True


def _calm_question(reading: Reading) -> bool:
    """A question asked calmly about how things work or what they cost ("how do I cancel the
    add-on?", "what's your refund policy, just asking"), or a warm message the rules find no
    trouble in: the rules' veto on the reader offering alone, however much the words sound like
    trouble."""
    if reading.hedged:
        return True
    # a failed step alone ("I can't find it") is what a how-to question is about
    if reading.cues or reading.rejection or reading.harm or reading.sensitive or reading.caps_run:
        return False
    if reading.sarcasm or reading.prod:
        return False
    # a glad or warm message ("we're adopting a rescue dog, so excited!") is not trouble either
    if reading.compound >= _WARM:
        return True
    return reading.question and bool(
        lx.HOW_TO.search(reading.norm) or lx.HOW_QUESTION.search(fold(reading.norm))
    )


def _read_trouble(
    read: Mapping[str, LabelReading],
    found_by_rules: Sequence[Signal],
    settings: SignalSettings,
    laughing: bool,
    calm_question: bool,
) -> list[Signal]:
    """The reader's sense that the customer is upset or has a problem a person must fix.

    It covers what the rules have no words for. Confident (at or over its fitted bar), it weighs
    enough to offer a person on its own, unless the rules read a calm question; otherwise it adds
    to other signs. Where the rules already raised the same reason, the reader adds only what it
    weighs beyond them, so one complaint is not counted twice."""
    w = settings.weights
    # (signal at full weight, the same at its plain reading's weight)
    found_any: list[tuple[Signal, float]] = []
    for label, kind, reason, weight in (
        ("emotional", SignalKind.READ_EMOTIONAL, R.EMOTIONAL, w.reader_emotional),
        ("complex_issue", SignalKind.READ_COMPLEX, R.COMPLEX_ISSUE, w.reader_complex),
    ):
        found = read.get(label)
        if found is None or (laughing and label == "emotional"):
            continue
        trusted = not calm_question and found.trusted(settings.reader_offer_probability)
        if not (trusted or found.over(settings.reader_trouble_probability)):
            named = found.over(settings.reader_name_probability)
            if named and not any(s.reason is reason for s in found_by_rules):
                # read, not sure: names its reason if something else hands over, weighs nothing
                found_any.append((Signal(kind, reason, 0.0, found.evidence()), 0.0))
            continue
        plain = weight * found.probability
        own = max(plain, w.reader_trusted) if trusted else plain
        ruled = sum(s.weight for s in found_by_rules if s.reason is reason)
        if round(own - ruled, 3) > 0:
            signal = Signal(kind, reason, round(own - ruled, 3), found.evidence())
            found_any.append((signal, round(plain - ruled, 3)))
    found_any.sort(key=lambda pair: -pair[0].weight)
    # One message is one offer: the stronger reading may bring it, the other only adds its plain
    # weight (enough to be named beside it, never enough to hand over at once).
    out = [pair[0] for pair in found_any[:1]]
    out.extend(replace(s, weight=max(plain, 0.0)) for s, plain in found_any[1:])
    return out


def _quote(text: str, limit: int = 80) -> str:
    text = " ".join(text.split())
    return f'"{text}"' if len(text) <= limit else f'"{text[: limit - 1]}…"'


def _knowledge_limit(reading: Reading, bots: Sequence[Turn], w: SignalWeights) -> list[Signal]:
    """Fallbacks: the bot said it could not answer, and the customer did not let it go."""
    fallbacks = [t for t in bots if t.outcome == "fallback"]
    # Persisting means asking on or pushing back; "hmm ok" lets the matter go.
    if not fallbacks or reading.closing or reading.acknowledgement or reading.letting_go:
        return []
    if bots[-1].outcome == "fallback":
        extra = min(len(fallbacks) - 1, 2)
        return [
            Signal(
                SignalKind.BOT_FALLBACK,
                R.KNOWLEDGE_GAP,
                w.bot_fallback + extra * w.extra_fallback,
                f"{len(fallbacks)} fallback(s), last {_quote(bots[-1].text)}; the customer went on",
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
        # Only a question can be asked again: "sold, signing up now" echoes, it does not ask.
        if best >= settings.repeat_similarity and reading.question and not reading.confirming:
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
                    w.answer_rejected if reading.rejection_strong else w.pushback,
                    _quote(reading.rejection),
                )
            )
        # The problem goes on: the last message reported trouble, or the customer pushes back
        # on an answer about their own order, bill or account.
        pushes_back = bool(reading.rejection or reading.problems)
        if earlier and (earlier[-1].troubled or (pushes_back and earlier[-1].stakes)):
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
        # Acronyms and codes (SKU, VAT, 5G) are capitals too; shouting has ordinary words.
        and reading.caps_plain >= 2
        else None
    )
    if shouting:
        out.append(Signal(SignalKind.SHOUTING, R.EMOTIONAL, w.shouting, _quote(shouting)))
    lengths = [len(r.norm) for r in earlier[-2:]] + [len(reading.norm)]
    if (
        len(lengths) == 3
        and not reading.closing
        and lengths[-1] <= settings.shorter_max_chars
        and all(b <= a * settings.shorter_ratio for a, b in pairwise(lengths))
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
        # Only messages nobody has answered yet ("hello?" "anyone?"): a calm customer writing
        # every few seconds to a bot that answers each time is having a conversation.
        unanswered: list[Turn] = []
        for said in reversed(history):
            if said.role != "customer":
                break
            unanswered.append(said)
        recent = [
            t
            for t in unanswered
            if t.at is not None and 0 <= (now - t.at).total_seconds() <= window
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
    # "You're welcome! Anything else?" is said many times without anything going round.
    if len(said) < 3 or lx.BOT_PLEASANTRY.search(last_bot.text.lower()):
        return False
    return any(
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
    strongest: dict[str, Cue] = {}
    for cue in reading.cues:
        # One signal per cue kind: a second strong word adds little to the first.
        if cue.name not in strongest or cue.factor > strongest[cue.name].factor:
            strongest[cue.name] = cue
    for cue in strongest.values():
        weight = float(getattr(w, cue.name)) * cue.factor
        out.append(Signal(_CUE_KINDS[cue.name], R.EMOTIONAL, weight, _quote(cue.evidence)))
    if reading.sarcasm and (after_failure or trouble_before or reading.troubled):
        out.append(Signal(SignalKind.SARCASM, R.EMOTIONAL, w.sarcasm, _quote(reading.sarcasm)))
    elif reading.prod and (after_failure or trouble_before):
        out.append(Signal(SignalKind.PROD, R.EMOTIONAL, w.prod, _quote(reading.prod)))
    return out


def _complex(reading: Reading, w: SignalWeights) -> list[Signal]:
    """Problems a bot cannot act on: several at once, money or an account at stake, legal."""
    out: list[Signal] = []
    if reading.sensitive:
        out.append(
            Signal(
                SignalKind.SENSITIVE_MATTER,
                R.COMPLEX_ISSUE,
                # asked about how it works, not told as having happened: half the weight
                w.sensitive_matter * (0.5 if reading.sensitive_asked else 1.0),
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
    # Harm told as a fact weighs a full problem; an error message, a failed step or a problem
    # only asked about weighs less.
    per_problem = w.complex_per_problem if reading.harm else w.complex_glitch
    weight = per_problem * min(reading.problem_clauses, 3)
    notes = list(problems)
    if reading.stakes:
        weight += w.complex_bonus
    if reading.problem_clauses >= 2:
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
    # "someone moved £2,400 out of my account" is a loss, not a deal
    amounts = () if reading.harm or reading.sensitive else reading.amounts
    big_amounts = [a for a in amounts if a >= settings.large_order_amount]
    if big_amounts:
        return f"an amount of {max(big_amounts):,.0f}"
    big = [q for q in reading.quantities if q >= settings.large_order_quantity]
    if big and reading.purchase:
        return f"a quantity of {max(big):,}"
    if reading.event_order:
        return f"an event order: {_quote(reading.event_order, 50)}"
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
        reason = {"checkout": R.HIGH_VALUE, "cancellation": R.EMOTIONAL}.get(kind, R.COMPLEX_ISSUE)
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
