from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q, QuerySet

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ensure_perm


def customer_history(*, customer_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes and sensitive reads of one customer, newest first (caller has checked scope)."""
    return (
        AuditEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def chain_rows(*, after_seq: int = 0, chunk_size: int = 5000):
    """Every entry's hashed content (after entry `after_seq`) in sequence order, streamed."""
    from bankcrm.audit.chain import HASHED_FIELDS

    fields = ("id", "prev_hash", "hash", *HASHED_FIELDS)
    rows = AuditEvent.objects.filter(seq__gt=after_seq).order_by("seq")
    return rows.values(*fields).iterator(chunk_size=chunk_size)


def chain_checkpoint() -> tuple[int, str] | None:
    """The entry the last intact check ended at (sequence number and hash), if that check
    recorded it and the entry still carries that hash: a later check can start after it."""
    last = (
        AuditEvent.objects.filter(action="audit.verify", changes__intact=True)
        .order_by("-seq")
        .values_list("changes", flat=True)
        .first()
    )
    if not last or not last.get("head_hash"):
        return None
    seq, digest = last["entries"], last["head_hash"]
    if not AuditEvent.objects.filter(seq=seq, hash=digest).exists():
        return None
    return seq, digest


def chain_head() -> tuple[int, str] | None:
    from bankcrm.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return tuple(head) if head else None


@dataclass(frozen=True)
class AuditFilters:
    """What the auditor searches by. Times are aware datetimes (from <= at < until)."""

    staff_id: int | None = None
    customer_id: int | None = None
    action: str = ""  # exact, or a prefix when it ends with "."
    outcome: str = ""
    since: datetime | None = None
    until: datetime | None = None


def audit_search(*, actor, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """Audit entries matching the filters, newest first (by sequence number: keyset pages).

    The caller needs `audit.view_auditevent` (the whole trail: auditors see the whole bank).
    """
    ensure_perm(actor, "audit.view_auditevent")
    qs = AuditEvent.objects.select_related("actor").order_by("-seq")
    if filters.staff_id is not None:
        qs = qs.filter(actor_id=filters.staff_id)
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    if filters.action:
        if filters.action.endswith("."):
            qs = qs.filter(action__startswith=filters.action)
        else:
            qs = qs.filter(action=filters.action)
    if filters.outcome:
        qs = qs.filter(outcome=filters.outcome)
    if filters.since is not None:
        qs = qs.filter(at__gte=filters.since)
    if filters.until is not None:
        qs = qs.filter(at__lt=filters.until)
    return qs


def audit_page(*, actor, filters: AuditFilters, before_seq: int | None, size: int):
    """One keyset page: entries older than `before_seq`; returns (rows, next before_seq)."""
    qs = audit_search(actor=actor, filters=filters)
    if before_seq is not None:
        qs = qs.filter(seq__lt=before_seq)
    rows = list(qs[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, (rows[-1].seq if more and rows else None)


def audit_actions() -> list[str]:
    """The actions recorded so far (for the search form's suggestions)."""
    return list(AuditEvent.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_last_verification(*, full: bool = False) -> AuditEvent | None:
    """The last recorded check of the chain (`audit.verify`), or None; with `full`, the last
    check of the whole chain (not one of only the entries since an earlier check)."""
    checks = AuditEvent.objects.filter(action="audit.verify").order_by("-seq")
    if full:
        checks = checks.filter(Q(changes__from_seq=1) | ~Q(changes__has_key="from_seq"))
    return checks.first()
