"""Background work of segments, run by `bankcrm db_worker` (django-tasks, database backend).

`segments_refresh_scheduled` renews itself: `bankcrm refresh_segments --schedule` starts a chain
(a new chain id supersedes any older chain, so starting it twice does not run it twice).
"""

import uuid
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from bankcrm.segments.models import RefreshSchedule, Segment, SegmentRefresh

SCHEDULE = "segments_refresh"


@task()
def segment_refresh(segment_id: int) -> dict:
    """Refresh one dynamic segment (a refresh asked for in the background)."""
    from bankcrm.segments.services import segment_refresh as refresh

    segment = Segment.objects.filter(pk=segment_id).first()
    if segment is None or segment.archived or segment.kind != Segment.Kind.DYNAMIC:
        return {"skipped": True}
    done = refresh(segment=segment, trigger=SegmentRefresh.Trigger.SCHEDULE)
    return {"entered": done.entered, "left": done.left, "members": done.member_count}


@task()
def segment_refresh_requested(segment_id: int, actor_id: int, requested_at: str) -> dict:
    """A refresh asked for on the page or the API (services.segment_refresh_request), run with
    the asker's permission and the owner's scope; the request mark is cleared whatever happens,
    unless a newer request replaced it."""
    from bankcrm.org.models import Staff
    from bankcrm.segments.services import segment_refresh as refresh

    segment = Segment.objects.filter(pk=segment_id).first()
    actor = Staff.objects.filter(pk=actor_id, is_active=True).first()
    try:
        if segment is None or actor is None:
            return {"skipped": True}
        done = refresh(segment=segment, actor=actor, trigger=SegmentRefresh.Trigger.MANUAL)
        return {"entered": done.entered, "left": done.left, "members": done.member_count}
    finally:
        Segment.objects.filter(
            pk=segment_id, refresh_requested_at=datetime.fromisoformat(requested_at)
        ).update(refresh_requested_at=None)


@task()
def segments_refresh_scheduled(chain: str) -> dict:
    """Refresh every dynamic segment; then schedule the next run of this chain."""
    from bankcrm.segments.services import segments_refresh_all

    current = RefreshSchedule.objects.filter(name=SCHEDULE).first()
    if current is None or str(current.chain) != chain:
        return {"superseded": True}
    result = segments_refresh_all()
    next_at = timezone.now() + timedelta(seconds=current.interval_seconds)
    with transaction.atomic():
        updated = RefreshSchedule.objects.filter(name=SCHEDULE, chain=chain).update(
            last_run_at=timezone.now(), next_run_at=next_at
        )
        if updated:
            transaction.on_commit(
                lambda: segments_refresh_scheduled.using(run_after=next_at).enqueue(chain)
            )
    return result


def refresh_schedule(*, interval_seconds: int | None = None) -> RefreshSchedule:
    """Start (or restart) the scheduled refresh; the previous chain stops at its next run."""
    from bankcrm.segments.services import schedule_interval

    interval = interval_seconds or schedule_interval()
    chain = uuid.uuid4()
    with transaction.atomic():
        schedule, _ = RefreshSchedule.objects.update_or_create(
            name=SCHEDULE,
            defaults={"chain": chain, "interval_seconds": interval, "next_run_at": timezone.now()},
        )
        transaction.on_commit(lambda: segments_refresh_scheduled.enqueue(str(chain)))
    return schedule
