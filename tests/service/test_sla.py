"""The SLA clock in business time: weekends, holidays, adjusted working days (调休), starting
outside hours, spanning months. Pure functions: no database."""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from bankcrm.service.sla import (
    CalendarError,
    WorkCalendar,
    add_business_minutes,
    business_minutes_between,
    clock,
)

SH = ZoneInfo("Asia/Shanghai")
WEEK = {d: ((time(9), time(12)), (time(13), time(17, 30))) for d in range(5)}  # 7.5 h a day
CAL = WorkCalendar(
    hours=WEEK,
    holidays=frozenset(
        [date(2026, 10, d) for d in range(1, 8)] + [date(2026, 1, 1), date(2026, 1, 2)]
    ),
    workdays=frozenset([date(2026, 9, 20), date(2026, 10, 10), date(2026, 1, 4)]),
    tz=SH,
)


def at(y, m, d, hh=0, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=SH)


def test_within_one_morning():
    # given Monday 2026-11-23 09:30 / when 60 business minutes are added
    due = add_business_minutes(CAL, at(2026, 11, 23, 9, 30), 60)
    # then
    assert due == at(2026, 11, 23, 10, 30)


def test_lunch_break_is_skipped():
    due = add_business_minutes(CAL, at(2026, 11, 23, 11, 30), 60)
    assert due == at(2026, 11, 23, 13, 30)


def test_friday_afternoon_to_monday_over_the_weekend():
    # given Friday 2026-11-27 17:00: 30 minutes left that day
    due = add_business_minutes(CAL, at(2026, 11, 27, 17, 0), 120)
    # then the other 90 minutes run on Monday 11-30 from 09:00
    assert due == at(2026, 11, 30, 10, 30)


def test_start_outside_hours_counts_from_the_next_opening():
    assert add_business_minutes(CAL, at(2026, 11, 23, 20, 0), 60) == at(2026, 11, 24, 10, 0)
    assert add_business_minutes(CAL, at(2026, 11, 23, 6, 0), 60) == at(2026, 11, 23, 10, 0)
    assert add_business_minutes(CAL, at(2026, 11, 23, 12, 15), 15) == at(2026, 11, 23, 13, 15)
    # a Sunday start
    assert add_business_minutes(CAL, at(2026, 11, 22, 10, 0), 0) == at(2026, 11, 23, 9, 0)


def test_utc_start_is_read_in_the_bank_zone():
    # given Sunday 23:00 UTC = Monday 07:00 in Shanghai
    start = datetime(2026, 11, 22, 23, 0, tzinfo=ZoneInfo("UTC"))
    # then the clock starts at Monday 09:00 local
    assert add_business_minutes(CAL, start, 30) == at(2026, 11, 23, 9, 30)


def test_national_day_holiday_and_the_adjusted_saturday():
    # given Wednesday 2026-09-30 16:30 (1 h left), then 10-01..10-07 holidays, 10-08 Thursday
    due = add_business_minutes(CAL, at(2026, 9, 30, 16, 30), 60 + 7.5 * 60 * 2 + 30)
    # then: 10-08 (Thu) and 10-09 (Fri) full days, then Saturday 10-10 is an adjusted working
    # day with Monday's hours: 30 minutes into it
    assert due == at(2026, 10, 10, 9, 30)


def test_adjusted_sunday_before_national_day_counts():
    # given Saturday 2026-09-19 (closed) / Sunday 09-20 (调休: a working day)
    assert add_business_minutes(CAL, at(2026, 9, 19, 10, 0), 60) == at(2026, 9, 20, 10, 0)
    assert business_minutes_between(CAL, at(2026, 9, 19, 0, 0), at(2026, 9, 21, 0, 0)) == 450


def test_spanning_months_and_the_new_year_holiday():
    # given Thursday 2026-12-31 17:00: 30 minutes left in the year
    start = at(2025, 12, 31, 17, 0)
    cal = WorkCalendar(
        hours=WEEK,
        holidays=frozenset([date(2026, 1, 1), date(2026, 1, 2)]),
        workdays=frozenset([date(2026, 1, 4)]),
        tz=SH,
    )
    # when 60 minutes are added: 2026-01-01/02 holidays, 01-03 Saturday, 01-04 Sunday 调休
    due = add_business_minutes(cal, start, 60)
    # then
    assert due == at(2026, 1, 4, 9, 30)
    assert business_minutes_between(cal, start, due) == 60


def test_minutes_between_over_a_whole_week_with_a_holiday():
    # given Monday 2026-09-28 00:00 → Monday 2026-10-05 00:00: Mon, Tue, Wed work; Thu, Fri
    # holidays; weekend closed
    assert business_minutes_between(CAL, at(2026, 9, 28), at(2026, 10, 5)) == 3 * 450


def test_between_is_zero_when_end_is_not_after_start():
    assert business_minutes_between(CAL, at(2026, 11, 23, 10), at(2026, 11, 23, 10)) == 0
    assert business_minutes_between(CAL, at(2026, 11, 23, 11), at(2026, 11, 23, 10)) == 0


def test_add_and_between_agree():
    start = at(2026, 11, 20, 16, 47)
    for minutes in (1, 29, 30, 31, 450, 451, 2000, 10000):
        due = add_business_minutes(CAL, start, minutes)
        assert business_minutes_between(CAL, start, due) == pytest.approx(minutes)


def test_naive_datetimes_and_empty_calendars_are_refused():
    with pytest.raises(ValueError):
        add_business_minutes(CAL, datetime(2026, 11, 23, 9), 10)  # noqa: DTZ001
    with pytest.raises(CalendarError):
        add_business_minutes(WorkCalendar(hours={}, tz=SH), at(2026, 11, 23, 9), 10)


def test_clock_states():
    start, due = at(2026, 11, 23, 9, 0), at(2026, 11, 23, 17, 30)  # 450 business minutes
    on_track = clock(CAL, start=start, due=due, done_at=None, now=at(2026, 11, 23, 10, 0))
    assert on_track.state == "on_track"
    assert on_track.minutes_left == 390
    at_risk = clock(CAL, start=start, due=due, done_at=None, now=at(2026, 11, 23, 16, 30))
    assert at_risk.state == "at_risk"
    assert at_risk.minutes_left == 60
    late = clock(CAL, start=start, due=due, done_at=None, now=at(2026, 11, 24, 10, 0))
    assert late.state == "breached"
    assert late.minutes_left == -60
    met = clock(CAL, start=start, due=due, done_at=at(2026, 11, 23, 12, 0), now=at(2026, 12, 1))
    assert met.state == "met"
    # a Saturday after a Friday due: late although no business minute has passed
    friday_due = at(2026, 11, 27, 17, 30)
    weekend = clock(
        CAL, start=at(2026, 11, 27, 9), due=friday_due, done_at=None, now=at(2026, 11, 28, 10)
    )
    assert weekend.state == "breached"
    assert weekend.minutes_left == 0
