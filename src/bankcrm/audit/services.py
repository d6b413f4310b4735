from dataclasses import dataclass
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


@dataclass(frozen=True)
class ChainCheck:
    intact: bool
    entries: int  # entries in the chain when it was checked (the head's sequence number)
    first_bad_seq: int | None = None
    message: str = ""


def audit_chain_verify(
    *, actor: Any = None, source: str = "cli", record: bool = True, since_last: bool = False
) -> ChainCheck:
    """Walk the chain (chain.verify); record the result as an `audit.verify` event, so the
    auditor's page can show the last check and when it ran.

    The whole chain by default (run it from the command line on a schedule on a long chain:
    `bankcrm verify_audit --record`). With `since_last`, only the entries written after the
    last intact check, linked to the entry that check ended at: quick, and it keeps the page's
    status current between full checks; an edit to an entry checked before is found by the
    next full check."""
    from bankcrm.audit.chain import verify
    from bankcrm.audit.selectors import chain_checkpoint, chain_head, chain_rows

    head = chain_head()
    start = chain_checkpoint() if since_last else None
    if start is not None:
        problem = verify(chain_rows(after_seq=start[0]), head, start=start)
    else:
        problem = verify(chain_rows(), head)
    check = ChainCheck(
        intact=problem is None,
        entries=head[0] if head else 0,
        first_bad_seq=problem.seq if problem else None,
        message=problem.message if problem else "",
    )
    if record:
        audit_record(
            actor=actor,
            action="audit.verify",
            object_type="audit_chain",
            changes={
                "intact": check.intact,
                "entries": check.entries,
                "head_hash": head[1] if head and check.intact else "",
                "from_seq": (start[0] + 1) if start else 1,
                "first_bad_seq": check.first_bad_seq,
                "problem": check.message,
                "source": source,
            },
        )
    return check
