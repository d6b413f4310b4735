"""bankcrm refresh_reports — the 7P reports' figures for the whole bank and every branch."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from tqdm import tqdm

from bankcrm.analytics.report_forms import default_period
from bankcrm.analytics.report_store import refresh_reports


class Command(BaseCommand):
    help = (
        "Compute the default period (the last twelve months) of every report for the whole "
        "bank and for every branch's subtree, so the report pages open without querying the "
        "lake. Run it nightly after the day's extracts and refresh_values."
    )

    def add_arguments(self, parser):
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        bar = None

        def progress(done: int, total: int, what: str) -> None:
            nonlocal bar
            if options["no_progress"]:
                return
            if bar is None:
                bar = tqdm(total=total, desc=_("report figures"), unit=_("report"))
            bar.set_postfix_str(what, refresh=False)
            bar.update(done - bar.n)

        period = default_period()
        try:
            written = refresh_reports(period=period, progress=progress)
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            _("%(count)s report figures written for %(start)s – %(end)s.")
            % {"count": written, "start": period.start, "end": period.end}
        )
