"""Integration with core banking: batch extracts, real-time pushes, and the operational sync.

The warehouse work itself is done by bankcrm.analytics; these services record runs, audit them,
check permissions and idempotency, read the operational side into plain Arrow tables, and
enqueue follow-up work (hook delivery) once their transaction commits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from bankcrm.analytics import hooks, mapping, snapshots
from bankcrm.analytics.ingest import ChunkResult, IngestSummary, Loader, ingest_files
from bankcrm.analytics.models import SyncWatermark
from bankcrm.audit.models import AuditEvent
from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.models import Customer
from bankcrm.integration import accounts
from bankcrm.integration.models import IdempotencyKey, IngestRun
from bankcrm.interactions.models import Interaction
from bankcrm.products.models import Holding

# Changes committed slightly out of order (a long transaction that stamped updated_at earlier)
# are caught by re-reading this far behind the watermark; re-read rows are deduplicated.
SYNC_OVERLAP = timedelta(minutes=5)
SYNC_PAGE = 20_000
IDEMPOTENCY_TTL = timedelta(hours=24)
# A push delivers to the hook at once unless more than this many rows wait (a batch load not yet
# delivered): that backlog is the background worker's, not one HTTP request's.
PUSH_DELIVERY_BACKLOG = 50_000


# ----------------------------------------------------------------------------- batch


def _enqueue_delivery() -> None:
    from bankcrm.integration.tasks import deliver_hooks

    transaction.on_commit(lambda: deliver_hooks.enqueue())


def extracts_ingest(
    *,
    feed: str,
    paths: list[str],
    mapping_path: str | None = None,
    chunk_rows: int | None = None,
    rejects_path: Path | None = None,
    progress: Callable[[int], None] | None = None,
    actor=None,
    on_start: Callable[[list[Path]], None] | None = None,
) -> IngestSummary:
    """Load core-banking extract files (CSV or Parquet: files, globs, folders)."""
    from bankcrm.analytics.ingest import DEFAULT_CHUNK_ROWS, expand_paths

    rules = mapping.load(feed, mapping_path)
    files = expand_paths(paths)
    if on_start is not None:
        on_start(files)
    run = IngestRun.objects.create(
        feed=feed,
        source="batch",
        files=[f.name for f in files],
        actor=actor,
        started_at=timezone.now(),
    )
    try:
        summary = ingest_files(
            feed=feed,
            paths=files,
            mapping=rules,
            chunk_rows=chunk_rows or DEFAULT_CHUNK_ROWS,
            rejects_path=rejects_path,
            progress=progress,
        )
    except Exception as exc:
        IngestRun.objects.filter(pk=run.pk).update(
            status=IngestRun.Status.FAILED, error=str(exc)[:2000], finished_at=timezone.now()
        )
        raise
    with transaction.atomic():
        IngestRun.objects.filter(pk=run.pk).update(
            status=IngestRun.Status.DONE,
            rows_read=summary.rows_read,
            loaded=summary.loaded,
            rejected=summary.rejected,
            skipped=summary.skipped,
            rejects_file=str(summary.rejects_path or ""),
            finished_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action=f"warehouse.ingest_{feed}",
            object_type="ingest_run",
            object_id=run.pk,
            changes={
                "files": [f.name for f in files],
                "loaded": summary.loaded,
                "rejected": summary.rejected,
                "skipped": summary.skipped,
            },
        )
        if summary.loaded and feed == "transactions":
            _enqueue_delivery()
    return summary


# ----------------------------------------------------------------------------- real time


class IdempotencyConflict(Exception):
    """The key was used before with a different body, or that request is still running."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class PushAnswer:
    status_code: int
    body: dict[str, Any]
    replayed: bool = False


def request_digest(payload: Any) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _claim_key(*, actor, key: str, digest: str) -> IdempotencyKey | PushAnswer:
    """Insert the key, or return the stored answer; refuse a different body or a key in flight."""
    try:
        with transaction.atomic():
            return IdempotencyKey.objects.create(
                staff=actor, key=key, request_hash=digest, created_at=timezone.now()
            )
    except IntegrityError:
        pass
    stored = IdempotencyKey.objects.get(staff=actor, key=key)
    if stored.request_hash != digest:
        raise IdempotencyConflict("idempotency_key_reused")
    if stored.state != IdempotencyKey.State.DONE:
        raise IdempotencyConflict("idempotency_key_in_progress")
    return PushAnswer(status_code=stored.status_code, body=stored.response, replayed=True)


_PUSH_COLUMNS = {
    "id": pa.string(),
    "account": pa.string(),
    "booked_at": pa.timestamp("us", "UTC"),
    "amount": pa.string(),
    "currency": pa.string(),
    "balance_after": pa.string(),
    "channel": pa.string(),
    "category": pa.string(),
    "merchant_category": pa.string(),
    "counterparty": pa.string(),
    "description": pa.string(),
}


