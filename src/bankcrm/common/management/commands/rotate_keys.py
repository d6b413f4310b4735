from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from bankcrm.common.protection import protected_fields
from bankcrm.common.rotation import (
    RotationError,
    blind_indexes_rotate,
    field_keys_rotate,
    rows_to_visit,
)


class Command(BaseCommand):
    help = (
        "Re-encrypt every protected field under the newest key of BANKCRM_FIELD_KEYS, or with "
        "--index recompute every blind index under BANKCRM_INDEX_KEY. Reads keep working while "
        "it runs; stopped half-way, run it again: it resumes. See docs/security.md."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--index",
            action="store_true",
            help="recompute the blind indexes (*_bidx) under the current index key instead",
        )
        parser.add_argument("--batch-size", type=int, default=1000, help="rows per transaction")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args, index: bool, batch_size: int, no_progress: bool, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        if index and not settings.BLIND_INDEX_KEY_PREVIOUS:
            self.stderr.write(
                "BANKCRM_INDEX_KEY_PREVIOUS is not set: rows not yet re-indexed cannot be found "
                "by exact search until this run ends."
            )
        fields = [f for f in protected_fields() if f.index or not index]
        names = ", ".join(f.index if index else f.label for f in fields)
        self.stdout.write(f"{'Re-indexing' if index else 'Re-encrypting'}: {names}")
        bar = tqdm(
            total=rows_to_visit(index=index),
            unit="rows",
            file=self.stderr,
            disable=True if no_progress else None,
        )
        try:
            run = blind_indexes_rotate if index else field_keys_rotate
            report = run(batch_size=batch_size, progress=bar.update)
        except RotationError as exc:
            raise CommandError(str(exc)) from exc
        finally:
            bar.close()
        for label, count in report.rewritten.items():
            self.stdout.write(f"{label}: {count} rewritten, {report.unchanged[label]} unchanged")
        self.stdout.write(f"done: {report.total_rewritten} rows rewritten")
