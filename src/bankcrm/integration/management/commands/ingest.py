"""bankcrm ingest transactions|balances PATH... — load core-banking extracts."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bankcrm.analytics.ingest import IngestError, total_rows
from bankcrm.analytics.mapping import MappingError
from bankcrm.analytics.mapping import load as load_mapping
from bankcrm.integration.services import extracts_ingest


class Command(BaseCommand):
    help = (
        "Load core-banking extracts (CSV or Parquet; files, globs or folders) into the warehouse. "
        "Bad rows go to a rejects file; rows already loaded are skipped."
    )
    # The system checks import every URLconf and view (about 4 s here): a data load needs
    # none of them, and a nightly run of many files would pay them each time.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("feed", choices=["transactions", "balances"])
        parser.add_argument("paths", nargs="+", help="files, globs or folders")
        parser.add_argument("--mapping", help="column-mapping file (YAML or JSON)")
        parser.add_argument("--rejects", type=Path, help="where to write rejected rows (CSV)")
        parser.add_argument(
            "--chunk-rows", type=int, default=None, help="rows per chunk (default 1,000,000)"
        )
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, **options):
        feed = options["feed"]
        bar = None

        def on_start(files):
            nonlocal bar
            rules = load_mapping(feed, options["mapping"])
            totals = [total_rows(f, rules) for f in files]
            total = sum(totals) if all(t is not None for t in totals) else None
            bar = tqdm(
                total=total,
                unit=" rows",
                unit_scale=True,
                smoothing=0.1,
                disable=options["no_progress"],
                file=self.stderr._out,
                desc=feed,
            )

        try:
            summary = extracts_ingest(
                feed=feed,
                paths=options["paths"],
                mapping_path=options["mapping"],
                chunk_rows=options["chunk_rows"],
                rejects_path=options["rejects"],
                progress=lambda n: bar.update(n) if bar is not None else None,
                on_start=on_start,
            )
        except (IngestError, MappingError) as exc:
            raise CommandError(str(exc)) from exc
        finally:
            if bar is not None:
                bar.close()
        self.stdout.write(
            f"{feed}: {summary.rows_read:,} rows read in {summary.seconds:.1f} s "
            f"({summary.rows_per_second:,.0f} rows/s)\n"
            f"  loaded:   {summary.loaded:,}\n"
            f"  rejected: {summary.rejected:,}\n"
            f"  skipped (already present): {summary.skipped:,}"
        )
        if summary.rejects_path:
            self.stdout.write(f"  rejects file: {summary.rejects_path}")
