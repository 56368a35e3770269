"""Promises: the due time from business hours and the SLA, and how it is phrased."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from baton.domain.business_hours import BusinessHours, BusinessHoursSettings
from baton.domain.promises import (
    Promise,
    SlaSettings,
    compute_promise,
    describe_wait,
    format_clock,
    format_duration,
    render_due,
    render_due_absolute,
    render_promise,
    round_up,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
TOKYO = ZoneInfo("Asia/Tokyo")

HOURS = BusinessHours(
    BusinessHoursSettings(
        timezone="Europe/London",
        weekly={day: ["09:00-12:30", "13:30-17:30"] for day in ("mon", "tue", "wed", "thu", "fri")},
        holidays_country="GB",
        holidays_subdivision="ENG",
    )
)
SLA = SlaSettings()


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def promise_at(now: datetime, sla: SlaSettings = SLA) -> str:
    return render_promise(compute_promise(now, HOURS, sla), now, LONDON)


# -- settings -----------------------------------------------------------------------------------


def test_sla_defaults_to_two_business_hours_rounded_to_the_quarter() -> None:
    assert SLA.first_response == timedelta(hours=2)
    assert SLA.round_to_minutes == 15


@pytest.mark.parametrize(
    "values",
    [
        pytest.param({"first_response_hours": 0}, id="zero-hours"),
        pytest.param({"first_response_hours": -1}, id="negative-hours"),
        pytest.param({"round_to_minutes": 7}, id="odd-rounding"),
        pytest.param({"first_response": 2}, id="unknown-key"),
    ],
)
def test_sla_settings_refuse_nonsense(values: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        SlaSettings(**values)  # type: ignore[arg-type]


# -- compute and render, the phrases the customer reads -----------------------------------------


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        pytest.param(london(2026, 11, 26, 10, 7), "within 2 hours", id="open-whole-window"),
        pytest.param(london(2026, 11, 26, 14, 0), "within 2 hours", id="afternoon"),
        pytest.param(london(2026, 11, 26, 11, 40), "by 2:45 PM today", id="across-lunch"),
        pytest.param(london(2026, 11, 26, 7, 0), "by 11:00 AM today", id="before-opening"),
        pytest.param(
            london(2026, 11, 26, 16, 50), "by 10:30 AM tomorrow (Friday)", id="near-closing"
        ),
        pytest.param(london(2026, 11, 26, 21, 0), "by 11:00 AM tomorrow (Friday)", id="evening"),
        pytest.param(
            london(2026, 11, 27, 16, 30), "first thing Monday, by 10:00 AM", id="friday-late"
        ),
        pytest.param(london(2026, 11, 28, 12, 0), "first thing Monday, by 11:00 AM", id="saturday"),
        pytest.param(
            london(2026, 12, 24, 17, 0), "first thing Tuesday, by 10:30 AM", id="christmas"
        ),
    ],
)
def test_phrases(now: datetime, expected: str) -> None:
    assert promise_at(now) == expected


def test_a_long_sla_names_the_day_and_time() -> None:
    sla = SlaSettings(first_response_hours=20)
    assert promise_at(london(2026, 11, 26, 10, 7), sla) == "by 4:15 PM on Monday"


def test_first_thing_covers_the_first_hours_of_a_later_day() -> None:
    sla = SlaSettings(first_response_hours=16)
    assert promise_at(london(2026, 11, 26, 10, 7), sla) == "first thing Monday, by 11:15 AM"


def test_more_than_a_week_away_gives_the_date() -> None:
    sla = SlaSettings(first_response_hours=45)
    assert promise_at(london(2026, 11, 24, 15, 0), sla) == "by 3:00 PM on Wednesday, 2 December"


def test_never_soon() -> None:
    starts = [london(2026, 11, 23, 0, 0) + timedelta(minutes=37 * step) for step in range(300)]
    for now in starts:
        phrase = promise_at(now)
        assert "soon" not in phrase
        assert phrase.startswith(("within ", "by ", "first thing "))


# -- the due time -------------------------------------------------------------------------------


def test_within_the_window_the_due_time_is_exact() -> None:
    now = london(2026, 11, 26, 10, 7)
    promise = compute_promise(now, HOURS, SLA)
    assert promise.continuous
    assert promise.due == now + timedelta(hours=2)
    assert promise.made_at == now


def test_a_clock_time_is_rounded_up_and_still_kept() -> None:
    now = london(2026, 11, 26, 11, 40)
    promise = compute_promise(now, HOURS, SLA)
    raw = HOURS.add_business_time(now, SLA.first_response)
    assert raw == london(2026, 11, 26, 14, 40)
    assert promise.due == london(2026, 11, 26, 14, 45)
    assert not promise.continuous


def test_rounding_can_be_to_the_hour() -> None:
    now = london(2026, 11, 26, 11, 40)
    promise = compute_promise(now, HOURS, SlaSettings(round_to_minutes=60))
    assert promise.due == london(2026, 11, 26, 15, 0)


def test_business_time_override() -> None:
    now = london(2026, 11, 26, 10, 0)
    promise = compute_promise(now, HOURS, SLA, business_time=timedelta(minutes=30))
    assert render_promise(promise, now, LONDON) == "within 30 minutes"


def test_due_time_is_aware_and_in_the_business_timezone() -> None:
    now = datetime(2026, 11, 27, 16, 30, tzinfo=UTC)
    promise = compute_promise(now, HOURS, SLA)
    assert promise.due.tzinfo == LONDON
    assert promise.due.astimezone(UTC) == datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected_utc"),
    [
        # Friday before the spring change (GMT) to Monday on BST: 10:00 BST is 09:00 UTC.
        pytest.param(
            london(2026, 3, 27, 16, 30), datetime(2026, 3, 30, 9, 0, tzinfo=UTC), id="spring"
        ),
        # Friday before the autumn change (BST) to Monday on GMT: 10:00 GMT is 10:00 UTC.
        pytest.param(
            london(2026, 10, 23, 16, 30), datetime(2026, 10, 26, 10, 0, tzinfo=UTC), id="autumn"
        ),
    ],
)
def test_promise_across_dst(now: datetime, expected_utc: datetime) -> None:
    promise = compute_promise(now, HOURS, SLA)
    assert promise.due == expected_utc
    assert render_promise(promise, now, LONDON) == "first thing Monday, by 10:00 AM"


# -- phrasing in the customer's timezone ---------------------------------------------------------


def test_customer_timezone_changes_the_clock_not_the_instant() -> None:
    now = london(2026, 11, 26, 11, 40)
    promise = compute_promise(now, HOURS, SLA)
    assert render_promise(promise, now, NEW_YORK) == "by 9:45 AM today"


def test_customer_timezone_changes_today_and_tomorrow() -> None:
    now = london(2026, 11, 26, 16, 50)  # 01:50 on Friday in Tokyo
    promise = compute_promise(now, HOURS, SLA)
    assert render_promise(promise, now, TOKYO) == "by 7:30 PM today"


def test_first_thing_only_for_a_morning_on_the_customers_clock() -> None:
    now = london(2026, 11, 27, 16, 30)
    promise = compute_promise(now, HOURS, SLA)
    assert promise.first_thing
    assert render_promise(promise, now, TOKYO) == "by 7:00 PM on Monday"


def test_zone_can_be_shown_when_the_customers_timezone_is_unknown() -> None:
    now = london(2026, 11, 26, 16, 50)
    promise = compute_promise(now, HOURS, SLA)
    assert (
        render_promise(promise, now, LONDON, show_zone=True) == "by 10:30 AM GMT tomorrow (Friday)"
    )


def test_rendered_later_the_window_becomes_a_clock_time() -> None:
    made = london(2026, 11, 26, 10, 7)
    promise = compute_promise(made, HOURS, SLA)
    assert render_promise(promise, made, LONDON) == "within 2 hours"
    # "Within 2 hours" said again 1 h 50 later would promise 11:57 PM, not 12:07 PM.
    assert render_promise(promise, made + timedelta(minutes=30), LONDON) == "by 12:07 PM today"
    assert render_promise(promise, made + timedelta(hours=1, minutes=50), LONDON) == (
        "by 12:07 PM today"
    )


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param(london(2026, 12, 7, 23, 50), "by 9:00 AM tomorrow (Tuesday)", id="monday"),
        pytest.param(london(2026, 12, 8, 0, 10), "by 9:00 AM today", id="after-midnight"),
        pytest.param(london(2026, 12, 6, 12, 0), "by 9:00 AM on Tuesday", id="sunday"),
    ],
)
def test_a_stored_promise_is_worded_from_the_moment_it_is_shown(
    shown: datetime, expected: str
) -> None:
    due = london(2026, 12, 8, 9, 0)
    assert render_due(due, shown, LONDON) == expected


def test_email_states_the_absolute_time_with_its_zone() -> None:
    due = london(2026, 12, 8, 9, 0)
    assert render_due_absolute(due, LONDON, "Europe/London") == (
        "by 09:00 Tuesday 8 December (Europe/London)"
    )
    assert render_due_absolute(due, TOKYO, "Asia/Tokyo") == (
        "by 18:00 Tuesday 8 December (Asia/Tokyo)"
    )


def test_render_refuses_naive_times() -> None:
    promise = compute_promise(london(2026, 11, 26, 10, 0), HOURS, SLA)
    with pytest.raises(ValueError, match="timezone-aware"):
        render_promise(promise, datetime(2026, 11, 26, 10, 0), LONDON)


def test_promise_is_a_plain_value() -> None:
    now = london(2026, 11, 26, 10, 0)
    assert compute_promise(now, HOURS, SLA) == Promise(
        made_at=now,
        due=london(2026, 11, 26, 12, 0),
        business_time=timedelta(hours=2),
        continuous=True,
        first_thing=False,
    )


# -- helpers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("moment", "minutes", "expected"),
    [
        pytest.param(london(2026, 11, 26, 10, 1), 15, london(2026, 11, 26, 10, 15), id="up"),
        pytest.param(london(2026, 11, 26, 10, 15), 15, london(2026, 11, 26, 10, 15), id="on"),
        pytest.param(london(2026, 11, 26, 23, 50), 15, london(2026, 11, 27, 0, 0), id="midnight"),
        pytest.param(london(2026, 11, 26, 10, 1), 60, london(2026, 11, 26, 11, 0), id="hour"),
    ],
)
def test_round_up(moment: datetime, minutes: int, expected: datetime) -> None:
    assert round_up(moment, minutes, LONDON) == expected


def test_round_up_in_a_half_hour_timezone() -> None:
    kolkata = ZoneInfo("Asia/Kolkata")
    moment = datetime(2026, 11, 26, 10, 1, tzinfo=kolkata)
    assert round_up(moment, 60, kolkata) == datetime(2026, 11, 26, 11, 0, tzinfo=kolkata)


@pytest.mark.parametrize(
    ("hour", "minute", "expected"),
    [
        pytest.param(0, 5, "12:05 AM", id="after-midnight"),
        pytest.param(9, 0, "9:00 AM", id="morning"),
        pytest.param(12, 0, "12:00 PM", id="noon"),
        pytest.param(15, 30, "3:30 PM", id="afternoon"),
    ],
)
def test_format_clock(hour: int, minute: int, expected: str) -> None:
    assert format_clock(london(2026, 11, 26, hour, minute)) == expected


@pytest.mark.parametrize(
    ("span", "expected"),
    [
        pytest.param(timedelta(minutes=1), "1 minute", id="one-minute"),
        pytest.param(timedelta(minutes=45), "45 minutes", id="minutes"),
        pytest.param(timedelta(hours=1), "1 hour", id="one-hour"),
        pytest.param(timedelta(hours=2), "2 hours", id="hours"),
        pytest.param(timedelta(hours=1, minutes=30), "1 hour 30 minutes", id="mixed"),
        pytest.param(timedelta(minutes=59, seconds=1), "1 hour", id="rounded-up"),
    ],
)
def test_format_duration(span: timedelta, expected: str) -> None:
    assert format_duration(span) == expected


@pytest.mark.parametrize(
    ("wait", "expected"),
    [
        pytest.param(timedelta(seconds=20), "under a minute", id="seconds"),
        pytest.param(timedelta(minutes=1), "about 1 minute", id="one-minute"),
        pytest.param(timedelta(minutes=4, seconds=10), "about 5 minutes", id="rounded-up"),
        pytest.param(timedelta(minutes=90), "about 1 hour 30 minutes", id="long"),
    ],
)
def test_describe_wait(wait: timedelta, expected: str) -> None:
    assert describe_wait(wait) == expected
