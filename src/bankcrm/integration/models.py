"""Records of the integration with core banking: ingest runs and real-time idempotency keys."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class IngestRun(models.Model):
    """One load of core-banking data: a batch command or a real-time push."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    feed = models.CharField(_("feed"), max_length=20)
    source = models.CharField(_("source"), max_length=12)
    files = models.JSONField(_("files"), default=list, blank=True)  # file names only
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.RUNNING
    )
    rows_read = models.BigIntegerField(default=0)
    loaded = models.BigIntegerField(default=0)
    rejected = models.BigIntegerField(default=0)
    skipped = models.BigIntegerField(default=0)
    rejects_file = models.CharField(max_length=400, blank=True)
    error = models.TextField(blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("ingest run")
        verbose_name_plural = _("ingest runs")
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.feed} {self.started_at:%Y-%m-%d %H:%M} {self.status}"


class IdempotencyKey(models.Model):
    """The first answer to a real-time request, replayed when its key comes again."""

    class State(models.TextChoices):
        PROCESSING = "processing", _("Processing")
        DONE = "done", _("Done")

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_hash = models.CharField(max_length=64)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROCESSING)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField()
    completed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["staff", "key"], name="idempotency_key_unique")
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_created")]

    def __str__(self) -> str:
        return f"{self.staff_id}:{self.key}"


class Schedule(models.Model):
    """A self-renewing chain of background tasks; a new chain id supersedes the old chain."""

    name = models.CharField(primary_key=True, max_length=40)
    chain = models.UUIDField(default=uuid.uuid4)
    interval_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
