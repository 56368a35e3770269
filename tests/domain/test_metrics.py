"""Handoff quality measures, each right answer worked out by hand in the comment beside it.

Schedules are in Europe/London. In 2026: British Summer Time starts Sunday 29 March (01:00 GMT
becomes 02:00 BST) and ends Sunday 25 October; Christmas is Friday 25 December, Boxing Day
Saturday 26 December, observed Monday 28 December; the summer bank holiday Monday 31 August is
an English holiday (not a GB-wide one).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from baton.domain.business_hours import BusinessHours, BusinessHoursSettings
from baton.domain.metrics import (
    FirstResponseStats,
    HandoffRecord,
    PromiseStatus,
    first_response_breakdown,
    first_response_stats,
    median_and_p90,
    promise_status,
    promises_kept,
    satisfaction,
    satisfaction_breakdown,
)
from baton.domain.metrics_reports import (
    ConversationRecord,
    UnansweredQuestion,
    escalation_rates,
    group_questions,
    normalise_text,
    question_words,
    reasons_over_time,
    repeat_contact_rate,
)
from baton.domain.reasons import ReasonCategory as R

LONDON = ZoneInfo("Europe/London")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")

# Mon-Fri 09:00-17:30, GB-wide bank holidays.
HOURS = BusinessHours(
    BusinessHoursSettings(
        timezone="Europe/London",
        weekly={day: ["09:00-17:30"] for day in WEEKDAYS},
        holidays_country="GB",
    )
)
# The same, with England's regional bank holidays (the summer one on 31 August).
HOURS_ENG = BusinessHours(
    BusinessHoursSettings(
        timezone="Europe/London",
        weekly={day: ["09:00-17:30"] for day in WEEKDAYS},
        holidays_country="GB",
        holidays_subdivision="ENG",
    )
)
# Closed for lunch 12:30-13:30.
HOURS_LUNCH = BusinessHours(
    BusinessHoursSettings(
        timezone="Europe/London",
        weekly={day: ["09:00-12:30", "13:30-17:30"] for day in WEEKDAYS},
        holidays_country="GB",
    )
)
ALWAYS = BusinessHours.always_open("Europe/London")

_ids = itertools.count(1)


def london(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LONDON)


def handoff(
    created_at: datetime, first_response_at: datetime | None = None, **fields: Any
) -> HandoffRecord:
    number = next(_ids)
    values: dict[str, Any] = {
        "id": f"h{number}",
        "conversation_id": f"c{number}",
        "contact_key": f"contact{number}",
        "created_at": created_at,
        "first_response_at": first_response_at,
    }
    values.update(fields)
    return HandoffRecord(**values)


def minutes(count: float) -> timedelta:
    return timedelta(minutes=count)


# A Wednesday and Thursday with nothing special: GMT, open 09:00-17:30.
WED = london(2026, 11, 25)
THU = london(2026, 11, 26)


# First response: one handoff, wall-clock and business time ------------------------------------

SINGLE_WAITS = [
    pytest.param(
        HOURS,
        london(2026, 11, 20, 16, 30),  # Friday
        london(2026, 11, 23, 9, 45),  # Monday
        # Friday 16:30-17:30 = 1h00, Monday 09:00-09:45 = 0h45.
        timedelta(hours=1, minutes=45),
        # Friday 16:30 -> Sunday 16:30 = 2 days, -> Monday 09:45 = 17h15m more.
        timedelta(days=2, hours=17, minutes=15),
        id="weekend",
    ),
    pytest.param(
        HOURS,
        london(2026, 12, 24, 16, 0),  # Thursday, Christmas Eve (open)
        london(2026, 12, 29, 10, 0),  # Tuesday
        # Thursday 16:00-17:30 = 1h30; Friday 25 Christmas, weekend, Monday 28 Boxing Day
        # observed all closed; Tuesday 09:00-10:00 = 1h00.
        timedelta(hours=2, minutes=30),
        # Thursday 16:00 -> Tuesday 16:00 = 5 days, less 6h.
        timedelta(days=4, hours=18),
        id="christmas-and-boxing-day-observed",
    ),
    pytest.param(
        HOURS_ENG,
        london(2026, 8, 28, 17, 0),  # Friday
        london(2026, 9, 1, 9, 30),  # Tuesday
        # Friday 17:00-17:30 = 0h30; Monday 31 August is England's bank holiday;
        # Tuesday 09:00-09:30 = 0h30.
        timedelta(hours=1),
        # Friday 17:00 -> Tuesday 17:00 = 4 days, less 7h30m.
        timedelta(days=3, hours=16, minutes=30),
        id="summer-bank-holiday-england",
    ),
    pytest.param(
        HOURS,
        london(2026, 8, 28, 17, 0),
        london(2026, 9, 1, 9, 30),
        # Without the English region Monday 31 August is a working day:
        # 0h30 Friday + 8h30 Monday + 0h30 Tuesday.
        timedelta(hours=9, minutes=30),
        timedelta(days=3, hours=16, minutes=30),
        id="summer-bank-holiday-not-gb-wide",
    ),
    pytest.param(
        HOURS_LUNCH,
        WED.replace(hour=12),
        WED.replace(hour=14),
        # 12:00-12:30 = 0h30, lunch 12:30-13:30 closed, 13:30-14:00 = 0h30.
        timedelta(hours=1),
        timedelta(hours=2),
        id="lunch-break",
    ),
    pytest.param(
        HOURS,
        london(2026, 3, 27, 16, 30),  # Friday, GMT (16:30 UTC)
        london(2026, 3, 30, 9, 45),  # Monday, BST (08:45 UTC)
        # Friday 16:30-17:30 = 1h00, Monday 09:00-09:45 = 0h45.
        timedelta(hours=1, minutes=45),
        # 16:30 UTC Friday -> 08:45 UTC Monday: the clocks went forward, one hour less than
        # the ordinary weekend's 2 days 17h15m.
        timedelta(days=2, hours=16, minutes=15),
        id="clocks-forward",
    ),
    pytest.param(
        HOURS,
        london(2026, 10, 23, 16, 30),  # Friday, BST (15:30 UTC)
        london(2026, 10, 26, 9, 45),  # Monday, GMT (09:45 UTC)
        timedelta(hours=1, minutes=45),
        # 15:30 UTC Friday -> 09:45 UTC Monday: the clocks went back, one hour more.
        timedelta(days=2, hours=18, minutes=15),
        id="clocks-back",
    ),
    pytest.param(
        ALWAYS,
        london(2026, 3, 28, 12, 0),  # Saturday noon GMT (12:00 UTC)
        london(2026, 3, 29, 12, 0),  # Sunday noon BST (11:00 UTC)
        # Open around the clock: noon to noon is 23 real hours on the night the clocks
        # go forward, in business time as in wall-clock time.
        timedelta(hours=23),
        timedelta(hours=23),
        id="always-open-across-clocks-forward",
    ),
    pytest.param(
        HOURS,
        london(2026, 11, 21, 10, 0),  # Saturday
        london(2026, 11, 21, 11, 0),
        # Answered on a closed day: no business time at all.
        timedelta(0),
        timedelta(hours=1),
        id="answered-while-closed",
    ),
    pytest.param(
        HOURS,
        WED.replace(hour=10, minute=1),
        WED.replace(hour=10),
        # Reply stamped a minute before the handoff (two workers' clocks): counted as instant.
        timedelta(0),
        timedelta(0),
        id="reply-stamped-before-handoff",
    ),
]


@pytest.mark.parametrize(("hours", "created", "answered", "business", "wall"), SINGLE_WAITS)
def test_single_wait_in_business_and_wall_time(
    hours: BusinessHours,
    created: datetime,
    answered: datetime,
    business: timedelta,
    wall: timedelta,
) -> None:
    stats = first_response_stats([handoff(created, answered)], hours, now=answered)
    # One value: it is the median and the 90th percentile.
    assert (stats.median_business, stats.p90_business) == (business, business)
    assert (stats.median_wall, stats.p90_wall) == (wall, wall)
    assert (stats.count, stats.responded, stats.open) == (1, 1, 0)


# First response: percentiles --------------------------------------------------------------------

PERCENTILES = [
    pytest.param(
        [10, 20, 20, 30, 60, 90, 120, 150, 200, 240],
        # Median: mean of the 5th and 6th values, (60 + 90) / 2 = 75.
        75,
        # 0.9 * (10 - 1) = 8.1: v[8] + 0.1 * (v[9] - v[8]) = 200 + 0.1 * 40 = 204.
        204,
        id="ten-values",
    ),
    pytest.param(
        [30, 60, 30, 30],
        # Sorted 30, 30, 30, 60: median (30 + 30) / 2 = 30.
        30,
        # 0.9 * 3 = 2.7: v[2] + 0.7 * (v[3] - v[2]) = 30 + 0.7 * 30 = 51.
        51,
        id="ties",
    ),
    pytest.param([45, 45, 45], 45, 45, id="all-equal"),
    pytest.param(
        [10, 20],
        15,
        # 0.9 * 1 = 0.9: 10 + 0.9 * 10 = 19.
        19,
        id="two-values",
    ),
    pytest.param([50], 50, 50, id="one-value"),
]


@pytest.mark.parametrize(("waits", "median", "p90"), PERCENTILES)
def test_percentiles_interpolate_linearly(waits: list[int], median: int, p90: int) -> None:
    # Handoffs at 09:00 on an open Wednesday answered the same day: business = wall.
    start = WED.replace(hour=9)
    handoffs = [handoff(start, start + minutes(wait)) for wait in waits]
    stats = first_response_stats(handoffs, HOURS, now=WED.replace(hour=18))
    assert stats.median_business == stats.median_wall == minutes(median)
    assert stats.p90_business == stats.p90_wall == minutes(p90)


def test_median_and_p90_of_nothing() -> None:
    assert median_and_p90([]) == (None, None)


def test_share_within_target_counts_the_target_itself() -> None:
    start = WED.replace(hour=9)
    waits = [10, 20, 20, 30, 60, 90, 120, 150, 200, 240, 241]
    stats = first_response_stats(
        [handoff(start, start + minutes(w)) for w in waits], HOURS, now=WED.replace(hour=18)
    )
    # Within 2h (120 min, inclusive): 10, 20, 20, 30, 60, 90, 120 = 7 of 11.
    assert (stats.within_target, stats.judged) == (7, 11)
    assert stats.share_within_target == pytest.approx(7 / 11)
    # Over 4h (240 min, exclusive): only 241.
    assert (stats.over_business, stats.over_wall) == (1, 1)


def test_custom_target_and_over() -> None:
    start = WED.replace(hour=9)
    handoffs = [handoff(start, start + minutes(w)) for w in (20, 40, 90)]
    stats = first_response_stats(
        handoffs, HOURS, now=WED.replace(hour=18), target=minutes(30), over=minutes(60)
    )
    # Within 30 min: 20 only (1 of 3); over 60 min: 90 only.
    assert stats.share_within_target == pytest.approx(1 / 3)
    assert stats.over_business == 1
    assert stats.as_dict()["target_seconds"] == 1800
    assert stats.as_dict()["over_seconds"] == 3600


# First response: open handoffs ------------------------------------------------------------------

NOW = THU.replace(hour=12)  # Thursday 26 November 12:00 GMT


def open_and_answered() -> list[HandoffRecord]:
    return [
        # A: open 1h of business time, inside the target.
        handoff(THU.replace(hour=11)),
        # B: open since 09:30, 2h30 of business time: overdue.
        handoff(THU.replace(hour=9, minute=30)),
        # C: open since Wednesday 17:00: 0h30 Wednesday + 3h00 Thursday = 3h30 business
        # (overdue, not over 4h); 19h wall (over 4h).
        handoff(WED.replace(hour=17)),
        # D: open 30 min, but its promise (11:45) has passed: overdue.
        handoff(THU.replace(hour=11, minute=30), promised_by=THU.replace(hour=11, minute=45)),
        # E: answered in 30 min.
        handoff(THU.replace(hour=9), THU.replace(hour=9, minute=30)),
        # F: Tuesday 09:00 -> 14:00, 5h: over 4h in both.
        handoff(london(2026, 11, 24, 9), london(2026, 11, 24, 14)),
    ]


def test_open_handoffs_past_target_or_promise_count_as_missed() -> None:
    stats = first_response_stats(open_and_answered(), HOURS, now=NOW)
    assert (stats.count, stats.responded, stats.open) == (6, 2, 4)
    # B, C and D are overdue; A is still inside its target and not judged yet.
    assert stats.open_overdue == 3
    # Judged = 2 answered + 3 overdue = 5; within target: E only.
    assert (stats.within_target, stats.judged) == (1, 5)
    assert stats.share_within_target == pytest.approx(0.2)
    # Over 4h business: F (5h); C has 3h30 only.
    assert stats.over_business == 1
    # Over 4h wall: F (5h) and C (19h).
    assert stats.over_wall == 2
    # Answered only: 30 min and 5h. Median (30 + 300) / 2 = 165 min = 2h45m.
    assert stats.median_business == stats.median_wall == minutes(165)
    # 0.9 * 1 = 0.9: 30 + 0.9 * 270 = 273 min = 4h33m.
    assert stats.p90_business == stats.p90_wall == minutes(273)


def test_open_handoff_over_the_weekend_is_not_overdue_in_business_time() -> None:
    # Friday 17:00 open, now Monday 09:30: 0h30 Friday + 0h30 Monday = 1h business, inside
    # the 2h target; but 64h30m wall, over 4h.
    stats = first_response_stats(
        [handoff(london(2026, 11, 20, 17))], HOURS, now=london(2026, 11, 23, 9, 30)
    )
    assert (stats.open, stats.open_overdue, stats.judged) == (1, 0, 0)
    assert stats.share_within_target is None
    assert (stats.over_business, stats.over_wall) == (0, 1)


def test_open_handoff_crossing_a_bank_holiday() -> None:
    # Thursday 24 December 16:00 open, now Tuesday 29 December 09:15: 1h30 Thursday + 0h15
    # Tuesday = 1h45 (Christmas and Boxing Day observed closed): inside the target.
    handoffs = [handoff(london(2026, 12, 24, 16))]
    early = first_response_stats(handoffs, HOURS, now=london(2026, 12, 29, 9, 15))
    assert early.open_overdue == 0
    # At 09:31: 1h30 + 0h31 = 2h01 > 2h: overdue, and the only judged handoff has missed.
    late = first_response_stats(handoffs, HOURS, now=london(2026, 12, 29, 9, 31))
    assert late.open_overdue == 1
    assert late.share_within_target == 0.0


def test_empty_input_gives_nothing_rather_than_a_division_error() -> None:
    stats = first_response_stats([], HOURS, now=NOW)
    assert stats == FirstResponseStats(
        count=0,
        responded=0,
        open=0,
        open_overdue=0,
        median_wall=None,
        p90_wall=None,
        median_business=None,
        p90_business=None,
        within_target=0,
        judged=0,
        share_within_target=None,
        over_business=0,
        over_wall=0,
    )
    assert stats.as_dict()["median_wall_seconds"] is None
    assert stats.as_dict()["share_within_target"] is None


def test_as_dict_is_json_ready_with_seconds() -> None:
    data = first_response_stats(open_and_answered(), HOURS, now=NOW).as_dict()
    # 2h45m = 9900 s; 4h33m = 16380 s.
    assert data["median_business_seconds"] == 9900
    assert data["p90_wall_seconds"] == 16380
    assert json.loads(json.dumps(data)) == data


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        handoff(datetime(2026, 11, 26, 9))
    with pytest.raises(ValueError, match="now"):
        first_response_stats([], HOURS, now=datetime(2026, 11, 26, 9))


# First response: breakdowns ---------------------------------------------------------------------


def breakdown_set() -> list[HandoffRecord]:
    nine = WED.replace(hour=9)
    return [
        # h1: live, two reasons, Ana, 10 min.
        handoff(
            nine,
            nine + minutes(10),
            model="live",
            reasons=(R.EXPLICIT_REQUEST, R.EMOTIONAL),
            agent="ana",
        ),
        # h2: email, knowledge gap, Ben, 60 min.
        handoff(nine, nine + minutes(60), model="email", reasons=(R.KNOWLEDGE_GAP,), agent="ben"),
        # h3: email, explicit request, nobody yet, open since Thursday 09:30 (30 min at 10:00).
        handoff(THU.replace(hour=9, minute=30), model="email", reasons=(R.EXPLICIT_REQUEST,)),
        # h4: no model, no reason, Ana, 180 min.
        handoff(nine, nine + minutes(180), agent="ana"),
    ]


def summary(stats: FirstResponseStats) -> tuple[int, int, int, timedelta | None, float | None]:
    return (
        stats.count,
        stats.responded,
        stats.open,
        stats.median_business,
        stats.share_within_target,
    )


BREAKDOWNS = [
    pytest.param(
        "model",
        {
            # h2 answered in 60 min (within), h3 open and not judged yet: 1 of 1.
            "email": (2, 1, 1, minutes(60), 1.0),
            "live": (1, 1, 0, minutes(10), 1.0),
            # h4: 180 min, over the 2h target.
            "unknown": (1, 1, 0, minutes(180), 0.0),
        },
        id="by-model",
    ),
    pytest.param(
        "reason",
        {
            # h1 (10 min) and h3 (open); h1 counts under both of its reasons.
            "explicit_request": (2, 1, 1, minutes(10), 1.0),
            "knowledge_gap": (1, 1, 0, minutes(60), 1.0),
            "emotional": (1, 1, 0, minutes(10), 1.0),
            "unknown": (1, 1, 0, minutes(180), 0.0),
        },
        id="by-reason",
    ),
    pytest.param(
        "agent",
        {
            # h1 10 min and h4 180 min: median (10 + 180) / 2 = 95; 1 of 2 within.
            "ana": (2, 2, 0, minutes(95), 0.5),
            "ben": (1, 1, 0, minutes(60), 1.0),
            "unassigned": (1, 0, 1, None, None),
        },
        id="by-agent",
    ),
]


@pytest.mark.parametrize(("by", "expected"), BREAKDOWNS)
def test_first_response_breakdown(by: Any, expected: dict[str, tuple[Any, ...]]) -> None:
    groups = first_response_breakdown(breakdown_set(), HOURS, by, now=THU.replace(hour=10))
    # The order matters for the dashboard: reasons canonical, others alphabetical, fallback last.
    assert list(groups) == list(expected)
    assert {key: summary(stats) for key, stats in groups.items()} == expected


@pytest.mark.parametrize("handoffs", [breakdown_set(), []], ids=["some", "none"])
def test_unknown_breakdown_is_refused(handoffs: list[HandoffRecord]) -> None:
    with pytest.raises(ValueError, match="breakdown"):
        first_response_breakdown(handoffs, HOURS, "colour", now=NOW)  # type: ignore[arg-type]


def test_breakdown_of_nothing_is_empty() -> None:
    assert first_response_breakdown([], HOURS, "model", now=NOW) == {}


# Satisfaction -----------------------------------------------------------------------------------


def rated_set() -> list[HandoffRecord]:
    done = THU.replace(hour=15)
    return [
        handoff(WED, resolved_at=done, asked_rating=True, rating="good", reasons=(R.EMOTIONAL,)),
        handoff(WED, resolved_at=done, asked_rating=True, rating="bad", reasons=(R.EMOTIONAL,)),
        handoff(WED, resolved_at=done, asked_rating=True, reasons=(R.KNOWLEDGE_GAP,)),
        handoff(WED, resolved_at=done, asked_rating=True, rating="good"),
        handoff(WED, resolved_at=done),  # resolved, never asked
        handoff(WED),  # still open
    ]


def test_satisfaction() -> None:
    stats = satisfaction(rated_set())
    # Ratings: good, bad, good -> 2 of 3 positive.
    assert (stats.good, stats.bad) == (2, 1)
    assert stats.positive_rate == pytest.approx(2 / 3)
    # 5 resolved, 4 of them asked, 3 of those rated -> 0.75.
    assert (stats.resolved, stats.asked, stats.rated_when_asked) == (5, 4, 3)
    assert stats.response_rate == 0.75
    assert json.loads(json.dumps(stats.as_dict())) == stats.as_dict()


def test_satisfaction_by_reason() -> None:
    groups = satisfaction_breakdown(rated_set(), "reason")
    assert list(groups) == ["knowledge_gap", "emotional", "unknown"]
    # Emotional: one good, one bad.
    assert groups["emotional"].positive_rate == 0.5
    # Knowledge gap: asked once, no answer: no positive rate, response rate 0.
    assert groups["knowledge_gap"].positive_rate is None
    assert groups["knowledge_gap"].response_rate == 0.0


def test_satisfaction_of_nothing() -> None:
    stats = satisfaction([])
    assert (stats.positive_rate, stats.response_rate) == (None, None)
    assert (stats.resolved, stats.asked, stats.good, stats.bad) == (0, 0, 0, 0)


# Promises ---------------------------------------------------------------------------------------

DUE = THU.replace(hour=15)
LEAD = minutes(30)

PROMISE_CASES = [
    pytest.param(DUE - minutes(1), DUE + minutes(60), LEAD, "kept", id="answered-a-minute-early"),
    pytest.param(DUE, DUE + minutes(60), LEAD, "kept", id="answered-on-the-dot"),
    pytest.param(DUE + minutes(1), DUE + minutes(60), LEAD, "late_kept", id="answered-late"),
    pytest.param(DUE - minutes(60), DUE - minutes(90), LEAD, "kept", id="answered-looked-early"),
    pytest.param(None, DUE - minutes(60), LEAD, "pending", id="waiting-an-hour-before"),
    pytest.param(None, DUE - minutes(31), LEAD, "pending", id="waiting-31-min-before"),
    pytest.param(None, DUE - minutes(30), LEAD, "at_risk", id="waiting-30-min-before"),
    pytest.param(None, DUE, LEAD, "at_risk", id="waiting-at-due-time"),
    pytest.param(None, DUE + timedelta(seconds=1), LEAD, "broken", id="waiting-past-due"),
    pytest.param(None, DUE - minutes(1), timedelta(0), "pending", id="no-lead"),
]


@pytest.mark.parametrize(("answered", "now", "lead", "status"), PROMISE_CASES)
def test_promise_status(
    answered: datetime | None, now: datetime, lead: timedelta, status: PromiseStatus
) -> None:
    assert promise_status(DUE, answered, now, lead) == status


def test_promise_status_compares_instants_not_local_clocks() -> None:
    # Due 15:00 London (GMT = UTC in November); answered 15:30 in New York... is 20:30 UTC.
    new_york = datetime(2026, 11, 26, 10, 30, tzinfo=ZoneInfo("America/New_York"))
    assert promise_status(DUE, new_york, new_york, LEAD) == "late_kept"
    # 14:59 UTC is before 15:00 GMT.
    assert promise_status(DUE, datetime(2026, 11, 26, 14, 59, tzinfo=UTC), DUE, LEAD) == "kept"


def test_promise_status_refuses_a_negative_lead() -> None:
    with pytest.raises(ValueError, match="lead"):
        promise_status(DUE, None, DUE, -LEAD)


def test_promises_kept() -> None:
    created = THU.replace(hour=9)
    handoffs = [
        handoff(created, DUE - minutes(60), promised_by=DUE),  # kept
        handoff(created, DUE, promised_by=DUE),  # kept, on the dot
        handoff(created, DUE + minutes(5), promised_by=DUE),  # answered late
        handoff(created, promised_by=DUE - minutes(60)),  # waiting, promise passed: broken
        handoff(created, promised_by=DUE + minutes(20)),  # waiting, due in 20 min: at risk
        handoff(created, promised_by=DUE + minutes(120)),  # waiting, due in 2h: pending
        handoff(created, DUE + minutes(300)),  # no promise (live chat): left out
    ]
    stats = promises_kept(handoffs, now=DUE, lead=LEAD)
    assert (stats.promised, stats.kept, stats.late_kept, stats.broken) == (6, 2, 1, 1)
    assert (stats.at_risk, stats.pending) == (1, 1)
    # Decided: 2 kept + 1 late + 1 broken = 4; kept 2 of 4.
    assert stats.share_kept == 0.5


def test_promises_kept_of_nothing() -> None:
    stats = promises_kept([], now=DUE)
    assert (stats.promised, stats.share_kept) == (0, None)


# Repeat contact ---------------------------------------------------------------------------------

RESOLVED = london(2026, 11, 2, 10)  # Monday


def conversation(id: str, contact: str | None, created: datetime, **fields: Any) -> Any:
    return ConversationRecord(id=id, contact_key=contact, created_at=created, **fields)


def repeat_history() -> tuple[list[HandoffRecord], list[ConversationRecord]]:
    before = RESOLVED - timedelta(hours=2)

    def resolved(conversation_id: str, contact: str | None, topic: str) -> HandoffRecord:
        return handoff(
            before,
            conversation_id=conversation_id,
            contact_key=contact,
            topic=topic,
            resolved_at=RESOLVED,
        )

    handoffs = [
        # 1. Jo writes again on Friday about the same topic, spelled differently: repeat.
        resolved("c1", "jo", "Refund status"),
        # 2. Al's conversation is reopened the next morning: repeat (reopen).
        resolved("c3", "al", "Delivery"),
        # 3. Sam comes back exactly 7 days later: inside the window (inclusive).
        resolved("c4", "sam", "Invoice"),
        # 4. Kim comes back about another topic: no.
        resolved("c6", "kim", "Invoice"),
        # 5. Lee comes back 7 days and 1 minute later: outside the window.
        resolved("c8", "lee", "Refund"),
        # 6. Max's other conversation began before this one was resolved: no.
        resolved("c10", "max", "refund"),
        # 7. Anonymous visitors cannot be matched: no.
        resolved("c12", None, "refund"),
        # 8. Pat's conversation was reopened before the handoff was resolved: no.
        resolved("c14", "pat", "Delivery"),
        # Not resolved: left out.
        handoff(before, conversation_id="c16", contact_key="jo", topic="Refund status"),
    ]
    conversations = [
        conversation("c1", "jo", before, topic="Refund status"),
        conversation("c2", "jo", london(2026, 11, 6, 9), topic="refund  status?"),
        conversation("c3", "al", before, topic="Delivery", reopened_at=london(2026, 11, 3, 9)),
        conversation("c4", "sam", before, topic="Invoice"),
        conversation("c5", "sam", london(2026, 11, 9, 10), topic="invoice"),
        conversation("c6", "kim", before, topic="Invoice"),
        conversation("c7", "kim", london(2026, 11, 3, 9), topic="Delivery"),
        conversation("c8", "lee", before, topic="Refund"),
        conversation("c9", "lee", london(2026, 11, 9, 10, 1), topic="refund"),
        conversation("c10", "max", before, topic="refund"),
        conversation("c11", "max", RESOLVED - minutes(60), topic="refund"),
        conversation("c12", None, before, topic="refund"),
        conversation("c13", None, london(2026, 11, 3, 9), topic="refund"),
        conversation("c14", "pat", before, topic="Delivery", reopened_at=RESOLVED - minutes(30)),
        conversation("c16", "jo", before, topic="Refund status"),
    ]
    return handoffs, conversations


def test_repeat_contact_rate() -> None:
    stats = repeat_contact_rate(*repeat_history())
    # 8 resolved; repeats: 1 (new conversation), 2 (reopen), 3 (new conversation) -> 3 of 8.
    assert (stats.resolved, stats.repeated) == (8, 3)
    assert (stats.reopened, stats.new_conversation) == (1, 2)
    assert stats.rate == 0.375
    assert stats.as_dict()["window_seconds"] == 7 * 24 * 3600


def test_repeat_contact_with_a_shorter_window() -> None:
    stats = repeat_contact_rate(*repeat_history(), window=timedelta(days=1))
    # Only Al's reopen (23h later) is within a day: 1 of 8.
    assert (stats.repeated, stats.reopened, stats.new_conversation) == (1, 1, 0)
    assert stats.rate == 0.125


def test_reopen_and_new_conversation_count_once() -> None:
    handoffs = [handoff(WED, conversation_id="a", contact_key="jo", topic="x", resolved_at=WED)]
    conversations = [
        conversation("a", "jo", WED, topic="x", reopened_at=THU),
        conversation("b", "jo", THU, topic="x"),
    ]
    stats = repeat_contact_rate(handoffs, conversations)
    # Both happened; the reopen takes precedence, and the handoff counts once.
    assert (stats.repeated, stats.reopened, stats.new_conversation) == (1, 1, 0)


def test_repeat_contact_of_nothing() -> None:
    stats = repeat_contact_rate([], [])
    assert (stats.resolved, stats.repeated, stats.rate) == (0, 0, None)


# Reasons over time ------------------------------------------------------------------------------


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def reason_history() -> list[HandoffRecord]:
    return [
        # Sunday 29 March 22:30 UTC = 23:30 BST, still Sunday in London.
        handoff(utc(2026, 3, 29, 22, 30), reasons=(R.EXPLICIT_REQUEST,)),
        # Sunday 29 March 23:30 UTC = Monday 30 March 00:30 BST: Monday in London.
        handoff(utc(2026, 3, 29, 23, 30), reasons=(R.EMOTIONAL, R.KNOWLEDGE_GAP)),
        # A reason listed twice counts once.
        handoff(utc(2026, 3, 30, 12), reasons=(R.KNOWLEDGE_GAP, R.KNOWLEDGE_GAP)),
        handoff(utc(2026, 4, 1, 9), reasons=(R.HIGH_VALUE,)),
        # No reason: in no count.
        handoff(utc(2026, 4, 1, 10)),
    ]


def counts(**values: int) -> dict[R, int]:
    return {reason: values.get(reason.value, 0) for reason in R}


REASON_BUCKETS = [
    pytest.param(
        "day",
        {},
        [
            (date(2026, 3, 29), counts(explicit_request=1)),
            (date(2026, 3, 30), counts(emotional=1, knowledge_gap=2)),
            (date(2026, 3, 31), counts()),  # no handoff: a zero row, no gap in the chart
            (date(2026, 4, 1), counts(high_value=1)),
        ],
        id="days-in-london-time",
    ),
    pytest.param(
        "week",
        {},
        [
            # Week starting Monday 23 March: the Sunday handoff.
            (date(2026, 3, 23), counts(explicit_request=1)),
            (date(2026, 3, 30), counts(emotional=1, knowledge_gap=2, high_value=1)),
        ],
        id="weeks-from-monday",
    ),
    pytest.param(
        "day",
        {"start": date(2026, 3, 30), "end": date(2026, 3, 31)},
        [
            (date(2026, 3, 30), counts(emotional=1, knowledge_gap=2)),
            (date(2026, 3, 31), counts()),
        ],
        id="range-leaves-out-the-rest",
    ),
    pytest.param(
        "week",
        {"start": date(2026, 4, 2), "end": date(2026, 4, 14)},
        [
            # 2 April is a Thursday: its week starts Monday 30 March.
            (date(2026, 3, 30), counts(emotional=1, knowledge_gap=2, high_value=1)),
            (date(2026, 4, 6), counts()),
            (date(2026, 4, 13), counts()),
        ],
        id="range-aligned-to-weeks",
    ),
]


@pytest.mark.parametrize(("bucket", "span", "expected"), REASON_BUCKETS)
def test_reasons_over_time(
    bucket: Any, span: dict[str, date], expected: list[tuple[date, dict[R, int]]]
) -> None:
    assert reasons_over_time(reason_history(), HOURS, bucket, **span) == expected


def test_reasons_over_time_rows_are_json_ready() -> None:
    first = reasons_over_time(reason_history(), HOURS, "day")[0]
    assert first.as_dict() == {
        "start": "2026-03-29",
        "explicit_request": 1,
        "knowledge_gap": 0,
        "emotional": 0,
        "complex_issue": 0,
        "high_value": 0,
    }


def test_reasons_over_time_of_nothing() -> None:
    assert reasons_over_time([], HOURS, "week") == []


# Escalation and containment ---------------------------------------------------------------------


def test_escalation_and_containment_rates() -> None:
    conversations = [conversation(f"c{i}", None, WED, handed_off=i < 2) for i in range(5)]
    # 2 of 5 handed to a human; the bot handled 3 of 5 alone.
    escalation, containment = escalation_rates(conversations)
    assert (escalation, containment) == (0.4, 0.6)


def test_escalation_rates_of_nothing() -> None:
    assert escalation_rates([]) == (None, None)
    assert escalation_rates([]).as_dict() == {"escalation_rate": None, "containment_rate": None}


# Questions the bot could not answer -------------------------------------------------------------


def asked(day: int, text: str) -> UnansweredQuestion:
    return UnansweredQuestion(text=text, at=london(2026, 11, day, 10))


QUESTIONS = [
    asked(1, "Do you ship to Norway?"),
    asked(2, "do you ship to norway"),
    asked(3, "Do you ship to Norway?"),
    asked(4, "Can I ship to Norway please"),
    asked(5, "Do you deliver to Norway?"),
    asked(6, "What are your opening hours?"),
    asked(7, "Opening hours on Sunday"),
    asked(8, "Where is my refund"),
    asked(9, "refunds!"),
    asked(10, "   "),
]


def test_question_words() -> None:
    # Common words and the plural s go: the topic words are left.
    assert question_words("Can I ship to Norway please?") == {"ship", "norway"}
    assert question_words("What are your opening hours?") == {"opening", "hour"}
    assert question_words("address") == {"address"}
    # Only common words: all of them are kept, so the question is not lost.
    assert question_words("Can you tell me?") == {"can", "you", "tell", "me"}
    assert normalise_text("  Refund   STATUS?! ") == "refund status"


def test_group_questions() -> None:
    groups = group_questions(QUESTIONS)
    # Topic words: {ship, norway} x4; {deliver, norway}; {opening, hour};
    # {opening, hour, sunday}; {refund} x2 ("refunds" loses its s); the blank one is skipped.
    # {opening, hour, sunday} overlaps {opening, hour} by 2/3 >= 0.5: one group.
    # {deliver, norway} overlaps {ship, norway} by 1/3 < 0.5: a group of its own.
    assert [(g.label, g.texts) for g in groups] == [
        (
            # The wording asked most (twice) is the example.
            "Do you ship to Norway? (4)",
            ("Do you ship to Norway?", "do you ship to norway", "Can I ship to Norway please"),
        ),
        # Two groups of 2: the one asked last (9 November) first; each example is its
        # earliest wording, all wordings being asked once.
        ("Where is my refund (2)", ("Where is my refund", "refunds!")),
        (
            "What are your opening hours? (2)",
            ("What are your opening hours?", "Opening hours on Sunday"),
        ),
        ("Do you deliver to Norway? (1)", ("Do you deliver to Norway?",)),
    ]
    assert groups[0].last_asked == london(2026, 11, 4, 10)
    assert groups[0].as_dict()["last_asked"] == "2026-11-04T10:00:00+00:00"


def test_group_questions_exact_similarity_keeps_variants_apart() -> None:
    labels = [g.label for g in group_questions(QUESTIONS, min_similarity=1.0)]
    # {opening, hour} and {opening, hour, sunday} are no longer one group.
    assert "What are your opening hours? (1)" in labels
    assert "Opening hours on Sunday (1)" in labels
    assert len(labels) == 5


def test_group_questions_keeps_only_the_most_recent() -> None:
    groups = group_questions(QUESTIONS, max_questions=4)
    # The four most recent: 7, 8, 9 November and the blank one (10th, skipped).
    assert [g.label for g in groups] == ["Where is my refund (2)", "Opening hours on Sunday (1)"]


def test_group_questions_of_nothing() -> None:
    assert group_questions([]) == []


@pytest.mark.parametrize("bad", [0.0, -0.1, 1.5], ids=["zero", "negative", "above-one"])
def test_group_questions_refuses_a_meaningless_similarity(bad: float) -> None:
    with pytest.raises(ValueError, match="min_similarity"):
        group_questions(QUESTIONS, min_similarity=bad)
