"""Handoff quality over conversations: repeat contact, reasons over time, escalation rates and
the questions the bot could not answer.

Pure arithmetic like `baton.domain.metrics`, whose `HandoffRecord` it reads.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal, NamedTuple

from baton.domain.business_hours import BusinessHours
from baton.domain.metrics import HandoffRecord, ratio, utc_fields
from baton.domain.reasons import ReasonCategory

DEFAULT_REPEAT_WINDOW = timedelta(days=7)
DEFAULT_MIN_SIMILARITY = 0.5
# Grouping compares questions with each other; beyond this many only the most recent are kept,
# so a busy site's dashboard still loads quickly.
DEFAULT_MAX_QUESTIONS = 5000

Bucket = Literal["day", "week"]

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
# Words that carry no topic: "do you ship to Norway" and "can I ship to norway?" are the same
# question. Kept short and English, like the bot's own phrasing rules.
_STOPWORDS = frozenset(
    """a an the and or but if of to in on at for from by with about into over as is are was were
    be been being am do does did doing have has had having i me my we our you your it its this
    that these those there here what which who whom when where why how can could would should
    will shall may might must please hi hello hey thanks thank any some just so not no yes get
    got let know want need tell""".split()
)


def normalise_text(text: str) -> str:
    """Lower case, words only, single spaces: "Refund  status?" and "refund status" are equal."""
    return " ".join(_WORD.findall(text.casefold()))


@dataclass(frozen=True, slots=True)
class ConversationRecord:
    """One conversation as the measures see it; `reopened_at` is when a closed one came back."""

    id: str
    contact_key: str | None
    created_at: datetime
    handed_off: bool = False
    reopened_at: datetime | None = None
    topic: str = ""

    def __post_init__(self) -> None:
        utc_fields(self, "created_at", "reopened_at")


@dataclass(frozen=True, slots=True)
class UnansweredQuestion:
    """A customer question the bot could not answer (a knowledge gap)."""

    text: str
    at: datetime

    def __post_init__(self) -> None:
        utc_fields(self, "at")


# Repeat contact -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RepeatContactStats:
    """Resolved handoffs whose customer came back within the window.

    A handoff is a repeat when its conversation was reopened after it was resolved, or when the
    same contact started another conversation on the same (normalised) topic; counted once
    even when both happened. `reopened` and `new_conversation` split `repeated` by cause, the
    reopen taking precedence.
    """

    resolved: int
    repeated: int
    reopened: int
    new_conversation: int
    rate: float | None
    window: timedelta = DEFAULT_REPEAT_WINDOW

    def as_dict(self) -> dict[str, int | float | None]:
        """JSON-friendly values: the window in seconds, None kept."""
        return {
            "resolved": self.resolved,
            "repeated": self.repeated,
            "reopened": self.reopened,
            "new_conversation": self.new_conversation,
            "rate": self.rate,
            "window_seconds": self.window.total_seconds(),
        }


def repeat_contact_rate(
    handoffs: Iterable[HandoffRecord],
    conversations: Iterable[ConversationRecord],
    window: timedelta = DEFAULT_REPEAT_WINDOW,
) -> RepeatContactStats:
    """The share of resolved handoffs followed by a repeat contact within `window`.

    "Within" means strictly after `resolved_at` and at most `window` after it. A handoff or
    conversation without a contact key or a topic can only repeat through a reopen.
    """
    reopened_at: dict[str, datetime] = {}
    # (contact, topic) -> sorted start times, so each handoff is one binary search.
    starts: dict[tuple[str, str], list[tuple[datetime, str]]] = {}
    for conversation in conversations:
        if conversation.reopened_at is not None:
            reopened_at[conversation.id] = conversation.reopened_at
        topic = normalise_text(conversation.topic)
        if conversation.contact_key and topic:
            key = (conversation.contact_key, topic)
            starts.setdefault(key, []).append((conversation.created_at, conversation.id))
    timeline = {key: _Timeline(sorted(entries)) for key, entries in starts.items()}

    resolved = by_reopen = by_new = 0
    for handoff in handoffs:
        done = handoff.resolved_at
        if done is None:
            continue
        resolved += 1
        until = done + window
        reopen = reopened_at.get(handoff.conversation_id)
        if reopen is not None and done < reopen <= until:
            by_reopen += 1
        elif _came_back(handoff, timeline, done, until):
            by_new += 1
    return RepeatContactStats(
        resolved=resolved,
        repeated=by_reopen + by_new,
        reopened=by_reopen,
        new_conversation=by_new,
        rate=ratio(by_reopen + by_new, resolved),
        window=window,
    )


class _Timeline:
    """One contact's conversations on one topic, by start time."""

    def __init__(self, entries: list[tuple[datetime, str]]) -> None:
        self.times = [moment for moment, _id in entries]
        self.ids = [conversation_id for _moment, conversation_id in entries]


