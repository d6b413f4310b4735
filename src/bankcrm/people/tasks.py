"""Background work of the people app, run by `bankcrm db_worker` (django-tasks)."""

from datetime import date

from django_tasks import task


@task()
def aum_snapshot_refresh(kind: str, start: str) -> dict:
    """Recompute every RM's AUM at both ends of one period from the warehouse."""
    from bankcrm.people.periods import period_containing
    from bankcrm.people.services import aum_snapshot_refresh as refresh

    snapshot = refresh(period=period_containing(kind, date.fromisoformat(start)))
    return {"rows": snapshot.rows.count(), "closing_day": str(snapshot.closing_day)}
