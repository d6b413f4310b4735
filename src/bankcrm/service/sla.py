"""The SLA clock: business time across weekends, public holidays and adjusted working days (调休).

Pure functions over a `WorkCalendar` (no database here; `selectors.work_calendar()` builds one
from the admin-kept tables). Times are aware datetimes; the calendar works in its own zone
(the bank's, Asia/Shanghai), so a case opened at 23:00 UTC on a Sunday is Monday 07:00 local.

- A day's working intervals come from the weekly pattern (`hours[weekday]`), except a holiday
  (none) and an adjusted working day (the pattern of the first weekday that has hours, i.e.
  a normal Monday).
- `add_business_minutes(start, m)`: the moment m business minutes after `start`; a start outside
  hours counts from the next opening.
- `business_minutes_between(start, end)`: the business minutes in [start, end).
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# A calendar without a single working day in this many days is broken, not slow.
MAX_DAYS = 3 * 366

Interval = tuple[time, time]


class CalendarError(ValueError):
    """The working-time calendar has no working time to count with."""


@dataclass(frozen=True)
class WorkCalendar:
    hours: dict[int, tuple[Interval, ...]]  # weekday (0 = Monday) → working intervals
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # adjusted working days
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo("Asia/Shanghai"))

    def intervals(self, day: date) -> tuple[Interval, ...]:
        if day in self.holidays:
            return ()
        if day in self.workdays:
            for weekday in range(7):
                if self.hours.get(weekday):
                    return self.hours[weekday]
            return ()
        return self.hours.get(day.weekday(), ())

    def _spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """Working spans (local aware datetimes) from the day of `start` onwards, clipped to
        begin no earlier than `start`."""
        if not any(self.hours.values()):
            raise CalendarError("The calendar has no working hours.")
        local = start.astimezone(self.tz)
        day = local.date()
        idle = 0
        while idle <= MAX_DAYS:
            found = False
            for begin, end in self.intervals(day):
                a = datetime.combine(day, begin, self.tz)
                b = datetime.combine(day, end, self.tz)
                if b <= local:
                    continue
                found = True
                yield max(a, local), b
            idle = 0 if found else idle + 1
            day += timedelta(days=1)
        raise CalendarError("No working time in the calendar for years ahead.")


def add_business_minutes(calendar: WorkCalendar, start: datetime, minutes: float) -> datetime:
    """The moment `minutes` of business time after `start` (start itself if minutes is 0 and
    start is inside hours; the next opening if start is outside hours)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    left = timedelta(minutes=minutes)
    for a, b in calendar._spans(start):
        if b - a >= left:
            return a + left
        left -= b - a
    raise CalendarError("unreachable")  # pragma: no cover - _spans raises first


def business_minutes_between(calendar: WorkCalendar, start: datetime, end: datetime) -> float:
    """Business minutes in [start, end); 0 when end is not after start."""
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be timezone-aware")
    if end <= start:
        return 0.0
    total = timedelta()
    for a, b in calendar._spans(start):
        if a >= end:
            break
        total += min(b, end) - a
    return total.total_seconds() / 60


AT_RISK = 0.8  # share of the business time after which a target is at risk


@dataclass(frozen=True)
class Clock:
    """One SLA target as it stands at `now` (or as it ended, when done)."""

    due: datetime
    done_at: datetime | None
    late: bool  # done after the due time, or not done and the due time has passed
    used: float  # share of the target's business time used (above 1 when late)
    minutes_left: float  # business minutes left (negative: business minutes late)

    @property
    def state(self) -> str:
        if self.done_at is not None:
            return "breached" if self.late else "met"
        if self.late:
            return "breached"
        return "at_risk" if self.used >= AT_RISK else "on_track"


def clock(
    calendar: WorkCalendar,
    *,
    start: datetime,
    due: datetime,
    done_at: datetime | None,
    now: datetime,
) -> Clock:
    target = business_minutes_between(calendar, start, due) or 1.0
    until = done_at or now
    late = until > due
    if late:
        left = -business_minutes_between(calendar, due, until)
    else:
        left = business_minutes_between(calendar, until, due)
    used = business_minutes_between(calendar, start, until) / target
    return Clock(due=due, done_at=done_at, late=late, used=used, minutes_left=left)
