"""Handoff quality: first human response, satisfaction and kept promises.

Pure arithmetic over plain records: the caller loads the handoffs, passes the business hours and
`now`, and gets back small result objects whose `as_dict()` is ready for JSON or CSV (durations
as seconds, missing values as None).

Percentiles use linear interpolation between the closest ranks: the "inclusive" method of
`statistics.quantiles` (the same as a spreadsheet's PERCENTILE or numpy's default). The 90th
percentile of n sorted values v[0..n-1] is v[k] + f * (v[k+1] - v[k]) with k + f = 0.9 * (n - 1);
the median is `statistics.median` (the mean of the two middle values when n is even).

Repeat contact, reasons over time, escalation rates and question groups are in
`baton.domain.metrics_reports`.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

from baton.domain.business_hours import BusinessHours
from baton.domain.reasons import ReasonCategory

DEFAULT_TARGET = timedelta(hours=2)
# Past four hours customers are unhappy whatever the bot did before the handoff.
DEFAULT_OVER = timedelta(hours=4)
# Warn this long before a promise breaks: time for an agent to see the alert and answer.
DEFAULT_PROMISE_LEAD = timedelta(minutes=30)

Rating = Literal["good", "bad"]
Breakdown = Literal["model", "reason", "agent"]
PromiseStatus = Literal["kept", "late_kept", "broken", "at_risk", "pending"]

# Group names for handoffs that lack the grouping field, so no handoff drops out of a breakdown.
NO_MODEL = "unknown"
NO_REASON = "unknown"
NO_AGENT = "unassigned"

_ZERO = timedelta(0)
_T = TypeVar("_T")


def to_utc(value: datetime, name: str) -> datetime:
    """`value` in UTC; ValueError if it is naive.

    Two datetimes sharing one zoneinfo subtract as wall-clock times, so a weekend that spans
    a clock change would be an hour off: every instant is turned to UTC on the way in.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")
    return value.astimezone(UTC)


def utc_fields(record: object, *names: str) -> None:
    """Turn a frozen record's datetime fields to UTC in place (None left alone)."""
    for name in names:
        value = getattr(record, name)
        if value is not None:
            object.__setattr__(record, name, to_utc(value, f"{type(record).__name__}.{name}"))


@dataclass(frozen=True, slots=True)
class HandoffRecord:
    """One handoff as the measures see it; every datetime is aware.

    `model` is "live" or "email"; `agent` the first agent who answered (or was assigned);
    `resolved_at` when the handoff was closed; `asked_rating` whether the customer was asked to
    rate it; `topic` a short subject used to recognise a repeat contact.
    """

    id: str
    conversation_id: str
    contact_key: str | None
    created_at: datetime
    model: str | None = None
    reasons: tuple[ReasonCategory, ...] = ()
    agent: str | None = None
    first_response_at: datetime | None = None
    promised_by: datetime | None = None
    resolved_at: datetime | None = None
    rating: Rating | None = None
    asked_rating: bool = False
    topic: str = ""

    def __post_init__(self) -> None:
        utc_fields(self, "created_at", "first_response_at", "promised_by", "resolved_at")


def _seconds(value: timedelta | None) -> float | None:
    return None if value is None else value.total_seconds()


def ratio(part: int, whole: int) -> float | None:
    """part / whole, or None when there is nothing to divide by (an empty dashboard)."""
    return part / whole if whole else None


def median_and_p90(values: Sequence[float]) -> tuple[float | None, float | None]:
    """The median and the 90th percentile (linear interpolation); (None, None) when empty."""
    if not values:
        return None, None
    if len(values) == 1:
        return values[0], values[0]
    p90 = statistics.quantiles(values, n=10, method="inclusive")[8]
    return statistics.median(values), p90


def _duration(seconds: float | None) -> timedelta | None:
    return None if seconds is None else timedelta(seconds=seconds)


