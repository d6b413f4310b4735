from collections.abc import Iterator

from django.core.management.base import BaseCommand, CommandError

from bankcrm.audit.chain import verify
from bankcrm.audit.selectors import chain_head, chain_rows


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain; exit non-zero naming the first bad entry."

    def add_arguments(self, parser):
        parser.add_argument(
            "--anchor",
            help="SEQ:HASH printed earlier by audit_anchor and kept off-site; the chain must "
            "still hold exactly that entry",
        )
        parser.add_argument(
            "--record",
            action="store_true",
            help="also append the result to the trail as an audit.verify event (the "
            "auditor's page shows the last one); use it in the scheduled run",
        )

    def handle(self, *args, anchor: str | None = None, record: bool = False, **options):
        if record:
            from bankcrm.audit.services import audit_chain_verify

            check = audit_chain_verify(source="cli")
            if not check.intact:
                raise CommandError(
                    f"audit chain broken at entry {check.first_bad_seq}: {check.message}"
                )
            if anchor is None:
                self.stdout.write(f"audit chain intact: {check.entries} entries (recorded)")
                return
        rows: Iterator[dict] = chain_rows()
        seen = {"anchor": anchor is None}
        if anchor:
            seq_text, _, digest = anchor.partition(":")
            rows = self._check_anchor(rows, int(seq_text), digest, seen)
        problem = verify(rows, chain_head())
        if problem is not None:
            where = f"entry {problem.seq}"
            if problem.event_id:
                where += f" (id {problem.event_id})"
            raise CommandError(f"audit chain broken at {where}: {problem.message}")
        if not seen["anchor"]:
            raise CommandError(f"audit chain broken: the anchor entry {anchor} is not in it")
        seq, digest = chain_head() or (0, "")
        self.stdout.write(f"audit chain intact: {seq} entries, head {digest}")

    @staticmethod
    def _check_anchor(rows: Iterator[dict], seq: int, digest: str, seen: dict):
        for row in rows:
            if row["seq"] == seq:
                seen["anchor"] = True
                if row["hash"] != digest:
                    raise CommandError(
                        f"audit chain broken at entry {seq}: its hash differs from the anchor "
                        "kept off-site"
                    )
            yield row
