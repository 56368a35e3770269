"""Business hours: when the support team is open, and business-time arithmetic.

A weekly schedule of local wall-clock periods in one timezone (several periods a day, so a lunch
break is closed time), public holidays by country and region (the `holidays` package), extra
closed dates and special hours for given dates.

Every method takes and returns aware datetimes. Internally all arithmetic is done in UTC: adding
a timedelta to a datetime that carries a zoneinfo adds wall-clock time, which is wrong across a
daylight-saving change. Periods are turned into UTC instants one local day at a time, so a
period of 09:00-17:00 is eight real hours on an ordinary day and the right length on the nights
the clocks change.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS: tuple[str, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL_DAY_NAMES = {
    "monday": "mon",
    "tuesday": "tue",
    "wednesday": "wed",
    "thursday": "thu",
    "friday": "fri",
    "saturday": "sat",
    "sunday": "sun",
}
_PERIOD = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")
# Days searched for an open period before giving up: a year of holidays and closed dates
# can never close more than this, so hitting it means the settings close the business forever.
_SEARCH_DAYS = 800
_MIDNIGHT = 24 * 60
_MAX_MERGED = timedelta(days=7)


@dataclass(frozen=True, order=True)
class Period:
    """One local wall-clock opening period, in minutes after midnight; `end` may be 1440."""

    start: int
    end: int

    def __str__(self) -> str:
        return f"{_hhmm(self.start)}-{_hhmm(self.end)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_period(text: str) -> Period:
    """Read "09:00-12:30" (end may be "24:00"); ValueError with a readable reason otherwise."""
    match = _PERIOD.match(text)
    if match is None:
        raise ValueError(f"{text!r} is not a period: expected HH:MM-HH:MM, e.g. '09:00-17:30'")
    sh, sm, eh, em = (int(part) for part in match.groups())
    for hour, minute in ((sh, sm), (eh, em)):
        if minute > 59 or hour > 24 or (hour == 24 and minute != 0):
            raise ValueError(f"{text!r}: {hour:02d}:{minute:02d} is not a time of day")
    start, end = sh * 60 + sm, eh * 60 + em
    if start == _MIDNIGHT:
        raise ValueError(f"{text!r}: a period cannot start at 24:00")
    if end <= start:
        raise ValueError(
            f"{text!r}: the end must be after the start (for a night shift, end the day at "
            "24:00 and start the next day at 00:00)"
        )
    return Period(start, end)


def parse_periods(texts: list[str]) -> tuple[Period, ...]:
    """Parse and sort one day's periods; overlapping periods are refused."""
    periods = sorted(parse_period(text) for text in texts)
    for before, after in itertools.pairwise(periods):
        if after.start < before.end:
            raise ValueError(f"periods {before} and {after} overlap")
    return tuple(periods)


def _default_week() -> dict[str, list[str]]:
    return {day: ["09:00-17:00"] for day in WEEKDAYS[:5]}


