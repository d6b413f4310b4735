from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.interactions.models import Interaction, Task


@transaction.atomic
def interaction_create(
    *,
    actor,
    customer,
    channel: str,
    subject: str,
    occurred_at: datetime | None = None,
    outcome: str = Interaction.Outcome.INFO,
    notes: str = "",
    follow_up_title: str = "",
    follow_up_due: date | None = None,
) -> Interaction:
    """Record a contact with a customer, optionally with a follow-up task for the actor."""
    ensure_perm(actor, "interactions.add_interaction")
    occurred_at = occurred_at or timezone.now()
    errors = {}
    if channel not in Interaction.Channel.values:
        errors["channel"] = _("Choose a channel.")
    if outcome not in Interaction.Outcome.values:
        errors["outcome"] = _("Choose an outcome.")
    if not (subject or "").strip():
        errors["subject"] = _("A subject is required.")
    if occurred_at > timezone.now() + timedelta(minutes=5):
        errors["occurred_at"] = _("An interaction cannot be in the future.")
    if follow_up_title and not follow_up_due:
        errors["follow_up_due"] = _("A follow-up needs a due date.")
    if errors:
        raise ValidationError(errors)
    interaction = Interaction.objects.create(
        customer=customer,
        staff=actor,
        channel=channel,
        occurred_at=occurred_at,
        subject=subject.strip(),
        outcome=outcome,
        notes=notes,
    )
    audit_record(
        actor=actor,
        action="interaction.create",
        object_type="interaction",
        object_id=interaction.pk,
        customer_id=customer.pk,
        changes={"channel": channel, "outcome": outcome},
    )
    if follow_up_title:
        task_create(
            actor=actor,
            customer=customer,
            assignee=actor,
            title=follow_up_title,
            due_date=follow_up_due,
            interaction=interaction,
        )
    return interaction


@transaction.atomic
def task_create(
    *,
    actor,
    customer,
    assignee,
    title: str,
    due_date: date | None,
    notes: str = "",
    interaction: Interaction | None = None,
) -> Task:
    ensure_perm(actor, "interactions.add_task")
    errors = {}
    if not (title or "").strip():
        errors["title"] = _("A title is required.")
    if due_date is None:
        errors["due_date"] = _("A due date is required.")
    if errors:
        raise ValidationError(errors)
    task = Task.objects.create(
        customer=customer,
        assignee=assignee,
        created_by=actor,
        title=title.strip(),
        notes=notes,
        due_date=due_date,
        interaction=interaction,
    )
    audit_record(
        actor=actor,
        action="task.create",
        object_type="task",
        object_id=task.pk,
        customer_id=customer.pk,
        changes={"assignee": assignee.pk},
    )
    return task


@transaction.atomic
def task_update(*, actor, task: Task, version: int, **changes) -> Task:
    """Change a task's title, notes, due date or status, guarded by its version."""
    ensure_perm(actor, "interactions.change_task")
    allowed = {"title", "notes", "due_date", "status"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"task_update got unexpected fields: {sorted(unknown)}")
    if "status" in changes and changes["status"] not in Task.Status.values:
        raise ValidationError({"status": _("Unknown status.")})
    if "title" in changes and not (changes["title"] or "").strip():
        raise ValidationError({"title": _("A title is required.")})
    values = dict(changes)
    if changes.get("status") == Task.Status.DONE and task.status != Task.Status.DONE:
        values["completed_at"] = timezone.now()
    elif "status" in changes and changes["status"] != Task.Status.DONE:
        values["completed_at"] = None
    updated = Task.objects.filter(pk=task.pk, version=version).update(
        **values, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    audit_record(
        actor=actor,
        action="task.update",
        object_type="task",
        object_id=task.pk,
        customer_id=task.customer_id,
        changes={k: str(v) for k, v in changes.items() if k != "notes"},
    )
    task.refresh_from_db()
    return task
