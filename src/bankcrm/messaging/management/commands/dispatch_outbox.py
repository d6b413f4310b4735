"""Deliver what is due in the outbox now, or start the periodic sweep in the worker.

bankcrm dispatch_outbox              # requeue stale leases, attempt every due message
bankcrm dispatch_outbox --schedule   # the worker sweeps every MESSAGING_SWEEP_SECONDS
"""

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Deliver due messages of the outbox (or schedule the periodic sweep)."

    def add_arguments(self, parser):
        parser.add_argument("--schedule", action="store_true", help="start the periodic sweep")
        parser.add_argument("--interval", type=int, default=None, help="sweep interval, seconds")
        parser.add_argument("--limit", type=int, default=500, help="messages per run")

    def handle(self, *args, schedule=False, interval=None, limit=500, **options):
        if schedule:
            from bankcrm.messaging.tasks import sweep_schedule

            done = sweep_schedule(interval_seconds=interval)
            self.stdout.write(f"outbox sweep scheduled every {done.interval_seconds} s")
            return
        from bankcrm.messaging.services import outbox_dispatch

        result = outbox_dispatch(limit=limit)
        self.stdout.write(
            "requeued {requeued}, sent {sent}, retry later {retry}, failed {failed}".format(
                **result
            )
        )
