"""bankcrm return_to_pool — leads and customers nobody followed up for N days go to the pool."""

from datetime import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Return to the shared pool every open lead and every customer without follow-up for "
        "their branch's number of days (pool settings); --schedule runs it daily in the "
        "background worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule", action="store_true", help="start the daily run in the background worker"
        )
        parser.add_argument(
            "--interval", type=int, default=86400, help="seconds between runs (with --schedule)"
        )
        parser.add_argument(
            "--now",
            help="count the days up to this moment (ISO 8601 with its UTC offset) instead of now",
        )

    def handle(self, *args, **options):
        if options["schedule"]:
            from bankcrm.sales.tasks import pool_schedule_start

            if options["interval"] < 3600:
                raise CommandError(_("The interval must be at least 3600 seconds."))
            schedule = pool_schedule_start(interval_seconds=options["interval"])
            self.stdout.write(
                _("Scheduled pool return started: every %(seconds)s seconds.")
                % {"seconds": schedule.interval_seconds}
            )
            return
        from bankcrm.sales.services import pool_return

        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(_("--now must be an ISO 8601 date and time.")) from exc
            if now.tzinfo is None:
                raise CommandError(_("--now needs its UTC offset, such as +08:00."))
        done = pool_return(now=now)
        self.stdout.write(
            _("%(leads)s leads and %(customers)s customers returned to the pool.")
            % {"leads": len(done.leads), "customers": len(done.customers)}
        )
