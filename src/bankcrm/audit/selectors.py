from django.db.models import QuerySet

from bankcrm.audit.models import AuditEvent


def customer_history(*, customer_id: int, limit: int = 50) -> QuerySet[AuditEvent]:
    """Changes and sensitive reads of one customer, newest first (caller has checked scope)."""
    return (
        AuditEvent.objects.filter(customer_id=customer_id)
        .select_related("actor")
        .order_by("-at", "-id")[:limit]
    )