def _came_back(
    handoff: HandoffRecord,
    timeline: dict[tuple[str, str], _Timeline],
    done: datetime,
    until: datetime,
) -> bool:
    topic = normalise_text(handoff.topic)
    if not handoff.contact_key or not topic:
        return False
    found = timeline.get((handoff.contact_key, topic))
    if found is None:
        return False
    index = bisect.bisect_right(found.times, done)
    while index < len(found.times) and found.times[index] <= until:
        # The handoff's own conversation is a reopen, counted above, not a new contact.
        if found.ids[index] != handoff.conversation_id:
            return True
        index += 1
    return False


# Reasons over time ----------------------------------------------------------------------------


class ReasonBucket(NamedTuple):
    """Handoffs per reason in one day or week (starting Monday), in the business timezone.

    Unpacks as `(start, counts)`; every reason is present, zero included, in canonical order.
    """

    start: date
    counts: dict[ReasonCategory, int]

    def as_dict(self) -> dict[str, str | int]:
        """JSON-friendly values: the start date as ISO text, reasons by name."""
        row: dict[str, str | int] = {"start": self.start.isoformat()}
        row.update({str(reason): count for reason, count in self.counts.items()})
        return row


def _bucket_start(moment: datetime, hours: BusinessHours, bucket: Bucket) -> date:
    return _align(moment.astimezone(hours.tz).date(), bucket)


def reasons_over_time(
    handoffs: Iterable[HandoffRecord],
    hours: BusinessHours,
    bucket: Bucket,
    *,
    start: date | None = None,
    end: date | None = None,
) -> list[ReasonBucket]:
    """Handoffs per reason per day or ISO week, by local date in the business timezone.

    A handoff with several reasons counts once under each. Buckets run without gaps from
    `start` to `end` (inclusive, both local dates; the data's first and last when not given);
    handoffs outside that span are left out.
    """
    if bucket not in ("day", "week"):
        raise ValueError(f"unknown bucket {bucket!r}: expected 'day' or 'week'")
    step = timedelta(days=7 if bucket == "week" else 1)
    counts: dict[date, Counter[ReasonCategory]] = {}
    for handoff in handoffs:
        key = _bucket_start(handoff.created_at, hours, bucket)
        counts.setdefault(key, Counter()).update(set(handoff.reasons))
    first = _align(start, bucket) if start is not None else min(counts, default=None)
    last = _align(end, bucket) if end is not None else max(counts, default=None)
    if first is None or last is None:
        return []
    buckets = []
    day = first
    while day <= last:
        found = counts.get(day, Counter())
        buckets.append(ReasonBucket(day, {reason: found[reason] for reason in ReasonCategory}))
        day += step
    return buckets


def _align(day: date, bucket: Bucket) -> date:
    return day - timedelta(days=day.weekday()) if bucket == "week" else day


# Escalation and containment -------------------------------------------------------------------


class EscalationRates(NamedTuple):
    """Unpacks as `(escalation_rate, containment_rate)`; both None without conversations."""

    escalation_rate: float | None
    containment_rate: float | None

    def as_dict(self) -> dict[str, float | None]:
        """JSON-friendly values, None kept."""
        return {
            "escalation_rate": self.escalation_rate,
            "containment_rate": self.containment_rate,
        }


def escalation_rates(conversations: Iterable[ConversationRecord]) -> EscalationRates:
    """Share of conversations handed to a human, and share the bot handled alone."""
    total = handed = 0
    for conversation in conversations:
        total += 1
        handed += conversation.handed_off
    return EscalationRates(ratio(handed, total), ratio(total - handed, total))


