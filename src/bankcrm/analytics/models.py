"""The lake's catalogue and the state of its consumers, kept in the operational database.

The operational database is the one place every process already shares transactionally, so it
is where a lake file becomes visible: a Parquet file is written under a unique name, renamed
into place, and only then recorded here in one transaction. Readers list the live files from
this table, never from the directory, so a half-written or abandoned file is never read.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class LakeTable(models.Model):
    """One row per warehouse table: writers lock it to commit files one at a time."""

    name = models.CharField(primary_key=True, max_length=40)
    version = models.BigIntegerField(default=0)

    def __str__(self) -> str:
        return self.name


class LakeFile(models.Model):
    """A committed, immutable Parquet object of a warehouse table. Its id orders commits."""

    class Source(models.TextChoices):
        BATCH = "batch", _("Batch extract")
        REALTIME = "realtime", _("Real-time push")
        SYNC = "sync", _("Operational sync")
        COMPACTION = "compaction", _("Compaction")
        DERIVED = "derived", _("Computed by a refresh")

    table = models.CharField(max_length=40)
    path = models.CharField(max_length=400, unique=True)  # relative to the lake root
    rows = models.BigIntegerField()
    key_min = models.CharField(max_length=100, blank=True)
    key_max = models.CharField(max_length=100, blank=True)
    source = models.CharField(max_length=12, choices=Source.choices)
    run = models.CharField(max_length=40, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["table", "retired_at", "id"], name="lakefile_live"),
            models.Index(fields=["table", "key_max"], name="lakefile_range"),
        ]

    def __str__(self) -> str:
        return self.path


class HookCursor(models.Model):
    """How far one subscriber of a table's commits has read (a durable consumer offset)."""

    name = models.CharField(primary_key=True, max_length=80)
    last_file_id = models.BigIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}@{self.last_file_id}"


class SyncWatermark(models.Model):
    """How far the operational-to-warehouse sync of one table has come."""

    name = models.CharField(primary_key=True, max_length=40)
    changed_after = models.DateTimeField(null=True, blank=True)
    audit_seq = models.BigIntegerField(default=0)  # changes seen through the audit trail
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.name}: {self.changed_after}"


class AccountBalance(models.Model):
    """The latest known balance of an account, kept by the transaction hook's subscriber.

    `account_key` is the account number's warehouse pseudonym (crypto.warehouse_pseudonym,
    under BANKCRM_WAREHOUSE_KEY): the warehouse never holds account numbers.
    """

    account_key = models.CharField(primary_key=True, max_length=32)
    customer_id = models.BigIntegerField(db_index=True)
    currency = models.CharField(max_length=3)
    balance = models.DecimalField(max_digits=18, decimal_places=2)
    as_of = models.DateTimeField()
    transaction_id = models.CharField(max_length=64)

    def __str__(self) -> str:
        return f"{self.account_key}: {self.balance} {self.currency}"


class ValueRun(models.Model):
    """One refresh of the standard segmentations and values (analytics/valuation.py): its
    progress for the UI and the CLI, and which run is current."""

    class Status(models.TextChoices):
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    run_id = models.CharField(max_length=40, unique=True)
    as_of = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.RUNNING)
    ranges = models.JSONField(default=list)  # [low, high] customer ids of each part
    parts_total = models.PositiveIntegerField(default=0)
    parts_done = models.PositiveIntegerField(default=0)
    customers = models.BigIntegerField(default=0)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-started_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.run_id} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        steps = self.parts_total + 1  # the parts, then scoring and publishing
        return int(100 * self.parts_done / steps) if steps > 1 else 0


class ReportSnapshot(models.Model):
    """A report's figures for one scope and period, computed over the lake once (nightly by
    `bankcrm refresh_reports` for the bank and every branch; on first view for other scopes) and
    replayed by the pages until they are older than REPORT_MAX_AGE or the report code changed.
    `calls` holds what the report's queries returned (analytics.reports.Tape)."""

    report = models.CharField(max_length=20)
    scope_key = models.CharField(max_length=80)
    period_start = models.DateField()
    period_end = models.DateField()
    code = models.CharField(max_length=16)  # digest of the report code that computed it
    calls = models.JSONField()
    computed_at = models.DateTimeField()
    seconds = models.FloatField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["report", "scope_key", "period_start", "period_end"],
                name="report_snapshot_unique",
            )
        ]
        indexes = [models.Index(fields=["computed_at"], name="report_snapshot_at")]

    def __str__(self) -> str:
        return f"{self.report} {self.scope_key} {self.period_start}..{self.period_end}"
