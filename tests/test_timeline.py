"""The customer 360 timeline merges every domain's entries, newest first, as the viewer may see."""

from datetime import timedelta

from django.utils import timezone

from bankcrm.customers.timeline import TimelineEntry, customer_timeline, register
from bankcrm.interactions.models import Task
from bankcrm.interactions.services import interaction_create, task_create, task_update


def test_the_timeline_merges_interactions_and_finished_tasks_newest_first(bank, customer):
    # given
    now = timezone.now()
    interaction_create(
        actor=bank.rm,
        customer=customer,
        channel="call",
        subject="old call",
        occurred_at=now - timedelta(days=3),
    )
    interaction_create(actor=bank.rm, customer=customer, channel="visit", subject="new visit")
    task = task_create(
        actor=bank.rm,
        customer=customer,
        assignee=bank.rm,
        title="send form",
        due_date=now.date(),
    )
    task_update(actor=bank.rm, task=task, version=task.version, status=Task.Status.DONE)
    task_create(  # open tasks stay on the task list, not the timeline
        actor=bank.rm,
        customer=customer,
        assignee=bank.rm,
        title="still open",
        due_date=now.date(),
    )
    # when
    entries = customer_timeline(actor=bank.rm, customer=customer)
    # then
    assert [(e.kind, e.title) for e in entries] == [
        ("task", "send form"),
        ("interaction", "new visit"),
        ("interaction", "old call"),
    ]
    assert entries[2].icon == "bi-telephone"


def test_a_registered_provider_joins_the_feed_and_the_limit_applies(bank, customer):
    # given
    now = timezone.now()
    for i in range(3):
        interaction_create(
            actor=bank.rm,
            customer=customer,
            channel="note",
            subject=f"note {i}",
            occurred_at=now - timedelta(hours=i + 1),
        )

    def other_domain(*, actor, customer, limit):
        yield TimelineEntry(
            at=now - timedelta(minutes=90),
            kind="case",
            kind_label="Case",
            icon="bi-headset",
            title="complaint",
        )

    register("test-domain", other_domain)
    try:
        # when
        entries = customer_timeline(actor=bank.rm, customer=customer, limit=3)
    finally:
        from bankcrm.customers import timeline

        del timeline._providers["test-domain"]
    # then
    assert [e.title for e in entries] == ["note 0", "complaint", "note 1"]


def test_a_viewer_without_the_interaction_permissions_sees_none_of_them(bank, customer):
    # given: every role that opens the 360 reads interactions today, so a viewer whose
    # permission check fails stands in for a future role that may not
    interaction_create(actor=bank.rm, customer=customer, channel="note", subject="private")

    class NoInteractions:
        def has_perm(self, perm: str) -> bool:
            return perm not in {"interactions.view_interaction", "interactions.view_task"}

    # when / then
    assert customer_timeline(actor=NoInteractions(), customer=customer) == []
    assert [e.title for e in customer_timeline(actor=bank.auditor, customer=customer)] == [
        "private"
    ]
