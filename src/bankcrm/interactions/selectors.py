from datetime import date

from django.db.models import QuerySet

from bankcrm.customers.selectors import customers_visible_to
from bankcrm.interactions.models import Interaction, Task


def interactions_visible_to(actor) -> QuerySet[Interaction]:
    if not actor.has_perm("interactions.view_interaction"):
        return Interaction.objects.none()
    return Interaction.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def tasks_visible_to(actor) -> QuerySet[Task]:
    if not actor.has_perm("interactions.view_task"):
        return Task.objects.none()
    return Task.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def interactions_of(*, customer_id: int, limit: int = 50) -> QuerySet[Interaction]:
    return (
        Interaction.objects.filter(customer_id=customer_id)
        .select_related("staff")
        .order_by("-occurred_at", "-id")[:limit]
    )


def tasks_of(*, customer_id: int) -> QuerySet[Task]:
    return (
        Task.objects.filter(customer_id=customer_id)
        .select_related("assignee")
        .order_by("status", "due_date")
    )


def my_open_tasks(*, actor, until: date) -> QuerySet[Task]:
    """The actor's open tasks due on or before `until` (today's list, overdue first)."""
    return (
        tasks_visible_to(actor)
        .filter(assignee=actor, status=Task.Status.OPEN, due_date__lte=until)
        .select_related("customer")
        .order_by("due_date", "id")
    )


def my_recent_interactions(*, actor, limit: int = 10) -> QuerySet[Interaction]:
    return (
        interactions_visible_to(actor)
        .filter(staff=actor)
        .select_related("customer")
        .order_by("-occurred_at", "-id")[:limit]
    )


def timeline_entries(*, actor, customer, limit: int):
    """The customer's interactions and tasks for the 360 timeline (customers.timeline)."""
    from django.utils.translation import gettext as _

    from bankcrm.customers.timeline import TimelineEntry
    from bankcrm.org.templatetags.bankcrm_ui import channel_icon

    if actor.has_perm("interactions.view_interaction"):
        for i in interactions_of(customer_id=customer.pk, limit=limit):
            yield TimelineEntry(
                at=i.occurred_at,
                kind="interaction",
                kind_label=str(i.get_channel_display()),
                icon=channel_icon(i.channel),
                title=i.subject,
                detail=" · ".join(filter(None, [str(i.get_outcome_display()), i.notes])),
                actor=i.staff.display_name or i.staff.username,
            )
    if actor.has_perm("interactions.view_task"):
        done = Task.objects.filter(customer_id=customer.pk, status=Task.Status.DONE)
        for t in done.select_related("assignee").order_by("-completed_at")[:limit]:
            yield TimelineEntry(
                at=t.completed_at,
                kind="task",
                kind_label=_("Task done"),
                icon="bi-check2-square",
                title=t.title,
                actor=t.assignee.display_name or t.assignee.username,
            )
