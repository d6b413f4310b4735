"""`bankcrm seed_demo --customers N [--seed S]`: build or extend the demo bank."""

import importlib

from django.core.management.base import BaseCommand, CommandParser
from django.utils.translation import gettext as _

from bankcrm.demo.load import seed

# In this order: the service cases use the knowledge base's categories, their closure sends
# surveys through the outbox; people's targets read sales and service figures.
OPERATIONAL_DEMOS = ("knowledge", "service", "messaging", "surveys", "sales", "people")


class Command(BaseCommand):
    help = "Build a realistic demo bank: branches, staff, customers, holdings, activity."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--customers", type=int, default=20_000)
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument(
            "--workers", type=int, default=None, help="generator processes (default: CPUs)"
        )
        parser.add_argument("--no-progress", action="store_true")
        parser.add_argument("--no-analyze", action="store_true")
        parser.add_argument("--no-transactions", action="store_true", help="no warehouse history")

    def handle(self, *args, **options) -> None:
        if options["customers"] < 0:
            self.stderr.write(_("The number of customers cannot be negative."))
            raise SystemExit(2)
        result = seed(
            customers=options["customers"],
            seed=options["seed"],
            workers=options["workers"],
            progress=not options["no_progress"],
            analyze=not options["no_analyze"],
        )
        self.stdout.write(
            _(
                "Demo bank: %(requested)s customers wanted, %(created)s created "
                "(%(rows)s rows) in %(seconds).1f s (%(insert).1f s writing)."
            )
            % {
                "requested": f"{result.requested:,}",
                "created": f"{result.created:,}",
                "rows": f"{result.rows:,}",
                "seconds": result.seconds,
                "insert": result.insert_seconds,
            }
        )
        if not options["no_transactions"]:
            # Transaction histories as core-banking extracts, loaded by `bankcrm ingest`.
            from bankcrm.demo.transactions import seed_transactions

            history = seed_transactions(seed=options["seed"], progress=not options["no_progress"])
            self.stdout.write(
                f"Transactions: {history.rows:,} for {history.customers:,} customers "
                f"in {len(history.files)} extract files, {history.seconds:.1f} s."
            )
        # The operational CRM's work, through each app's services (each skips if already there).
        for app in OPERATIONAL_DEMOS:
            module = importlib.import_module(f"bankcrm.{app}.demo")
            self.stdout.write(module.seed_demo(seed=options["seed"]))