# Questions the bot could not answer -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    """Near-duplicate unanswered questions, e.g. "do you ship to Norway" asked 4 times.

    `example` is the wording asked most often (the earliest of equals); `texts` the distinct
    wordings, most asked first.
    """

    example: str
    count: int
    texts: tuple[str, ...]
    last_asked: datetime

    @property
    def label(self) -> str:
        """What the site owner reads: "do you ship to Norway (4)"."""
        return f"{self.example} ({self.count})"

    def as_dict(self) -> dict[str, str | int | list[str]]:
        """JSON-friendly values: the last time asked as ISO text."""
        return {
            "example": self.example,
            "count": self.count,
            "texts": list(self.texts),
            "last_asked": self.last_asked.isoformat(),
        }


def _stem(word: str) -> str:
    # A plural and its singular are one topic word ("refunds", "refund"); "address" keeps its s.
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word.removesuffix("'s")


def question_words(text: str) -> frozenset[str]:
    """The words that say what a question is about (all words if it has only common ones)."""
    words = [_stem(word) for word in normalise_text(text).split()]
    content = frozenset(word for word in words if word not in _STOPWORDS)
    return content or frozenset(words)


def word_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard similarity: shared words over all words; 0.0 when both are empty."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


@dataclass
class _Form:
    """Questions that share the same topic words."""

    words: frozenset[str]
    count: int
    texts: Counter[str]
    first_seen: dict[str, datetime]
    last_asked: datetime


def group_questions(
    questions: Iterable[UnansweredQuestion],
    min_similarity: float = DEFAULT_MIN_SIMILARITY,
    *,
    max_questions: int = DEFAULT_MAX_QUESTIONS,
) -> list[QuestionGroup]:
    """Cluster near-duplicate questions by normalised word overlap, biggest group first.

    Each question is reduced to its topic words (lower case, punctuation, common words and
    plural s removed); questions with the same words are one form. Forms are then taken most
    asked first, and each joins the group whose first form it overlaps most (Jaccard, at least
    `min_similarity`), or starts a new group. Only the `max_questions` most recent questions
    are grouped.
    """
    if not 0.0 < min_similarity <= 1.0:
        raise ValueError("min_similarity must be in (0, 1]")
    if max_questions < 1:
        raise ValueError("max_questions must be at least 1")
    # Oldest first, so a wording's first time asked is the first one seen.
    recent = sorted(questions, key=lambda q: q.at)[-max_questions:]
    forms: dict[frozenset[str], _Form] = {}
    for question in recent:
        text = " ".join(question.text.split())
        words = question_words(text)
        if not words:
            continue
        form = forms.get(words)
        if form is None:
            form = forms[words] = _Form(words, 0, Counter(), {}, question.at)
        form.count += 1
        form.texts[text] += 1
        form.first_seen.setdefault(text, question.at)
        form.last_asked = question.at

    ordered = sorted(
        forms.values(), key=lambda f: (-f.count, min(f.first_seen.values()), sorted(f.words))
    )
    groups: list[list[_Form]] = []
    # word -> groups whose leading form has it: only groups sharing a word can reach the
    # threshold, so each form is compared with a few candidates, not with every group.
    index: dict[str, list[int]] = {}
    for form in ordered:
        candidates = {g for word in form.words for g in index.get(word, ())}
        best, best_score = None, min_similarity
        for g in sorted(candidates):
            score = word_overlap(form.words, groups[g][0].words)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = g, score
        if best is None:
            for word in form.words:
                index.setdefault(word, []).append(len(groups))
            groups.append([form])
        else:
            groups[best].append(form)
    return sorted(
        (_to_group(members) for members in groups),
        key=lambda g: (-g.count, -g.last_asked.timestamp(), g.example),
    )


def _to_group(members: list[_Form]) -> QuestionGroup:
    texts: Counter[str] = Counter()
    first_seen: dict[str, datetime] = {}
    for form in members:
        texts.update(form.texts)
        first_seen.update(form.first_seen)  # one text has one set of words: no clash
    wordings = sorted(texts, key=lambda t: (-texts[t], first_seen[t], t))
    return QuestionGroup(
        example=wordings[0],
        count=sum(texts.values()),
        texts=tuple(wordings),
        last_asked=max(form.last_asked for form in members),
    )
