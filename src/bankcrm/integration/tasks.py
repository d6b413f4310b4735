"""Background work of the integration, run by `bankcrm db_worker` (django-tasks, database backend).

`warehouse_maintenance` renews itself: `bankcrm sync_warehouse --schedule` starts a chain (a
new chain id supersedes any older chain, so starting it twice does not run it twice).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bankcrm.analytics import hooks, lake
from bankcrm.integration.models import Schedule

MAINTENANCE = "warehouse_maintenance"


@task()
def deliver_hooks() -> dict:
    """Hand newly committed transactions to the hook's subscribers."""
    return hooks.deliver()


def maintenance_run() -> dict:
    from bankcrm.integration.services import idempotency_keys_prune, warehouse_sync

    summary = warehouse_sync()
    delivered = hooks.deliver()
    removed = lake.vacuum()
    pruned = idempotency_keys_prune()
    return {"synced": summary.rows, "delivered": delivered, "vacuumed": removed, "keys": pruned}


@task()
def warehouse_maintenance(chain: str) -> dict:
    """Sync the operational snapshots, deliver hooks, clean the lake; then schedule the next."""
    current = Schedule.objects.filter(name=MAINTENANCE).first()
    if current is None or str(current.chain) != chain:
        return {"superseded": True}
    result = maintenance_run()
    next_at = timezone.now() + timedelta(seconds=current.interval_seconds)
    with transaction.atomic():
        updated = Schedule.objects.filter(name=MAINTENANCE, chain=chain).update(
            last_run_at=timezone.now(), next_run_at=next_at
        )
        if updated:
            transaction.on_commit(
                lambda: warehouse_maintenance.using(run_after=next_at).enqueue(chain)
            )
    return result


def maintenance_schedule(*, interval_seconds: int | None = None) -> Schedule:
    """Start (or restart) the maintenance chain; the previous chain stops at its next run."""
    interval = interval_seconds or settings.WAREHOUSE_SYNC_INTERVAL
    chain = uuid.uuid4()
    with transaction.atomic():
        schedule, _ = Schedule.objects.update_or_create(
            name=MAINTENANCE,
            defaults={"chain": chain, "interval_seconds": interval, "next_run_at": timezone.now()},
        )
        transaction.on_commit(lambda: warehouse_maintenance.enqueue(str(chain)))
    return schedule
