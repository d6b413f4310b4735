"""bankcrm refresh_values — the standard segmentations and values of every customer."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from bankcrm.analytics.models import ValueRun
from bankcrm.analytics.services import values_refresh


class Command(BaseCommand):
    help = (
        "Compute every customer's age group, wealth tier, RFM scores and cell, contribution "
        "and tier, and lifetime value as a new versioned run; resumable."
    )

    def add_arguments(self, parser):
        parser.add_argument("--as-of", type=date.fromisoformat, help="the day (default: today)")
        parser.add_argument(
            "--resume",
            metavar="RUN",
            help="continue an unfinished run (see --list); parts already computed are kept",
        )
        parser.add_argument("--part-rows", type=int, help="customers per part (progress unit)")
        parser.add_argument("--list", action="store_true", help="list recent runs and exit")
        parser.add_argument(
            "--enqueue", action="store_true", help="run in the background worker instead"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        if options["list"]:
            for run in ValueRun.objects.all()[:20]:
                self.stdout.write(
                    f"{run.run_id}  {run.as_of}  {run.status:8}  "
                    f"{run.parts_done}/{run.parts_total}  {run.customers}"
                )
            return
        if options["part_rows"] is not None and options["part_rows"] < 1:
            raise CommandError(_("The number of customers per part must be positive."))
        if options["enqueue"]:
            from bankcrm.analytics.tasks import values_refresh as task

            task.enqueue(options["resume"] or "")
            self.stdout.write(_("Refresh queued for the background worker."))
            return
        bar = None

        def progress(run: ValueRun) -> None:
            nonlocal bar
            if options["no_progress"]:
                return
            if bar is None:
                bar = tqdm(total=run.parts_total + 1, desc=_("customer values"), unit=_("part"))
            bar.n = run.parts_done + (1 if run.status == ValueRun.Status.DONE else 0)
            bar.refresh()

        try:
            run = values_refresh(
                as_of=options["as_of"],
                resume=options["resume"],
                part_rows=options["part_rows"],
                progress=progress,
            )
        except ValueRun.DoesNotExist:
            raise CommandError(_("No refresh run %(run)s.") % {"run": options["resume"]}) from None
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            _("Run %(run)s: %(customers)s customers as of %(day)s.")
            % {"run": run.run_id, "customers": f"{run.customers:,}", "day": run.as_of}
        )
