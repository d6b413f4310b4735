"""Writes of the analytics package that staff start: refreshing the standard segmentations."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date

from django.conf import settings
from django.utils import timezone

from bankcrm.analytics import valuation
from bankcrm.analytics.models import LakeFile, ValueRun
from bankcrm.audit.services import audit_record

KEEP_RUNS = 3  # runs of customer_values kept readable (the current one and two before it)


def values_refresh(
    *,
    actor=None,
    as_of: date | None = None,
    resume: str | None = None,
    part_rows: int | None = None,
    progress: Callable[[ValueRun], object] | None = None,
) -> ValueRun:
    """Compute every customer's standard segmentations and values as a new versioned run.

    Resumable: `resume` names an unfinished run (killed or failed); parts already written are
    kept and the run continues where it stopped. `progress` is called after each step with the
    run (its `parts_done` / `parts_total` / `percent`), which the UI also polls.
    """
    from bankcrm.analytics.queries import local_today

    if resume:
        run = ValueRun.objects.get(run_id=resume)
        if run.status == ValueRun.Status.DONE:
            return run
        run.status, run.error = ValueRun.Status.RUNNING, ""
        run.save(update_fields=["status", "error"])
    else:
        stamp = timezone.now().strftime("%Y%m%d%H%M%S")
        run = ValueRun.objects.create(
            run_id=f"{stamp}-{uuid.uuid4().hex[:8]}", as_of=as_of or local_today()
        )
        run.ranges = valuation.customer_id_ranges(part_rows or settings.VALUE_PART_ROWS)
        run.parts_total = len(run.ranges)
        run.save(update_fields=["ranges", "parts_total"])

    def step(done: int, _total: int) -> None:
        ValueRun.objects.filter(pk=run.pk).update(parts_done=done)
        run.parts_done = done
        if progress is not None:
            progress(run)

    try:
        parts = valuation.compute_parts(
            run_id=run.run_id,
            as_of=run.as_of,
            ranges=[tuple(r) for r in run.ranges],
            progress=step,
        )
        committed = valuation.publish(run_id=run.run_id, as_of=run.as_of, parts=parts)
    except Exception as error:
        run.status, run.error = ValueRun.Status.FAILED, type(error).__name__
        run.save(update_fields=["status", "error"])
        audit_record(
            actor=actor,
            action="analytics.values_refresh",
            object_type="value_run",
            object_id=run.run_id,
            changes={"completed": False, "error": run.error},
        )
        raise
    run.status = ValueRun.Status.DONE
    run.customers = committed.rows if committed else 0
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "customers", "finished_at"])
    _retire_old_runs()
    audit_record(
        actor=actor,
        action="analytics.values_refresh",
        object_type="value_run",
        object_id=run.run_id,
        changes={"completed": True, "customers": run.customers, "as_of": str(run.as_of)},
    )
    if progress is not None:
        progress(run)
    return run


def _retire_old_runs() -> None:
    """Older runs than the last KEEP_RUNS leave the catalogue (vacuum deletes their files)."""
    keep = list(
        ValueRun.objects.filter(status=ValueRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .values_list("run_id", flat=True)[:KEEP_RUNS]
    )
    LakeFile.objects.filter(table="customer_values", retired_at__isnull=True).exclude(
        run__in=keep
    ).update(retired_at=timezone.now())