# First response -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FirstResponseStats:
    """Time to the first human response over a set of handoffs.

    `open` handoffs have no response yet; `open_overdue` of them are already past the target
    (in business time) or past their promise, and count as missed in `share_within_target`.
    `judged` is that share's denominator: the responded handoffs plus the overdue open ones
    (an open handoff still inside its target is not judged yet). Medians and percentiles are
    over responded handoffs only. `over_business` and `over_wall` count handoffs whose wait,
    answered or not yet, is beyond `over` in business and in wall-clock time.
    """

    count: int
    responded: int
    open: int
    open_overdue: int
    median_wall: timedelta | None
    p90_wall: timedelta | None
    median_business: timedelta | None
    p90_business: timedelta | None
    within_target: int
    judged: int
    share_within_target: float | None
    over_business: int
    over_wall: int
    target: timedelta = DEFAULT_TARGET
    over: timedelta = DEFAULT_OVER

    def as_dict(self) -> dict[str, int | float | None]:
        """JSON-friendly values: durations in seconds, None kept."""
        return {
            "count": self.count,
            "responded": self.responded,
            "open": self.open,
            "open_overdue": self.open_overdue,
            "median_wall_seconds": _seconds(self.median_wall),
            "p90_wall_seconds": _seconds(self.p90_wall),
            "median_business_seconds": _seconds(self.median_business),
            "p90_business_seconds": _seconds(self.p90_business),
            "within_target": self.within_target,
            "judged": self.judged,
            "share_within_target": self.share_within_target,
            "over_business": self.over_business,
            "over_wall": self.over_wall,
            "target_seconds": self.target.total_seconds(),
            "over_seconds": self.over.total_seconds(),
        }


@dataclass(frozen=True, slots=True)
class _Wait:
    """One handoff's wait, measured once and reused by every group it falls in."""

    wall: timedelta | None  # None while open
    business: timedelta | None
    overdue: bool  # open and already past the target or the promise
    over_business: bool
    over_wall: bool


def _measure(
    handoff: HandoffRecord,
    hours: BusinessHours,
    target: timedelta,
    over: timedelta,
    now: datetime,
) -> _Wait:
    start = handoff.created_at
    first = handoff.first_response_at
    if first is not None:
        # A reply stamped a moment before the handoff (clocks of two workers) counts as instant.
        wall = max(first - start, _ZERO)
        business = max(hours.business_time_between(start, first), _ZERO)
        return _Wait(wall, business, False, business > over, wall > over)
    # Open: compare `now` with the instant the target would be used up, so the work is bounded
    # by the target, not by how long ago the handoff was made.
    past_target = now > hours.add_business_time(start, target)
    past_promise = handoff.promised_by is not None and now > handoff.promised_by
    return _Wait(
        None,
        None,
        past_target or past_promise,
        now > hours.add_business_time(start, over),
        now - start > over,
    )


def _summarise(waits: Sequence[_Wait], target: timedelta, over: timedelta) -> FirstResponseStats:
    wall = [w.wall.total_seconds() for w in waits if w.wall is not None]
    business = [w.business.total_seconds() for w in waits if w.business is not None]
    median_wall, p90_wall = median_and_p90(wall)
    median_business, p90_business = median_and_p90(business)
    limit = target.total_seconds()
    within = sum(1 for seconds in business if seconds <= limit)
    overdue = sum(1 for w in waits if w.overdue)
    judged = len(business) + overdue
    return FirstResponseStats(
        count=len(waits),
        responded=len(business),
        open=len(waits) - len(business),
        open_overdue=overdue,
        median_wall=_duration(median_wall),
        p90_wall=_duration(p90_wall),
        median_business=_duration(median_business),
        p90_business=_duration(p90_business),
        within_target=within,
        judged=judged,
        share_within_target=ratio(within, judged),
        over_business=sum(1 for w in waits if w.over_business),
        over_wall=sum(1 for w in waits if w.over_wall),
        target=target,
        over=over,
    )


