"""bankcrm check_slas — escalate cases whose SLA is at risk or breached."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = (
        "Check every open case's SLA clocks in business time and escalate those at risk or "
        "late; --schedule starts the self-renewing check in the background worker instead."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="start (or restart) the periodic check in the background worker",
        )
        parser.add_argument(
            "--interval", type=int, default=300, help="seconds between checks (with --schedule)"
        )

    def handle(self, *args, **options):
        if options["schedule"]:
            from bankcrm.service.tasks import sla_check_schedule

            if options["interval"] < 30:
                raise CommandError(_("The interval must be at least 30 seconds."))
            schedule = sla_check_schedule(interval_seconds=options["interval"])
            self.stdout.write(
                _("Scheduled SLA check started: every %(seconds)s seconds.")
                % {"seconds": schedule.interval_seconds}
            )
            return
        from bankcrm.service.services import cases_check_slas

        result = cases_check_slas()
        self.stdout.write(
            _(
                "%(warned)s cases at risk escalated, %(response)s first responses late, "
                "%(resolution)s resolutions late."
            )
            % {
                "warned": result.warned,
                "response": result.response_breached,
                "resolution": result.resolution_breached,
            }
        )
