"""Background work of the warehouse itself, run by `bankcrm db_worker` (django-tasks)."""

from datetime import timedelta

from django_tasks import task

from bankcrm.analytics import compaction


@task()
def compact_lake(
    table: str = "transactions",
    target_rows: int = compaction.DEFAULT_TARGET_ROWS,
    full: bool = False,
    grace_seconds: float = compaction.DEFAULT_GRACE.total_seconds(),
) -> dict:
    """Compact one warehouse table (analytics.compaction.lake_compact); safe to repeat."""
    result = compaction.lake_compact(
        table=table,
        target_rows=target_rows,
        full=full,
        grace=timedelta(seconds=grace_seconds),
    )
    return result.as_dict()


@task()
def values_refresh(resume: str = "") -> dict:
    """Refresh the standard segmentations and values (analytics.services.values_refresh);
    a run left unfinished by a stopped worker is resumed by enqueueing it again."""
    from bankcrm.analytics.services import values_refresh as refresh

    run = refresh(resume=resume or None)
    return {"run_id": run.run_id, "customers": run.customers}
