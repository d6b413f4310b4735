"""Background work of the service app, run by `bankcrm db_worker` (django-tasks).

`sla_check_scheduled` renews itself: `bankcrm check_slas --schedule` starts a chain (a new chain
id supersedes any older chain, so starting it twice does not run it twice).
"""

import uuid
from dataclasses import asdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bankcrm.service.models import CheckSchedule

SCHEDULE = "sla_check"
DEFAULT_INTERVAL = 300  # seconds


@task()
def sla_check_scheduled(chain: str) -> dict:
    """Run the SLA check; then schedule the next run of this chain."""
    from bankcrm.service.services import cases_check_slas

    current = CheckSchedule.objects.filter(name=SCHEDULE).first()
    if current is None or str(current.chain) != chain:
        return {"superseded": True}
    result = cases_check_slas()
    next_at = timezone.now() + timedelta(seconds=current.interval_seconds)
    with transaction.atomic():
        updated = CheckSchedule.objects.filter(name=SCHEDULE, chain=chain).update(
            last_run_at=timezone.now(), next_run_at=next_at
        )
        if updated:
            transaction.on_commit(
                lambda: sla_check_scheduled.using(run_after=next_at).enqueue(chain)
            )
    return asdict(result)


def sla_check_schedule(*, interval_seconds: int = DEFAULT_INTERVAL) -> CheckSchedule:
    """Start (or restart) the periodic SLA check; the previous chain stops at its next run."""
    if interval_seconds < 30:
        raise ValueError("The SLA check runs at most every 30 seconds.")
    chain = uuid.uuid4()
    with transaction.atomic():
        schedule, _ = CheckSchedule.objects.update_or_create(
            name=SCHEDULE,
            defaults={
                "chain": chain,
                "interval_seconds": interval_seconds,
                "next_run_at": timezone.now(),
            },
        )
        transaction.on_commit(lambda: sla_check_scheduled.enqueue(str(chain)))
    return schedule
