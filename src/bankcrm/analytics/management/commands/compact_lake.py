"""bankcrm compact_lake [--table transactions] — rewrite small lake files, clustered by customer."""

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from bankcrm.analytics import compaction, lake


class Command(BaseCommand):
    help = (
        "Compact the warehouse lake: rewrite a table's small Parquet files into large files "
        "sorted by customer, swap them in atomically, and delete retired files after a grace "
        "period. Safe to run again at any time."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--table",
            action="append",
            choices=compaction.compactable_tables(),
            help="table to compact (repeatable; default: transactions)",
        )
        parser.add_argument("--all", action="store_true", help="every table of the lake")
        parser.add_argument(
            "--target-rows",
            type=int,
            default=compaction.DEFAULT_TARGET_ROWS,
            help="rows per compacted file (default 4,000,000); smaller than half are rewritten",
        )
        parser.add_argument(
            "--full", action="store_true", help="rewrite every file, not only the small ones"
        )
        parser.add_argument(
            "--grace-minutes",
            type=float,
            default=compaction.DEFAULT_GRACE.total_seconds() / 60,
            help="keep retired files this long for readers still using them (default 60)",
        )
        parser.add_argument(
            "--enqueue", action="store_true", help="run in the background worker instead"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        names = (
            compaction.compactable_tables()
            if options["all"]
            else (options["table"] or ["transactions"])
        )
        if options["target_rows"] < 1:
            raise CommandError(_("The target number of rows must be positive."))
        grace = timedelta(minutes=options["grace_minutes"])
        if options["enqueue"]:
            from bankcrm.analytics.tasks import compact_lake

            for name in names:
                compact_lake.enqueue(
                    table=name,
                    target_rows=options["target_rows"],
                    full=options["full"],
                    grace_seconds=grace.total_seconds(),
                )
                self.stdout.write(_("%(table)s: compaction queued.") % {"table": name})
            return
        for name in names:
            result = self._compact(name, options, grace)
            if result.files_in:
                self.stdout.write(
                    _(
                        "%(table)s: %(files_in)s files (%(rows)s rows) compacted into "
                        "%(files_out)s in %(seconds).1f s; %(vacuumed)s old files deleted."
                    )
                    % {
                        "table": name,
                        "files_in": f"{result.files_in:,}",
                        "rows": f"{result.rows:,}",
                        "files_out": f"{result.files_out:,}",
                        "seconds": result.seconds,
                        "vacuumed": f"{result.vacuumed:,}",
                    }
                )
            else:
                self.stdout.write(
                    _("%(table)s: nothing to compact; %(vacuumed)s old files deleted.")
                    % {"table": name, "vacuumed": f"{result.vacuumed:,}"}
                )

    def _compact(self, name: str, options: dict, grace: timedelta) -> compaction.CompactionResult:
        bar = None

        def on_start(plan: compaction.CompactionPlan) -> None:
            nonlocal bar
            bar = tqdm(
                total=plan.rows,
                unit=" rows",
                unit_scale=True,
                disable=options["no_progress"] or not plan.rows,
                file=self.stderr._out,
                desc=f"{name}: {len(plan.files)} → {len(plan.ranges)} files",
            )

        try:
            return compaction.lake_compact(
                table=name,
                target_rows=options["target_rows"],
                full=options["full"],
                grace=grace,
                on_start=on_start,
                progress=lambda n: bar.update(n) if bar is not None else None,
            )
        except lake.StaleFiles as exc:
            raise CommandError(
                _(
                    "%(table)s: another compaction retired some of these files first; "
                    "nothing was changed. Run the command again."
                )
                % {"table": name}
            ) from exc
        finally:
            if bar is not None:
                bar.close()
