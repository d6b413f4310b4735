"""`bankcrm refresh_performance [--period KEY ...]`: recompute the AUM snapshots of the
performance pages from the warehouse (nightly, after the day's balances are loaded)."""

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from bankcrm.people.models import PeriodKind
from bankcrm.people.periods import parse_period, period_containing, today
from bankcrm.people.services import aum_snapshot_refresh


class Command(BaseCommand):
    help = "Recompute every RM's AUM at both ends of the current periods (or those given)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--period",
            action="append",
            default=[],
            help="2026-05, 2026-Q2 or 2026 (repeatable); default: this month, the last month, "
            "this quarter and this year",
        )

    def handle(self, *args, **options) -> None:
        now = today()
        if options["period"]:
            periods = [parse_period(key) for key in options["period"]]
        else:
            month = period_containing(PeriodKind.MONTH, now)
            periods = [
                month,
                month.previous(),
                period_containing(PeriodKind.QUARTER, now),
                period_containing(PeriodKind.YEAR, now),
            ]
        for period in periods:
            snapshot = aum_snapshot_refresh(period=period)
            if snapshot.closing_day is None:
                line = _("%(period)s: the warehouse has no balances for this period.")
            else:
                line = _("%(period)s: AUM of %(n)s RMs, %(start)s to %(end)s.")
            self.stdout.write(
                line
                % {
                    "period": period.key,
                    "n": snapshot.rows.count(),
                    "start": snapshot.opening_day,
                    "end": snapshot.closing_day,
                }
            )
