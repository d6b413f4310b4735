"""Background work of sales, run by `bankcrm db_worker` (django-tasks, database backend).

`pool_return_scheduled` renews itself once a day (or at the interval given): `bankcrm
return_to_pool --schedule` starts a chain; a newer chain supersedes an older one.
"""

import uuid
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bankcrm.sales.models import PoolSchedule


@task()
def pool_return_scheduled(chain: str) -> dict:
    """Return idle leads and customers to the pool; then schedule the next run of this chain."""
    from bankcrm.sales.services import pool_return

    current = PoolSchedule.objects.order_by("-pk").first()
    if current is None or str(current.chain) != chain:
        return {"superseded": True}
    done = pool_return()
    result = {"leads": len(done.leads), "customers": len(done.customers)}
    next_at = timezone.now() + timedelta(seconds=current.interval_seconds)
    with transaction.atomic():
        updated = PoolSchedule.objects.filter(pk=current.pk, chain=chain).update(
            last_run_at=timezone.now(), next_run_at=next_at, last_result=result
        )
        if updated:
            transaction.on_commit(
                lambda: pool_return_scheduled.using(run_after=next_at).enqueue(chain)
            )
    return result


def pool_schedule_start(*, interval_seconds: int = 86400) -> PoolSchedule:
    """Start (or restart) the scheduled pool return; the previous chain stops at its next run."""
    chain = uuid.uuid4()
    with transaction.atomic():
        PoolSchedule.objects.all().delete()
        schedule = PoolSchedule.objects.create(
            chain=chain, interval_seconds=interval_seconds, next_run_at=timezone.now()
        )
        transaction.on_commit(lambda: pool_return_scheduled.enqueue(str(chain)))
    return schedule
