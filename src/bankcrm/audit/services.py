from typing import Any

from django.db import transaction
from django.utils import timezone

from bankcrm.audit.chain import GENESIS, entry_hash
from bankcrm.audit.context import current_origin
from bankcrm.audit.models import AuditChainHead, AuditEvent


def _locked_head() -> AuditChainHead:
    head = AuditChainHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        AuditChainHead.objects.get_or_create(pk=1, defaults={"seq": 0, "hash": GENESIS})
        head = AuditChainHead.objects.select_for_update().get(pk=1)
    return head


@transaction.atomic
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
    """Append one event to the hash chain. Call it inside the transaction of the change it
    records: the change and its audit entry commit together or not at all.

    Writers serialise on the chain head row for the length of their transaction: one chain
    for the whole bank (docs/security.md describes the limit this sets on write throughput).
    """
    origin = current_origin()
    head = _locked_head()
    content = {
        "seq": head.seq + 1,
        "at": timezone.now(),
        "actor_id": actor.pk if getattr(actor, "pk", None) else None,
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id or ""),
        "customer_id": customer_id,
        "changes": changes or {},
        "reason": reason,
        "outcome": str(outcome),
        "ip": origin.ip,
        "user_agent": origin.user_agent,
    }
    digest = entry_hash(head.hash, content)
    event = AuditEvent.objects.create(**content, prev_hash=head.hash, hash=digest)
    AuditChainHead.objects.filter(pk=1).update(seq=content["seq"], hash=digest)
    return event
