from django.db.models import QuerySet

from bankcrm.audit.models import AuditEvent


def customer_history(*, customer_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes and sensitive reads of one customer, newest first (caller has checked scope)."""
    return (
        AuditEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )


def chain_rows(*, chunk_size: int = 5000):
    """Every entry's hashed content in sequence order, streamed (not all in memory)."""
    from bankcrm.audit.chain import HASHED_FIELDS

    fields = ("id", "prev_hash", "hash", *HASHED_FIELDS)
    return AuditEvent.objects.order_by("seq").values(*fields).iterator(chunk_size=chunk_size)


def chain_head() -> tuple[int, str] | None:
    from bankcrm.audit.models import AuditChainHead

    head = AuditChainHead.objects.filter(pk=1).values_list("seq", "hash").first()
    return tuple(head) if head else None