def _push_table(transactions: list[dict[str, Any]]) -> pa.Table:
    columns: dict[str, list] = {name: [] for name in _PUSH_COLUMNS}
    for item in transactions:
        for name in _PUSH_COLUMNS:
            value = item.get(name)
            if value is not None and name in ("amount", "balance_after"):
                value = str(value)
            elif isinstance(value, str) and name == "booked_at":
                value = datetime.fromisoformat(value)
            columns[name].append(value)
    return pa.table(
        {
            n: pa.array(v, t)
            for (n, t), v in zip(_PUSH_COLUMNS.items(), columns.values(), strict=True)
        }
    )


def _load_push(rows: pa.Table) -> ChunkResult:
    """ingest_rows for a push, with the accounts resolved from the in-memory account map
    (accounts.py) instead of a warehouse query per push."""
    rules = mapping.build("transactions")
    loader = Loader("transactions", rules, source="realtime", preload_accounts=False)
    loader.resolver = accounts.PushAccountResolver()
    return loader.load_chunk(rows, 0)


def transactions_push(
    *, actor, idempotency_key: str, transactions: list[dict[str, Any]]
) -> PushAnswer:
    """Load a batch pushed by the payment system, once per idempotency key.

    Good rows are committed to the warehouse and delivered to the hook's subscribers before
    the answer is returned (so the customer 360 shows them); bad rows come back with reasons.
    """
    ensure_perm(actor, "integration.push_transactions")
    digest = request_digest(transactions)
    claimed = _claim_key(actor=actor, key=idempotency_key, digest=digest)
    if isinstance(claimed, PushAnswer):
        return claimed
    try:
        result = _load_push(_push_table(transactions))
    except Exception:
        IdempotencyKey.objects.filter(pk=claimed.pk).delete()  # let the client retry the key
        raise
    body = {
        "received": result.rows,
        "loaded": result.loaded,
        "duplicates": result.skipped,
        "rejected": [
            {"index": r.row - 1, "field": r.column, "reason": r.reason} for r in result.rejects
        ],
    }
    status = 200
    with transaction.atomic():
        IdempotencyKey.objects.filter(pk=claimed.pk).update(
            state=IdempotencyKey.State.DONE,
            status_code=status,
            response=body,
            completed_at=timezone.now(),
        )
        if result.loaded:
            audit_record(
                actor=actor,
                action="warehouse.push_transactions",
                object_type="lake_file",
                object_id=result.committed.id if result.committed else "",
                changes={"loaded": result.loaded, "rejected": result.rejected},
            )
    if result.loaded:
        # Deliver now so the 360 shows the rows; a backlog (a batch load not yet delivered)
        # is left to the background worker rather than to this request.
        # One batch: everything pending (this push, and any other committed meanwhile) at once.
        hooks.deliver(table="transactions", max_batches=1, max_backlog=PUSH_DELIVERY_BACKLOG)
    return PushAnswer(status_code=status, body=body)


def idempotency_keys_prune(*, older_than: timedelta = IDEMPOTENCY_TTL) -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - older_than).delete()
    return deleted


# ----------------------------------------------------------------------------- sync


@dataclass
class SyncSummary:
    rows: dict[str, int] = field(default_factory=dict)


def _watermark(name: str) -> SyncWatermark:
    mark, _ = SyncWatermark.objects.get_or_create(name=name)
    return mark


def _changed_by_audit(after_seq: int) -> tuple[set[int], int]:
    """Customers named by audit events after `after_seq`, and the newest seq seen."""
    events = AuditEvent.objects.filter(seq__gt=after_seq, customer_id__isnull=False)
    ids = set(events.values_list("customer_id", flat=True).distinct())
    newest = AuditEvent.objects.aggregate(m=Max("seq"))["m"] or after_seq
    return ids, newest


def _pages(queryset, fields: list[str]) -> Iterable[list[tuple]]:
    """Rows in primary-key pages: memory stays bounded on a book of any size."""
    last = 0
    while True:
        page = list(queryset.filter(pk__gt=last).order_by("pk").values_list(*fields)[:SYNC_PAGE])
        if not page:
            return
        yield page
        last = page[-1][0]


def _table(rows: list[tuple], names: list[str]) -> pa.Table:
    return pa.table({name: [r[i] for r in rows] for i, name in enumerate(names)})


_CUSTOMER_FIELDS = [
    ("customer_id", "pk"),
    ("number", "number"),
    ("kind", "kind"),
    ("branch_id", "branch_id"),
    ("rm_id", "rm_id"),
    ("lifecycle_stage", "lifecycle_stage"),
    ("gender", "gender"),
    ("birth_date", "birth_date"),
    ("province", "province"),
    ("city", "city"),
    ("occupation", "occupation"),
    ("industry", "industry"),
    ("education", "education"),
    ("income_band", "income_band"),
    ("family_status", "family_status"),
    ("risk_tolerance", "risk_tolerance"),
    ("kyc_status", "kyc_status"),
    ("aum", "aum"),
    ("liabilities", "liabilities"),
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
]
_HOLDING_FIELDS = [
    ("holding_id", "pk"),
    ("account_key", "account_number"),  # decrypted here, pseudonymised below
    ("customer_id", "customer_id"),
    ("product_code", "product__code"),
    ("product_type", "product__type"),
    ("currency", "currency"),
    ("balance", "balance"),
    ("status", "status"),
    ("opened_on", "opened_on"),
    ("matures_on", "matures_on"),
    ("branch_id", "branch_id"),
    ("updated_at", "updated_at"),
]
_INTERACTION_FIELDS = [
    ("interaction_id", "pk"),
    ("customer_id", "customer_id"),
    ("staff_id", "staff_id"),
    ("channel", "channel"),
    ("outcome", "outcome"),
    ("occurred_at", "occurred_at"),
    ("created_at", "created_at"),
]


