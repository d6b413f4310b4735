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
