"""bankcrm sync_warehouse — copy changed customers, holdings and interactions to the warehouse."""

from django.core.management.base import BaseCommand

from bankcrm.integration.tasks import maintenance_run, maintenance_schedule


class Command(BaseCommand):
    help = (
        "Sync the warehouse's customer, holdings and interaction snapshots from the operational "
        "database (changed rows only) and deliver pending transaction hooks. With --schedule, "
        "start the background chain that repeats this (run `bankcrm db_worker`)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="copy every row, not only changes")
        parser.add_argument(
            "--schedule", action="store_true", help="start the recurring background task instead"
        )
        parser.add_argument("--interval", type=int, default=None, help="seconds between runs")

    def handle(self, *args, **options):
        if options["schedule"]:
            schedule = maintenance_schedule(interval_seconds=options["interval"])
            self.stdout.write(
                f"Warehouse maintenance scheduled every {schedule.interval_seconds} s "
                f"(chain {schedule.chain}); run `bankcrm db_worker` to execute it."
            )
            return
        if options["full"]:
            from bankcrm.analytics import hooks, lake
            from bankcrm.integration.services import warehouse_sync

            summary = warehouse_sync(full=True)
            result = {
                "synced": summary.rows,
                "delivered": hooks.deliver(),
                "vacuumed": lake.vacuum(),
            }
        else:
            result = maintenance_run()
        synced = ", ".join(f"{k} {v:,}" for k, v in result["synced"].items())
        delivered = ", ".join(f"{k} {v:,}" for k, v in result["delivered"].items()) or "none"
        self.stdout.write(f"synced rows: {synced}; hook rows delivered: {delivered}")