def first_response_stats(
    handoffs: Iterable[HandoffRecord],
    hours: BusinessHours,
    *,
    now: datetime,
    target: timedelta = DEFAULT_TARGET,
    over: timedelta = DEFAULT_OVER,
) -> FirstResponseStats:
    """Time to first human response, in wall-clock and business time.

    `now` decides which open handoffs are already overdue; pass the time of the report.
    """
    now = to_utc(now, "now")
    waits = [_measure(h, hours, target, over, now) for h in handoffs]
    return _summarise(waits, target, over)


def group_keys(handoff: HandoffRecord, by: Breakdown) -> tuple[str, ...]:
    """The groups a handoff falls in: one model or agent, or each of its reasons."""
    if by == "model":
        return (handoff.model or NO_MODEL,)
    if by == "agent":
        return (handoff.agent or NO_AGENT,)
    if by == "reason":
        # dict.fromkeys drops a reason listed twice, keeping the order.
        return tuple(dict.fromkeys(str(r) for r in handoff.reasons)) or (NO_REASON,)
    raise ValueError(f"unknown breakdown {by!r}: expected 'model', 'reason' or 'agent'")


def _order(keys: Iterable[str], by: Breakdown) -> list[str]:
    """Reasons in their canonical order, other keys alphabetically; fallbacks last."""
    fallback = {"model": NO_MODEL, "agent": NO_AGENT, "reason": NO_REASON}[by]
    rank = {str(reason): i for i, reason in enumerate(ReasonCategory)} if by == "reason" else {}
    return sorted(keys, key=lambda k: (k == fallback, rank.get(k, len(rank)), k))


def _grouped(
    handoffs: Iterable[HandoffRecord], by: Breakdown, value: Callable[[HandoffRecord], _T]
) -> dict[str, list[_T]]:
    if by not in ("model", "reason", "agent"):
        raise ValueError(f"unknown breakdown {by!r}: expected 'model', 'reason' or 'agent'")
    groups: dict[str, list[_T]] = {}
    for handoff in handoffs:
        item = value(handoff)
        for key in group_keys(handoff, by):
            groups.setdefault(key, []).append(item)
    return {key: groups[key] for key in _order(groups, by)}


def first_response_breakdown(
    handoffs: Iterable[HandoffRecord],
    hours: BusinessHours,
    by: Breakdown,
    *,
    now: datetime,
    target: timedelta = DEFAULT_TARGET,
    over: timedelta = DEFAULT_OVER,
) -> dict[str, FirstResponseStats]:
    """`first_response_stats` per handoff model, reason or agent.

    A handoff with several reasons counts once under each, so the reason groups can add up to
    more than the total. Handoffs without a model, agent or reason fall under "unknown" or
    "unassigned". Reasons come in `ReasonCategory` order, other keys alphabetically.
    """
    now = to_utc(now, "now")
    groups = _grouped(handoffs, by, lambda h: _measure(h, hours, target, over, now))
    return {key: _summarise(waits, target, over) for key, waits in groups.items()}


# Satisfaction ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SatisfactionStats:
    """Ratings of escalations.

    `positive_rate` is good / (good + bad) over every rating given. `response_rate` is the share
    of resolved handoffs whose customer was asked to rate that got a rating
    (`rated_when_asked` / `asked`).
    """

    resolved: int
    asked: int
    rated_when_asked: int
    good: int
    bad: int
    positive_rate: float | None
    response_rate: float | None

    def as_dict(self) -> dict[str, int | float | None]:
        """JSON-friendly values, None kept."""
        return {
            "resolved": self.resolved,
            "asked": self.asked,
            "rated_when_asked": self.rated_when_asked,
            "good": self.good,
            "bad": self.bad,
            "positive_rate": self.positive_rate,
            "response_rate": self.response_rate,
        }


