"""Saved segments: a definition (analytics.segments), its members and who entered or left when.

The definition is evaluated in the warehouse with the owner's scope; the members of the last
evaluation are stored here (SegmentMember), each evaluation is a SegmentRefresh, and every
customer who entered or left at a refresh is a SegmentChange: the membership history.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Segment(models.Model):
    class Kind(models.TextChoices):
        DYNAMIC = "dynamic", _("Dynamic (refreshed)")
        STATIC = "static", _("Static snapshot")

    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True, max_length=1000)
    definition = models.JSONField(_("definition"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.DYNAMIC)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="segments",
        verbose_name=_("owner"),
    )
    # The owner's branch when the segment was made: who else may see it (branch subtree).
    branch = models.ForeignKey(
        "org.Branch", on_delete=models.PROTECT, related_name="+", verbose_name=_("branch")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    member_count = models.PositiveIntegerField(_("members"), default=0)
    last_refreshed_at = models.DateTimeField(_("last refreshed"), null=True, blank=True)
    # Set while a refresh asked for on the page or API waits for (or runs on) the worker.
    refresh_requested_at = models.DateTimeField(_("refresh requested"), null=True, blank=True)
    archived = models.BooleanField(_("archived"), default=False)

    class Meta:
        verbose_name = _("segment")
        verbose_name_plural = _("segments")
        indexes = [models.Index(fields=["archived", "kind"], name="segment_kind_idx")]

    def __str__(self) -> str:
        return self.name


class SegmentRefresh(models.Model):
    """One evaluation of a segment: when, why, and how many entered, left and stayed."""

    class Trigger(models.TextChoices):
        SAVE = "save", _("Saved")
        MANUAL = "manual", _("On demand")
        SCHEDULE = "schedule", _("Scheduled")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="refreshes")
    at = models.DateTimeField(_("at"))
    trigger = models.CharField(_("trigger"), max_length=10, choices=Trigger.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    entered = models.PositiveIntegerField(_("entered"), default=0)
    left = models.PositiveIntegerField(_("left"), default=0)
    member_count = models.PositiveIntegerField(_("members"), default=0)

    class Meta:
        indexes = [models.Index(fields=["segment", "-at"], name="segment_refresh_at_idx")]

    def __str__(self) -> str:
        return f"{self.segment_id}@{self.at:%Y-%m-%d %H:%M}"


class SegmentMember(models.Model):
    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="members")
    # No database constraint: members come from the warehouse, which may know a customer a
    # moment before (or after) this database; pages join through the scoped customer selector.
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    since = models.DateTimeField(_("member since"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["segment", "customer"], name="segment_member_unique")
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id}"


class SegmentChange(models.Model):
    class Kind(models.TextChoices):
        ENTERED = "entered", _("Entered")
        LEFT = "left", _("Left")

    segment = models.ForeignKey(Segment, on_delete=models.CASCADE, related_name="changes")
    refresh = models.ForeignKey(SegmentRefresh, on_delete=models.CASCADE, related_name="changes")
    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    kind = models.CharField(_("change"), max_length=10, choices=Kind.choices)
    at = models.DateTimeField(_("at"))

    class Meta:
        indexes = [
            models.Index(fields=["segment", "-id"], name="segment_change_idx"),
            models.Index(fields=["customer"], name="segment_change_customer_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.segment_id}:{self.customer_id} {self.kind}"


class RefreshSchedule(models.Model):
    """The self-renewing chain of scheduled refreshes (tasks.py); a new chain id supersedes
    the old one, so starting the schedule twice does not run it twice."""

    name = models.CharField(primary_key=True, max_length=40)
    chain = models.UUIDField()
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
