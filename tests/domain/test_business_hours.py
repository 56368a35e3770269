"""Business hours: opening, next opening and business-time arithmetic, across DST and holidays."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from baton.domain.business_hours import (
    BusinessHours,
    BusinessHoursSettings,
    Period,
    parse_period,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")

WEEKDAYS_WITH_LUNCH = {
    "mon": ["09:00-12:30", "13:30-17:30"],
    "tue": ["09:00-12:30", "13:30-17:30"],
    "wed": ["09:00-12:30", "13:30-17:30"],
    "thu": ["09:00-12:30", "13:30-17:30"],
    "fri": ["09:00-12:30", "13:30-17:30"],
}


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def new_york(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def make(**overrides: Any) -> BusinessHours:
    values: dict[str, Any] = {
        "timezone": "Europe/London",
        "weekly": WEEKDAYS_WITH_LUNCH,
        "holidays_country": "GB",
        "holidays_subdivision": "ENG",
        "closed_dates": ["2026-12-24"],
        "special_hours": {"2026-12-31": ["10:00-14:00"]},
    }
    values.update(overrides)
    return BusinessHours(BusinessHoursSettings(**values))


HOURS = make()
NINE_TO_FIVE_NY = make(
    timezone="America/New_York",
    weekly={day: ["09:00-17:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
    holidays_country="US",
    holidays_subdivision=None,
    closed_dates=[],
    special_hours={},
)


# -- settings -----------------------------------------------------------------------------------


def test_defaults_are_weekdays_nine_to_five_utc() -> None:
    hours = BusinessHours(BusinessHoursSettings())
    assert hours.is_open(datetime(2026, 11, 26, 9, 0, tzinfo=UTC))  # Thursday
    assert not hours.is_open(datetime(2026, 11, 28, 12, 0, tzinfo=UTC))  # Saturday


def test_full_weekday_names_are_accepted() -> None:
    settings = BusinessHoursSettings(weekly={"Monday": ["09:00-17:00"]})
    assert settings.weekly == {"mon": ["09:00-17:00"]}


@pytest.mark.parametrize(
    ("values", "message"),
    [
        pytest.param({"timezone": "Mars/Olympus"}, "unknown timezone", id="timezone"),
        pytest.param({"weekly": {"funday": ["09:00-17:00"]}}, "unknown weekday", id="weekday"),
        pytest.param({"weekly": {"mon": ["9-5"]}}, "expected HH:MM-HH:MM", id="format"),
        pytest.param({"weekly": {"mon": ["09:00-25:00"]}}, "not a time of day", id="hour"),
        pytest.param({"weekly": {"mon": ["17:00-09:00"]}}, "end must be after", id="backwards"),
        pytest.param({"weekly": {"mon": ["09:00-13:00", "12:00-17:00"]}}, "overlap", id="overlap"),
        pytest.param({"weekly": {"mon": []}}, "no open period", id="never-open"),
        pytest.param({"holidays_country": "XX"}, "not a supported country", id="country"),
        pytest.param(
            {"holidays_country": "GB", "holidays_subdivision": "QQ"},
            "not a region of GB",
            id="subdivision",
        ),
        pytest.param({"holidays_subdivision": "ENG"}, "needs holidays_country", id="region-only"),
        pytest.param(
            {"closed_dates": ["2026-12-24"], "special_hours": {"2026-12-24": ["09:00-12:00"]}},
            "both a closed date and a date with special hours",
            id="closed-and-special",
        ),
        pytest.param(
            {"special_hours": {"2026-12-24": ["12:00-09:00"]}}, "2026-12-24", id="special-format"
        ),
        pytest.param({"opening": {}}, "Extra inputs", id="unknown-key"),
    ],
)
def test_settings_refuse_what_cannot_work(values: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        BusinessHoursSettings(**values)


@pytest.mark.parametrize(
    ("text", "period"),
    [
        pytest.param("09:00-17:30", Period(540, 1050), id="day"),
        pytest.param(" 9:05 - 12:00 ", Period(545, 720), id="spaces-short-hour"),
        pytest.param("00:00-24:00", Period(0, 1440), id="whole-day"),
    ],
)
def test_parse_period(text: str, period: Period) -> None:
    assert parse_period(text) == period


# -- is_open ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(london(2026, 11, 26, 9, 0), True, id="opening-minute"),
        pytest.param(london(2026, 11, 26, 8, 59), False, id="before-opening"),
        pytest.param(london(2026, 11, 26, 12, 45), False, id="lunch-break"),
        pytest.param(london(2026, 11, 26, 12, 30), False, id="lunch-starts"),
        pytest.param(london(2026, 11, 26, 13, 30), True, id="after-lunch"),
        pytest.param(london(2026, 11, 26, 17, 30), False, id="closing-minute"),
        pytest.param(london(2026, 11, 28, 11, 0), False, id="saturday"),
        pytest.param(london(2026, 12, 25, 11, 0), False, id="christmas"),
        pytest.param(london(2026, 12, 28, 11, 0), False, id="boxing-day-substitute"),
        pytest.param(london(2026, 12, 24, 11, 0), False, id="closed-date"),
        pytest.param(london(2026, 12, 31, 10, 30), True, id="special-hours-open"),
        pytest.param(london(2026, 12, 31, 15, 0), False, id="special-hours-closed"),
        pytest.param(datetime(2026, 7, 1, 8, 30, tzinfo=UTC), True, id="utc-in-summer-time"),
        pytest.param(datetime(2026, 7, 1, 16, 45, tzinfo=UTC), False, id="utc-after-bst-close"),
    ],
)
def test_is_open(moment: datetime, expected: bool) -> None:
    assert HOURS.is_open(moment) is expected


def test_special_hours_open_on_a_holiday() -> None:
    hours = make(special_hours={"2026-12-25": ["10:00-12:00"]})
    assert hours.is_open(london(2026, 12, 25, 11, 0))
    assert hours.holiday_name(date(2026, 12, 25)) == "Christmas Day"


def test_regional_holidays_follow_the_subdivision() -> None:
    scotland = make(holidays_subdivision="SCT")
    # 2 January is a bank holiday in Scotland only.
    assert scotland.is_open(london(2026, 1, 2, 10, 0)) is False
    assert HOURS.is_open(london(2026, 1, 2, 10, 0)) is True


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        HOURS.is_open(datetime(2026, 11, 26, 10, 0))


# -- next_open ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        pytest.param(london(2026, 11, 26, 10, 0), london(2026, 11, 26, 10, 0), id="open-now"),
        pytest.param(london(2026, 11, 26, 7, 0), london(2026, 11, 26, 9, 0), id="early"),
        pytest.param(london(2026, 11, 26, 12, 40), london(2026, 11, 26, 13, 30), id="lunch"),
        pytest.param(london(2026, 11, 27, 18, 0), london(2026, 11, 30, 9, 0), id="weekend"),
        pytest.param(london(2026, 12, 23, 18, 0), london(2026, 12, 29, 9, 0), id="christmas"),
        pytest.param(london(2026, 12, 30, 18, 0), london(2026, 12, 31, 10, 0), id="special"),
        pytest.param(london(2026, 12, 31, 14, 0), london(2027, 1, 4, 9, 0), id="new-year"),
        pytest.param(
            datetime(2026, 3, 28, 12, 0, tzinfo=UTC), london(2026, 3, 30, 9, 0), id="after-spring"
        ),
    ],
)
def test_next_open(moment: datetime, expected: datetime) -> None:
    result = HOURS.next_open(moment)
    assert result == expected
    assert result.tzinfo == LONDON


def test_open_until_gives_the_break_or_close() -> None:
    assert HOURS.open_until(london(2026, 11, 26, 10, 0)) == london(2026, 11, 26, 12, 30)
    assert HOURS.open_until(london(2026, 11, 26, 14, 0)) == london(2026, 11, 26, 17, 30)
    assert HOURS.open_until(london(2026, 11, 26, 12, 45)) is None


# -- add_business_time --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        pytest.param(
            london(2026, 11, 27, 16, 30),
            timedelta(hours=2),
            london(2026, 11, 30, 10, 0),
            id="friday-afternoon-to-monday",
        ),
        pytest.param(
            london(2026, 11, 26, 10, 0),
            timedelta(hours=2),
            london(2026, 11, 26, 12, 0),
            id="within-the-morning",
        ),
        pytest.param(
            london(2026, 11, 26, 11, 30),
            timedelta(hours=2),
            london(2026, 11, 26, 14, 30),
            id="across-lunch",
        ),
        pytest.param(
            london(2026, 11, 26, 12, 45),
            timedelta(hours=1),
            london(2026, 11, 26, 14, 30),
            id="from-lunch",
        ),
        pytest.param(
            london(2026, 11, 28, 10, 0),
            timedelta(hours=2),
            london(2026, 11, 30, 11, 0),
            id="from-saturday",
        ),
        pytest.param(
            london(2026, 11, 26, 16, 30),
            timedelta(hours=1),
            london(2026, 11, 26, 17, 30),
            id="exactly-to-closing",
        ),
        pytest.param(
            london(2026, 12, 23, 16, 0),
            timedelta(hours=2),
            london(2026, 12, 29, 9, 30),
            id="over-christmas",
        ),
        pytest.param(
            london(2026, 12, 30, 17, 0),
            timedelta(hours=5),
            london(2027, 1, 4, 9, 30),
            id="through-special-hours",
        ),
        pytest.param(
            london(2026, 11, 26, 20, 0),
            timedelta(0),
            london(2026, 11, 27, 9, 0),
            id="zero-is-next-opening",
        ),
        pytest.param(
            london(2026, 11, 23, 9, 0),
            timedelta(hours=5 * 7.5),
            london(2026, 11, 27, 17, 30),
            id="a-whole-week-ends-at-friday-close",
        ),
    ],
)
def test_add_business_time(start: datetime, duration: timedelta, expected: datetime) -> None:
    assert HOURS.add_business_time(start, duration) == expected


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # London springs forward on Sunday 29 March 2026: the week after runs on BST.
        pytest.param(
            london(2026, 3, 27, 16, 30),
            timedelta(hours=2),
            london(2026, 3, 30, 10, 0),
            id="london-spring-weekend",
        ),
        # ...and falls back on Sunday 25 October 2026.
        pytest.param(
            london(2026, 10, 23, 16, 30),
            timedelta(hours=2),
            london(2026, 10, 26, 10, 0),
            id="london-autumn-weekend",
        ),
    ],
)
def test_add_business_time_across_london_dst(
    start: datetime, duration: timedelta, expected: datetime
) -> None:
    result = HOURS.add_business_time(start, duration)
    assert result == expected
    assert (result.hour, result.minute) == (expected.hour, expected.minute)


def test_monday_after_the_spring_change_is_one_hour_earlier_in_utc() -> None:
    before = HOURS.add_business_time(london(2026, 3, 20, 16, 30), timedelta(hours=2))
    after = HOURS.add_business_time(london(2026, 3, 27, 16, 30), timedelta(hours=2))
    assert before.astimezone(UTC).hour == 10
    assert after.astimezone(UTC).hour == 9


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        # New York springs forward on Sunday 8 March 2026 and falls back on Sunday 1 November.
        pytest.param(
            new_york(2026, 3, 6, 16, 0),
            timedelta(hours=3),
            new_york(2026, 3, 9, 11, 0),
            id="new-york-spring",
        ),
        pytest.param(
            new_york(2026, 10, 30, 16, 0),
            timedelta(hours=3),
            new_york(2026, 11, 2, 11, 0),
            id="new-york-autumn",
        ),
        pytest.param(
            datetime(2026, 3, 6, 21, 0, tzinfo=UTC),
            timedelta(hours=3),
            datetime(2026, 3, 9, 15, 0, tzinfo=UTC),
            id="new-york-spring-in-utc",
        ),
        pytest.param(
            new_york(2026, 11, 25, 16, 0),
            timedelta(hours=2),
            new_york(2026, 11, 27, 10, 0),
            id="thanksgiving",
        ),
    ],
)
def test_add_business_time_across_new_york_dst(
    start: datetime, duration: timedelta, expected: datetime
) -> None:
    assert NINE_TO_FIVE_NY.add_business_time(start, duration) == expected


@pytest.mark.parametrize(
    ("timezone", "day", "expected"),
    [
        pytest.param("Europe/London", date(2026, 3, 29), timedelta(hours=23), id="london-spring"),
        pytest.param("Europe/London", date(2026, 10, 25), timedelta(hours=25), id="london-autumn"),
        pytest.param("America/New_York", date(2026, 3, 8), timedelta(hours=23), id="ny-spring"),
        pytest.param("America/New_York", date(2026, 11, 1), timedelta(hours=25), id="ny-autumn"),
        pytest.param("America/New_York", date(2026, 7, 1), timedelta(hours=24), id="ny-summer"),
    ],
)
def test_a_round_the_clock_day_has_its_real_length(
    timezone: str, day: date, expected: timedelta
) -> None:
    hours = BusinessHours.always_open(timezone)
    zone = ZoneInfo(timezone)
    start = datetime(day.year, day.month, day.day, tzinfo=zone)
    following = day + timedelta(days=1)
    end = datetime(following.year, following.month, following.day, tzinfo=zone)
    assert hours.business_time_between(start, end) == expected
    assert hours.add_business_time(start, expected) == end


@pytest.mark.parametrize(
    ("period", "day", "expected"),
    [
        # 02:00-03:00 does not exist on the spring night: only 00:00-02:00 is real time.
        pytest.param("00:00-02:30", date(2026, 3, 8), timedelta(hours=2), id="spring-gap"),
        # 01:00-02:00 happens twice on the autumn night: both count.
        pytest.param("00:00-02:30", date(2026, 11, 1), timedelta(hours=3, minutes=30), id="fold"),
        pytest.param("02:15-02:45", date(2026, 3, 8), timedelta(0), id="inside-the-gap"),
    ],
)
def test_periods_on_the_nights_the_clocks_change(
    period: str, day: date, expected: timedelta
) -> None:
    hours = make(
        timezone="America/New_York",
        weekly={"sun": [period]},
        holidays_country=None,
        holidays_subdivision=None,
        closed_dates=[],
        special_hours={},
    )
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(days=1)
    assert hours.business_time_between(start, start + timedelta(days=3)) == expected


def test_negative_durations_are_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        HOURS.add_business_time(london(2026, 11, 26, 10, 0), timedelta(hours=-1))


# -- business_time_between ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            london(2026, 11, 26, 10, 0),
            london(2026, 11, 26, 11, 15),
            timedelta(minutes=75),
            id="same-morning",
        ),
        pytest.param(
            london(2026, 11, 26, 12, 0),
            london(2026, 11, 26, 14, 0),
            timedelta(hours=1),
            id="lunch-not-counted",
        ),
        pytest.param(
            london(2026, 11, 27, 16, 30),
            london(2026, 11, 30, 10, 0),
            timedelta(hours=2),
            id="over-the-weekend",
        ),
        pytest.param(
            london(2026, 11, 28, 10, 0),
            london(2026, 11, 29, 10, 0),
            timedelta(0),
            id="all-closed",
        ),
        pytest.param(
            london(2026, 11, 26, 10, 0),
            london(2026, 11, 26, 10, 0),
            timedelta(0),
            id="same",
        ),
        pytest.param(
            london(2026, 11, 26, 11, 0),
            london(2026, 11, 26, 10, 0),
            -timedelta(hours=1),
            id="reversed-is-negative",
        ),
        pytest.param(
            london(2026, 3, 27, 17, 0),
            london(2026, 3, 30, 9, 30),
            timedelta(hours=1),
            id="over-spring-change",
        ),
    ],
)
def test_business_time_between(start: datetime, end: datetime, expected: timedelta) -> None:
    assert HOURS.business_time_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "duration"),
    [
        pytest.param(london(2026, 11, 27, 16, 30), timedelta(hours=2), id="weekend"),
        pytest.param(london(2026, 12, 23, 12, 0), timedelta(hours=9), id="christmas"),
        pytest.param(london(2026, 10, 23, 17, 0), timedelta(hours=4), id="autumn-change"),
        pytest.param(new_york(2026, 3, 7, 3, 0), timedelta(hours=11), id="new-york-spring"),
    ],
)
def test_between_undoes_add(start: datetime, duration: timedelta) -> None:
    for hours in (HOURS, NINE_TO_FIVE_NY):
        end = hours.add_business_time(start, duration)
        assert hours.business_time_between(start, end) == duration
