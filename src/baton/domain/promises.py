"""Promises: the specific time the customer is told a human will answer by.

`compute_promise` turns the SLA (say, first response within 2 business hours) and the business
hours into a due time; `render_promise` phrases it for the customer in English, in their own
timezone when known. The phrase is always concrete ("within 2 hours", "by 9:00 AM tomorrow
(Tuesday)"), never "soon".

Only the due instant is stored; the words are made each time the promise is shown, relative to
that moment (`render_due`): a promise for Tuesday 9:00 made late on Monday reads "tomorrow" on
Monday and "today" after midnight, and "within 2 hours" is said only when the promise is made.
Email carries the absolute time with its zone (`render_due_absolute`), as mail is read later.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, tzinfo

from pydantic import BaseModel, ConfigDict, Field, field_validator

from baton.domain.business_hours import BusinessHours

# "First thing Monday" only when the answer is due early in that day's opening; a reply due
# at 4 PM is not "first thing".
FIRST_THING_WITHIN = timedelta(hours=3)
# "Within 2 hours" is true only when it is said: shown any later, the promise names the clock time.
SAID_JUST_NOW = timedelta(minutes=1)
# Dates are spelled out once the due day is a week or more away; "on Thursday" is clear
# within the coming week.
_WEEK = 7


class SlaSettings(BaseModel):
    """`[sla]` in baton.toml: how quickly a human answers an escalation."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    first_response_hours: float = Field(
        2.0,
        gt=0,
        le=24 * 14,
        description="First human response within this many business hours.",
    )
    round_to_minutes: int = Field(
        15,
        description=(
            "Promised clock times are rounded up to this boundary (1, 5, 10, 15, 20, 30 or 60), "
            "so the time told is friendly and still kept."
        ),
    )

    @field_validator("round_to_minutes")
    @classmethod
    def _divides_hour(cls, value: int) -> int:
        if value not in (1, 5, 10, 15, 20, 30, 60):
            raise ValueError(
                "expected 1, 5, 10, 15, 20, 30 or 60 (a boundary that splits the hour)"
            )
        return value

    @property
    def first_response(self) -> timedelta:
        """The first-response target as business time."""
        return timedelta(hours=self.first_response_hours)


@dataclass(frozen=True)
class Promise:
    """A reply time told to the customer, stored on the handoff and measured against later.

    `due` is what the team is held to. `continuous` means the team is open from `made_at`
    through `due` without a break, so "within 2 hours" is exactly true. `first_thing` means the
    reply is due early in a later day's opening (after a night, weekend or holiday).
    """

    made_at: datetime
    due: datetime
    business_time: timedelta
    continuous: bool
    first_thing: bool


def round_up(moment: datetime, minutes: int, tz: tzinfo) -> datetime:
    """`moment` moved forward to the next local boundary of `minutes` (unchanged if on one)."""
    local = moment.astimezone(tz)
    step = timedelta(minutes=minutes)
    since_midnight = timedelta(
        hours=local.hour, minutes=local.minute, seconds=local.second, microseconds=local.microsecond
    )
    remainder = since_midnight % step
    if not remainder:
        return local
    # Add real (UTC) time, so a boundary next to a clock change is still the right instant.
    return (moment.astimezone(UTC) + (step - remainder)).astimezone(tz)


def compute_promise(
    now: datetime,
    hours: BusinessHours,
    sla: SlaSettings,
    *,
    business_time: timedelta | None = None,
) -> Promise:
    """The promise for an escalation made at `now` (aware), from business hours and the SLA.

    `business_time` overrides the SLA's first-response target (e.g. a tighter one for a
    high-value customer). While the team is open for the whole span, the due time is exactly
    `now + business_time` ("within 2 hours"); otherwise it is rounded up to the next
    `sla.round_to_minutes` boundary in the business timezone, so the clock time is friendly
    and still kept.
    """
    target = sla.first_response if business_time is None else business_time
    if target <= timedelta(0):
        raise ValueError("the promised business time must be positive")
    raw = hours.add_business_time(now, target)
    made_at = now.astimezone(hours.tz)
    continuous = hours.is_open(now) and raw.astimezone(UTC) - now.astimezone(UTC) == target
    if continuous:
        return Promise(made_at, raw, target, continuous=True, first_thing=False)
    due = round_up(raw, sla.round_to_minutes, hours.tz)
    local_due = raw.astimezone(hours.tz)
    first_thing = False
    if local_due.date() != made_at.date():
        # Due in the first hours of a later day's first opening: the team answers it when
        # they come in, after the night, weekend or holiday.
        midnight = datetime.combine(local_due.date(), time(0), tzinfo=hours.tz)
        day_open = hours.next_open(midnight)
        opening_ends = hours.open_until(day_open)
        # Compare in UTC: arithmetic between datetimes sharing a zoneinfo is wall-clock
        # arithmetic, which is an hour out on the day the clocks change.
        raw_utc, open_utc = raw.astimezone(UTC), day_open.astimezone(UTC)
        first_thing = (
            day_open.date() == local_due.date()
            and opening_ends is not None
            and raw_utc <= opening_ends.astimezone(UTC)
            and raw_utc - open_utc <= FIRST_THING_WITHIN
        )
    return Promise(made_at, due, target, continuous=False, first_thing=first_thing)


