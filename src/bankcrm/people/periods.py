"""Target periods: a calendar month, quarter or year of the bank's local calendar."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.people.models import PeriodKind


@dataclass(frozen=True)
class Period:
    kind: str
    start: date
    end: date  # inclusive

    @property
    def key(self) -> str:
        """The period as a URL/form value: 2026-05, 2026-Q2, 2026."""
        if self.kind == PeriodKind.MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == PeriodKind.QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}"

    @property
    def label(self) -> str:
        if self.kind == PeriodKind.MONTH:
            return _("%(year)s-%(month)02d") % {"year": self.start.year, "month": self.start.month}
        if self.kind == PeriodKind.QUARTER:
            return _("%(year)s Q%(quarter)s") % {
                "year": self.start.year,
                "quarter": (self.start.month - 1) // 3 + 1,
            }
        return _("%(year)s") % {"year": self.start.year}

    def previous(self) -> "Period":
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> "Period":
        return period_containing(self.kind, self.end + timedelta(days=1))

    def measured_until(self, today: date) -> date:
        """The last day with figures: the period's end, or today while it runs."""
        return min(self.end, today)

    def elapsed_share(self, today: date) -> float:
        """How much of the period has passed (for the 'on track' line of progress bars)."""
        if today >= self.end:
            return 1.0
        if today < self.start:
            return 0.0
        return ((today - self.start).days + 1) / ((self.end - self.start).days + 1)


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)


def period_containing(kind: str, day: date) -> Period:
    if kind == PeriodKind.MONTH:
        start = day.replace(day=1)
        return Period(kind, start, _month_end(start))
    if kind == PeriodKind.QUARTER:
        start = day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
        return Period(kind, start, _month_end(start.replace(month=start.month + 2)))
    if kind == PeriodKind.YEAR:
        return Period(kind, day.replace(month=1, day=1), day.replace(month=12, day=31))
    raise ValueError(kind)


def parse_period(value: str | None, *, default_kind: str = PeriodKind.MONTH) -> Period:
    """A period from its key (2026-05, 2026-Q2, 2026); the current month when blank or bad."""
    value = (value or "").strip()
    try:
        if len(value) == 7 and value[4] == "-" and value[5:].isdigit():
            return period_containing(PeriodKind.MONTH, date(int(value[:4]), int(value[5:]), 1))
        if len(value) == 7 and value[4:6] == "-Q" and value[6] in "1234":
            month = (int(value[6]) - 1) * 3 + 1
            return period_containing(PeriodKind.QUARTER, date(int(value[:4]), month, 1))
        if len(value) == 4 and value.isdigit():
            return period_containing(PeriodKind.YEAR, date(int(value), 1, 1))
    except ValueError:
        pass
    return period_containing(default_kind, today())


def today() -> date:
    return timezone.localdate()