def satisfaction(handoffs: Iterable[HandoffRecord]) -> SatisfactionStats:
    """Positive rating rate and rating response rate."""
    resolved = asked = rated_when_asked = good = bad = 0
    for handoff in handoffs:
        good += handoff.rating == "good"
        bad += handoff.rating == "bad"
        if handoff.resolved_at is None:
            continue
        resolved += 1
        if handoff.asked_rating:
            asked += 1
            rated_when_asked += handoff.rating is not None
    return SatisfactionStats(
        resolved=resolved,
        asked=asked,
        rated_when_asked=rated_when_asked,
        good=good,
        bad=bad,
        positive_rate=ratio(good, good + bad),
        response_rate=ratio(rated_when_asked, asked),
    )


def satisfaction_breakdown(
    handoffs: Iterable[HandoffRecord], by: Breakdown
) -> dict[str, SatisfactionStats]:
    """`satisfaction` per handoff model, reason or agent (grouped as in the first response)."""
    groups = _grouped(handoffs, by, lambda h: h)
    return {key: satisfaction(members) for key, members in groups.items()}


# Promises -------------------------------------------------------------------------------------


def promise_status(
    promised_by: datetime,
    first_response_at: datetime | None,
    now: datetime,
    lead: timedelta = DEFAULT_PROMISE_LEAD,
) -> PromiseStatus:
    """Where one handoff stands against the reply time the customer was told.

    Answered: "kept" at or before `promised_by`, "late_kept" after it (answered, but the promise
    was broken: it counts as broken in `promises_kept`). Not answered: "broken" once `now` is
    past `promised_by`, "at_risk" from `promised_by - lead` up to and including `promised_by`
    (time to alert someone), "pending" before that.
    """
    promised_by = to_utc(promised_by, "promised_by")
    now = to_utc(now, "now")
    if first_response_at is not None:
        first_response_at = to_utc(first_response_at, "first_response_at")
    if lead < _ZERO:
        raise ValueError("lead must not be negative")
    if first_response_at is not None:
        return "kept" if first_response_at <= promised_by else "late_kept"
    if now > promised_by:
        return "broken"
    if now >= promised_by - lead:
        return "at_risk"
    return "pending"


@dataclass(frozen=True, slots=True)
class PromiseStats:
    """How the handoffs with a promise stand.

    `share_kept` is kept / (kept + late_kept + broken): a promise counts once it is decided,
    so one still pending or at risk is left out until it is kept or broken.
    """

    promised: int
    kept: int
    late_kept: int
    broken: int
    at_risk: int
    pending: int
    share_kept: float | None

    def as_dict(self) -> dict[str, int | float | None]:
        """JSON-friendly values, None kept."""
        return {
            "promised": self.promised,
            "kept": self.kept,
            "late_kept": self.late_kept,
            "broken": self.broken,
            "at_risk": self.at_risk,
            "pending": self.pending,
            "share_kept": self.share_kept,
        }


def promises_kept(
    handoffs: Iterable[HandoffRecord],
    *,
    now: datetime,
    lead: timedelta = DEFAULT_PROMISE_LEAD,
) -> PromiseStats:
    """The share of promises kept (first response at or before the promised time).

    Handoffs without a promise (usually live chats answered on the spot) are left out.
    """
    counts: dict[PromiseStatus, int] = {
        "kept": 0,
        "late_kept": 0,
        "broken": 0,
        "at_risk": 0,
        "pending": 0,
    }
    for handoff in handoffs:
        if handoff.promised_by is not None:
            status = promise_status(handoff.promised_by, handoff.first_response_at, now, lead)
            counts[status] += 1
    decided = counts["kept"] + counts["late_kept"] + counts["broken"]
    return PromiseStats(
        promised=sum(counts.values()),
        kept=counts["kept"],
        late_kept=counts["late_kept"],
        broken=counts["broken"],
        at_risk=counts["at_risk"],
        pending=counts["pending"],
        share_kept=ratio(counts["kept"], decided),
    )