class BusinessHoursSettings(BaseModel):
    """`[business_hours]` in baton.toml: when the support team answers."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    timezone: str = Field(
        "UTC", description="IANA timezone the periods are in, e.g. 'Europe/London'."
    )
    weekly: dict[str, list[str]] = Field(
        default_factory=_default_week,
        description=(
            "Opening periods per weekday (mon..sun), e.g. mon = ['09:00-12:30', '13:30-17:30']. "
            "A day left out, or an empty list, is closed."
        ),
    )
    holidays_country: str | None = Field(
        None, description="Close on this country's public holidays (ISO code, e.g. 'GB')."
    )
    holidays_subdivision: str | None = Field(
        None, description="Region for regional holidays, e.g. 'SCT' in GB or 'NY' in US."
    )
    closed_dates: list[date] = Field(
        default_factory=list, description="Extra dates the team is closed, e.g. '2026-12-24'."
    )
    special_hours: dict[date, list[str]] = Field(
        default_factory=dict,
        description=(
            "Hours for given dates instead of the weekly schedule (and instead of a holiday), "
            "e.g. '2026-12-24' = ['09:00-13:00']."
        ),
    )

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown timezone {value!r}: expected an IANA name such as 'Europe/London' "
                "or 'America/New_York'"
            ) from None
        return value

    @field_validator("weekly", mode="before")
    @classmethod
    def _weekday_names(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        named: dict[str, Any] = {}
        for key, periods in value.items():
            day = _FULL_DAY_NAMES.get(str(key).strip().lower(), str(key).strip().lower())
            if day not in WEEKDAYS:
                raise ValueError(f"unknown weekday {key!r}: expected one of {', '.join(WEEKDAYS)}")
            if day in named:
                raise ValueError(f"weekday {day!r} is given twice")
            named[day] = periods
        return named

    @field_validator("weekly")
    @classmethod
    def _weekly_periods(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for day, periods in value.items():
            try:
                parse_periods(periods)
            except ValueError as exc:
                raise ValueError(f"{day}: {exc}") from None
        if not any(value.values()):
            raise ValueError(
                "the weekly schedule has no open period, so no reply time could ever be promised"
            )
        return value

    @field_validator("special_hours")
    @classmethod
    def _special_periods(cls, value: dict[date, list[str]]) -> dict[date, list[str]]:
        for day, periods in value.items():
            try:
                parse_periods(periods)
            except ValueError as exc:
                raise ValueError(f"{day.isoformat()}: {exc}") from None
        return value

    @field_validator("holidays_country", "holidays_subdivision")
    @classmethod
    def _upper(cls, value: str | None) -> str | None:
        return value.strip().upper() if value else None

    @model_validator(mode="after")
    def _consistent(self) -> BusinessHoursSettings:
        if self.holidays_subdivision and not self.holidays_country:
            raise ValueError("holidays_subdivision needs holidays_country as well")
        if self.holidays_country:
            try:
                holidays.country_holidays(self.holidays_country, subdiv=self.holidays_subdivision)
            except NotImplementedError:
                known = holidays.list_supported_countries().get(self.holidays_country)
                if known is None:
                    raise ValueError(
                        f"holidays_country {self.holidays_country!r} is not a supported "
                        "country code (ISO 3166, e.g. 'GB', 'US', 'DE')"
                    ) from None
                raise ValueError(
                    f"holidays_subdivision {self.holidays_subdivision!r} is not a region of "
                    f"{self.holidays_country} (expected one of {', '.join(known)})"
                ) from None
        both = sorted(set(self.closed_dates) & set(self.special_hours))
        if both:
            raise ValueError(
                f"{both[0].isoformat()} is both a closed date and a date with special hours"
            )
        return self


def _aware(moment: datetime, name: str = "datetime") -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware (e.g. in UTC), got {moment!r}")
    return moment.astimezone(UTC)


class BusinessHours:
    """The team's opening times, built from `BusinessHoursSettings`.

    Results are aware datetimes in the schedule's timezone; they compare correctly with
    datetimes in any other timezone, and `.astimezone(UTC)` gives the UTC instant to store.
    """

    def __init__(self, settings: BusinessHoursSettings) -> None:
        self.settings = settings
        self.tz = ZoneInfo(settings.timezone)
        self._weekly: dict[int, tuple[Period, ...]] = {
            WEEKDAYS.index(day): parse_periods(periods) for day, periods in settings.weekly.items()
        }
        self._special = {day: parse_periods(p) for day, p in settings.special_hours.items()}
        self._closed = frozenset(settings.closed_dates)
        # The holidays object fills itself in year by year on first lookup: pure computation.
        self._holidays: holidays.HolidayBase | None = (
            holidays.country_holidays(
                settings.holidays_country, subdiv=settings.holidays_subdivision
            )
            if settings.holidays_country
            else None
        )

    @classmethod
    def always_open(cls, timezone: str = "UTC") -> BusinessHours:
        """A schedule open around the clock, for sites that promise in elapsed time only."""
        week = {day: ["00:00-24:00"] for day in WEEKDAYS}
        return cls(BusinessHoursSettings(timezone=timezone, weekly=week))

    # Days ---------------------------------------------------------------------------------

    def holiday_name(self, day: date) -> str | None:
        """The public holiday on `day` (local date), if the schedule closes for one."""
        if self._holidays is None:
            return None
        name = self._holidays.get(day)
        return str(name) if name is not None else None

    def periods_on(self, day: date) -> tuple[Period, ...]:
        """The local wall-clock periods on `day`: special hours, else closed, else weekly."""
        if day in self._special:
            return self._special[day]
        if day in self._closed or self.holiday_name(day) is not None:
            return ()
        return self._weekly.get(day.weekday(), ())

    def _instant(self, day: date, minutes: int, *, end: bool) -> datetime:
        """The UTC instant of a local wall-clock time on `day` (24:00 is next midnight)."""
        if minutes == _MIDNIGHT:
            day, minutes = day + timedelta(days=1), 0
        naive = datetime.combine(day, time(minutes // 60, minutes % 60))
        # Autumn: a time that happens twice. A period starts at its first occurrence and ends
        # at its last one, so the repeated hour is never lost.
        first = naive.replace(tzinfo=self.tz, fold=0).astimezone(UTC)
        second = naive.replace(tzinfo=self.tz, fold=1).astimezone(UTC)
        if first <= second:
            return second if end else first
        # Spring: the time does not exist (the clocks jump over it). Use the moment the clocks
        # jumped, the first instant that exists after it, so "00:00-02:30" in New York on the
        # spring night is two real hours, not two and a half.
        low, high = second, first
        while high - low > timedelta(seconds=1):
            middle = low + (high - low) / 2
            if middle.astimezone(self.tz).replace(tzinfo=None) < naive:
                low = middle
            else:
                high = middle
        return high.replace(microsecond=0)

    def _day_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        intervals = []
        for period in self.periods_on(day):
            start = self._instant(day, period.start, end=False)
            end = self._instant(day, period.end, end=True)
            if end > start:  # a period entirely inside the spring gap is empty
                intervals.append((start, end))
        return intervals

    def open_intervals(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Open intervals (UTC) that end after `start`, in order; touching ones are merged.

        The first interval may begin before `start`. Raises ValueError when no open time is
        found for a long stretch (the settings close the business for good).
        """
        start = _aware(start, "start")
        day = start.astimezone(self.tz).date() - timedelta(days=1)
        pending: tuple[datetime, datetime] | None = None
        empty_days = 0
        while True:
            intervals = [iv for iv in self._day_intervals(day) if iv[1] > start]
            for interval in intervals:
                if (
                    pending is not None
                    and interval[0] <= pending[1]
                    and pending[1] - pending[0] < _MAX_MERGED
                ):
                    # 24:00 today meets 00:00 tomorrow: one interval, so round-the-clock
                    # schedules have no false closing at midnight (capped, so a schedule
                    # open around the clock still yields intervals).
                    pending = (pending[0], max(pending[1], interval[1]))
                    continue
                if pending is not None:
                    yield pending
                pending = interval
            if intervals:
                empty_days = 0
            else:
                empty_days += 1
                if pending is not None:
                    # A closed day follows: the pending interval cannot grow any more.
                    yield pending
                    pending = None
                elif empty_days > _SEARCH_DAYS:
                    raise ValueError(
                        f"no open time in the {_SEARCH_DAYS} days after {start.isoformat()}"
                    )
            day += timedelta(days=1)

    # Questions ----------------------------------------------------------------------------

    def is_open(self, now: datetime) -> bool:
        """Whether the team is open at `now`."""
        now = _aware(now, "now")
        for start, _end in self.open_intervals(now):
            return start <= now
        return False  # pragma: no cover - open_intervals never ends without raising

    def next_open(self, now: datetime) -> datetime:
        """The first instant at or after `now` when the team is open (`now` itself if open)."""
        now = _aware(now, "now")
        start, _end = next(self.open_intervals(now))
        return max(start, now).astimezone(self.tz)

    def open_until(self, now: datetime) -> datetime | None:
        """When the current opening ends (lunch break or close), or None when closed now."""
        now = _aware(now, "now")
        start, end = next(self.open_intervals(now))
        return end.astimezone(self.tz) if start <= now else None

    def add_business_time(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of open time after `start` (2 h from Friday 16:30 is Monday).

        A zero duration gives the next opening. Negative durations are refused.
        """
        if duration < timedelta(0):
            raise ValueError("duration must not be negative")
        start = _aware(start, "start")
        remaining = duration
        for begin, end in self.open_intervals(start):
            begin = max(begin, start)
            if remaining <= end - begin:
                return (begin + remaining).astimezone(self.tz)
            remaining -= end - begin
        raise AssertionError("unreachable: open_intervals never ends")  # pragma: no cover

    def business_time_between(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants (time to first response); negative if `end` < `start`."""
        start, end = _aware(start, "start"), _aware(end, "end")
        if end < start:
            return -self.business_time_between(end, start)
        total = timedelta(0)
        for begin, finish in self.open_intervals(start):
            if begin >= end:
                break
            total += min(finish, end) - max(begin, start)
        return total