def _with_tags_and_consents(rows: pa.Table) -> pa.Table:
    """Each customer's tag ids and the channels of their granted, unwithdrawn marketing
    consents, as lists (segments select on them)."""
    from bankcrm.customers.models import Consent, Customer

    ids = rows.column("customer_id").to_pylist()
    tags: dict[int, list[str]] = {}
    links = Customer.tags.through.objects.filter(customer_id__in=ids).order_by("tag_id")
    for customer_id, tag_id in links.values_list("customer_id", "tag_id"):
        tags.setdefault(customer_id, []).append(str(tag_id))
    consents: dict[int, list[str]] = {}
    granted = Consent.objects.filter(
        customer_id__in=ids,
        purpose=Consent.Purpose.MARKETING,
        granted=True,
        withdrawn_at__isnull=True,
    ).order_by("channel")
    for customer_id, channel in granted.values_list("customer_id", "channel"):
        consents.setdefault(customer_id, []).append(channel)
    listed = pa.list_(pa.string())
    rows = rows.append_column("tags", pa.array([tags.get(i, []) for i in ids], listed))
    return rows.append_column(
        "marketing_consents", pa.array([consents.get(i, []) for i in ids], listed)
    )


def _sync_table(
    *, table: str, queryset, fields: list[tuple[str, str]], sync_time: datetime, run: str
) -> int:
    names = [n for n, _ in fields]
    total = 0
    for page in _pages(queryset, [f for _, f in fields]):
        rows = _table(page, names)
        if table == "customers":
            births = rows.column("birth_date").to_pylist()
            rows = rows.drop_columns(["birth_date"]).append_column(
                "birth_year", pa.array([b.year if b else None for b in births], pa.int32())
            )
            rows = _with_tags_and_consents(rows)
        if table == "holdings":
            from bankcrm.analytics.ingest import account_keys

            numbers = rows.column("account_key").to_pylist()
            rows = rows.set_column(
                rows.schema.get_field_index("account_key"),
                "account_key",
                pa.array(account_keys(numbers), pa.string()),
            )
        rows = rows.append_column(
            "synced_at", pa.array([sync_time] * rows.num_rows, pa.timestamp("us", "UTC"))
        )
        written = snapshots.snapshot_append(table=table, rows=rows, run=run)
        total += written.rows if written else 0
    return total


def warehouse_sync(*, full: bool = False, run: str = "") -> SyncSummary:
    """Copy changed customers, holdings and new interactions into the warehouse snapshots.

    Changed means: `updated_at` after the watermark (less SYNC_OVERLAP), or named by an audit
    event since the last sync (services that change a customer without touching updated_at,
    such as assignment, lifecycle moves and holding roll-ups, all write audit events).
    """
    summary = SyncSummary()
    now = timezone.now()
    mark = _watermark("customers")
    since = None if full or mark.changed_after is None else mark.changed_after - SYNC_OVERLAP
    audited, newest_seq = _changed_by_audit(0 if full else mark.audit_seq)

    def changed(qs, customer_field: str):
        if since is None:
            return qs
        return qs.filter(Q(updated_at__gt=since) | Q(**{f"{customer_field}__in": audited}))

    summary.rows["customers"] = _sync_table(
        table="customers",
        queryset=changed(Customer.objects.all(), "pk"),
        fields=_CUSTOMER_FIELDS,
        sync_time=now,
        run=run,
    )
    summary.rows["holdings"] = _sync_table(
        table="holdings",
        queryset=changed(Holding.objects.select_related("product"), "customer_id"),
        fields=_HOLDING_FIELDS,
        sync_time=now,
        run=run,
    )
    imark = _watermark("interactions")
    interactions = Interaction.objects.all()
    if not full and imark.changed_after is not None:
        interactions = interactions.filter(created_at__gt=imark.changed_after - SYNC_OVERLAP)
    summary.rows["interactions"] = _sync_table(
        table="interactions",
        queryset=interactions,
        fields=_INTERACTION_FIELDS,
        sync_time=now,
        run=run,
    )
    SyncWatermark.objects.filter(name="customers").update(changed_after=now, audit_seq=newest_seq)
    SyncWatermark.objects.filter(name="interactions").update(changed_after=now)
    return summary
