from typing import Any

from django.utils import timezone

from bankcrm.audit.context import current_origin
from bankcrm.audit.models import AuditEvent


def audit_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    object_id: object = "",
    customer_id: int | None = None,
    changes: dict | None = None,
    reason: str = "",
    outcome: str = AuditEvent.Outcome.ALLOWED,
) -> AuditEvent:
    """Append one audit event. Call it inside the transaction of the change it records."""
    origin = current_origin()
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        action=action,
        object_type=object_type,
        object_id=str(object_id or ""),
        customer_id=customer_id,
        changes=changes or {},
        reason=reason,
        outcome=outcome,
        ip=origin.ip,
        user_agent=origin.user_agent,
    )
