"""Background work of the outbox, run by `bankcrm db_worker` (django-tasks, database backend).

`message_deliver` makes one attempt at one message (queued on commit by message_enqueue, and
again, delayed, after each failed attempt). `outbox_sweep` renews itself:
`bankcrm dispatch_outbox --schedule` starts a chain (a new chain supersedes an older one).
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bankcrm.messaging.models import DispatchSchedule

SWEEP = "outbox_sweep"


@task()
def message_deliver(message_id: int) -> str:
    """One attempt at one message; does nothing if it is not due or someone else has it."""
    from bankcrm.messaging.services import message_attempt

    return message_attempt(message_id=message_id)


@task()
def outbox_sweep(chain: str) -> dict:
    """Requeue stale leases and deliver what is due; then schedule the next run of this chain."""
    from bankcrm.messaging.services import outbox_dispatch

    current = DispatchSchedule.objects.filter(name=SWEEP).first()
    if current is None or str(current.chain) != chain:
        return {"superseded": True}
    result = outbox_dispatch()
    next_at = timezone.now() + timedelta(seconds=current.interval_seconds)
    with transaction.atomic():
        updated = DispatchSchedule.objects.filter(name=SWEEP, chain=chain).update(
            last_run_at=timezone.now(), next_run_at=next_at
        )
        if updated:
            transaction.on_commit(lambda: outbox_sweep.using(run_after=next_at).enqueue(chain))
    return result


def sweep_schedule(*, interval_seconds: int | None = None) -> DispatchSchedule:
    """Start (or restart) the periodic sweep; the previous chain stops at its next run."""
    interval = interval_seconds or settings.MESSAGING_SWEEP_SECONDS
    chain = uuid.uuid4()
    with transaction.atomic():
        schedule, _ = DispatchSchedule.objects.update_or_create(
            name=SWEEP,
            defaults={"chain": chain, "interval_seconds": interval, "next_run_at": timezone.now()},
        )
        transaction.on_commit(lambda: outbox_sweep.enqueue(str(chain)))
    return schedule
