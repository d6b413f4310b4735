from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Interaction(models.Model):
    """A contact with a customer: a call, a visit, a meeting, a message, or a note."""

    class Channel(models.TextChoices):
        CALL = "call", _("Phone call")
        BRANCH_VISIT = "visit", _("Branch visit")
        MEETING = "meeting", _("Meeting")
        EMAIL = "email", _("Email")
        SMS = "sms", _("SMS")
        WECHAT = "wechat", _("WeChat")
        NOTE = "note", _("Note")

    class Outcome(models.TextChoices):
        REACHED = "reached", _("Reached")
        NO_ANSWER = "no_answer", _("No answer")
        INTERESTED = "interested", _("Interested")
        NOT_INTERESTED = "not_interested", _("Not interested")
        FOLLOW_UP = "follow_up", _("Follow-up needed")
        RESOLVED = "resolved", _("Resolved")
        INFO = "info", _("For information")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="interactions",
    )
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.PROTECT,
        related_name="interactions",
    )
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    occurred_at = models.DateTimeField(_("time"))
    subject = models.CharField(_("subject"), max_length=200)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=Outcome.choices, default=Outcome.INFO
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("interaction")
        verbose_name_plural = _("interactions")
        indexes = [
            models.Index(fields=["customer", "-occurred_at"], name="interaction_customer_at"),
            models.Index(fields=["staff", "-occurred_at"], name="interaction_staff_at"),
        ]

    def __str__(self) -> str:
        return self.subject


class Task(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="tasks",
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="tasks",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    interaction = models.ForeignKey(
        Interaction, null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups"
    )
    title = models.CharField(_("title"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    due_date = models.DateField(_("due date"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        indexes = [
            models.Index(fields=["assignee", "status", "due_date"], name="task_assignee_due"),
            models.Index(fields=["customer", "status"], name="task_customer_status"),
        ]

    def __str__(self) -> str:
        return self.title