def format_clock(moment: datetime) -> str:
    """'9:00 AM', '3:30 PM' (English, 12-hour, no leading zero)."""
    hour = moment.hour % 12 or 12
    return f"{hour}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def format_duration(span: timedelta) -> str:
    """A friendly length of time, rounded up: '45 minutes', '2 hours', '1 hour 30 minutes'."""
    minutes = max(1, math.ceil(span.total_seconds() / 60))
    if minutes < 60:
        return f"{minutes} minute{'s' if minutes != 1 else ''}"
    hours, rest = divmod(minutes, 60)
    text = f"{hours} hour{'s' if hours != 1 else ''}"
    if rest:
        text += f" {rest} minute{'s' if rest != 1 else ''}"
    return text


def describe_wait(wait: timedelta) -> str:
    """An expected queue wait for the `queued` script: 'about 5 minutes', 'under a minute'."""
    seconds = wait.total_seconds()
    if seconds < 60:
        return "under a minute"
    minutes = math.ceil(seconds / 60)
    if minutes < 60:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {format_duration(timedelta(minutes=minutes))}"


def render_promise(promise: Promise, now: datetime, tz: tzinfo, *, show_zone: bool = False) -> str:
    """The promise phrased for the customer at `now`, in timezone `tz` (theirs when known).

    Examples: "within 2 hours", "by 3:00 PM today", "by 9:00 AM tomorrow (Tuesday)",
    "first thing Monday, by 10:00 AM", "by 3:00 PM on Thursday, 4 December".
    `show_zone` adds the zone abbreviation ("by 9:00 AM GMT tomorrow (Tuesday)"), for when the
    customer's timezone is unknown and the business timezone is used.
    """
    if now.tzinfo is None or promise.due.tzinfo is None:
        raise ValueError("now and the promise's due time must be timezone-aware")
    remaining = promise.due.astimezone(UTC) - now.astimezone(UTC)
    fresh = promise.business_time - SAID_JUST_NOW <= remaining <= promise.business_time
    if promise.continuous and remaining > timedelta(0) and fresh:
        return f"within {format_duration(promise.business_time)}"
    local_now = now.astimezone(tz)
    local_due = promise.due.astimezone(tz)
    clock = format_clock(local_due)
    if show_zone:
        clock = f"{clock} {local_due.tzname()}"
    days = (local_due.date() - local_now.date()).days
    weekday = f"{local_due:%A}"
    dated = f"{weekday}, {local_due.day} {local_due:%B}"
    if days <= 0:
        return f"by {clock} today"
    if days == 1:
        return f"by {clock} tomorrow ({weekday})"
    # "First thing" (after a weekend or holiday) reads right only for a morning time on the
    # customer's own clock.
    first_thing = promise.first_thing and local_due.hour < 12
    when = weekday if days < _WEEK else dated
    if first_thing:
        return f"first thing {when}, by {clock}"
    return f"by {clock} on {when}"


def restore_promise(
    made_at: datetime | None, due: datetime, hours: BusinessHours, sla: SlaSettings
) -> Promise:
    """The promise behind a stored due instant: recomputed from when it was made when that
    gives the same instant (so "within 2 hours" and "first thing" read as they did), else the
    bare instant (the hours or the SLA changed since)."""
    if made_at is not None:
        try:
            again = compute_promise(made_at, hours, sla)
        except ValueError:
            again = None
        if again is not None and again.due == due:
            return again
    return Promise(due, due, timedelta(0), continuous=False, first_thing=False)


def render_due(due: datetime, now: datetime, tz: tzinfo, *, show_zone: bool = False) -> str:
    """A stored promise (its due instant) worded at `now`: "by 9:00 AM today" after midnight
    for a promise made "for tomorrow" the evening before."""
    return render_promise(
        Promise(due, due, timedelta(0), continuous=False, first_thing=False),
        now,
        tz,
        show_zone=show_zone,
    )


def render_due_absolute(due: datetime, tz: tzinfo, zone_name: str) -> str:
    """The promise as email states it, true whenever it is read:
    "by 09:00 Tuesday 8 December (Europe/London)"."""
    if due.tzinfo is None:
        raise ValueError("the due time must be timezone-aware")
    local = due.astimezone(tz)
    return f"by {local:%H:%M} {local:%A} {local.day} {local:%B} ({zone_name})"
