"""Writes to the customer master. Each is one transaction with its audit event inside."""

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.common.identifiers import customer_number_for
from bankcrm.customers.models import (
    Consent,
    Customer,
    LifecycleEvent,
    LifecycleStage,
    Relationship,
    Tag,
)
from bankcrm.customers.validation import PROTECTED_FIELDS, Cleaned, clean_customer

EDITABLE_FIELDS = frozenset(
    {
        "kind",
        "name",
        "gender",
        "birth_date",
        "id_type",
        "id_number",
        "mobile",
        "email",
        "province",
        "city",
        "address",
        "occupation",
        "industry",
        "employer",
        "education",
        "income_band",
        "family_status",
        "risk_tolerance",
        "kyc_status",
        "preferred_channels",
        "preferred_contact_time",
    }
)
# Who owns a customer is decided by assignment, never by an edit form or an API body.
ASSIGNMENT_FIELDS = frozenset({"branch", "rm"})

REVEALABLE_FIELDS = PROTECTED_FIELDS


def _change_log(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Which fields changed; protected values are named but never written to the log."""
    log: dict[str, Any] = {}
    for name, value in new.items():
        if name.endswith("_bidx") or name in {"name_pinyin", "name_initials"}:
            continue
        if old.get(name) == value:
            continue
        if name in PROTECTED_FIELDS:
            log[name] = None
        else:
            log[name] = [_jsonable(old.get(name)), _jsonable(value)]
    return log


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, str | int | float | bool | list):
        return value
    return str(value)


@transaction.atomic
def customer_create(
    *, actor, branch, rm=None, tags: list[Tag] | None = None, **fields: Any
) -> tuple[Customer, list[str]]:
    """Create a customer in the actor's reach; returns the customer and non-blocking warnings."""
    ensure_perm(actor, "customers.add_customer")
    unknown = set(fields) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"customer_create got unexpected fields: {sorted(unknown)}")
    cleaned: Cleaned = clean_customer(fields)
    customer = Customer(branch=branch, rm=rm, **cleaned.values)
    customer.save()
    customer.number = customer_number_for(customer.pk)
    Customer.objects.filter(pk=customer.pk).update(number=customer.number)
    if tags:
        customer.tags.set(tags)
    LifecycleEvent.objects.create(
        customer=customer,
        from_stage="",
        to_stage=customer.lifecycle_stage,
        reason="created",
        actor=actor,
        at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="customer.create",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=_change_log({}, cleaned.values),
    )
    return customer, cleaned.warnings


@transaction.atomic
def customer_update(
    *, actor, customer: Customer, version: int, tags: list[Tag] | None = None, **changes: Any
) -> tuple[Customer, list[str]]:
    """Apply changes if nobody saved the customer since `version` was read (optimistic lock).

    `customer` must come from a scoped selector. Raises ConflictError on a stale version and
    ValidationError on bad input; in both cases nothing is written.
    """
    ensure_perm(actor, "customers.change_customer")
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"customer_update got unexpected fields: {sorted(unknown)}")
    if customer.version != version:
        raise ConflictError()
    current = {name: getattr(customer, name) for name in EDITABLE_FIELDS}
    cleaned = clean_customer(changes, current=current)
    values = {
        k: v
        for k, v in cleaned.values.items()
        if k.endswith("_bidx") or k in {"name_pinyin", "name_initials"} or current.get(k) != v
    }
    log = _change_log(current, values)
    old_tags = set(customer.tags.values_list("name", flat=True))
    new_tags = {t.name for t in tags} if tags is not None else old_tags
    if tags is not None and old_tags != new_tags:
        log["tags"] = [sorted(old_tags), sorted(new_tags)]
    if not log:
        return customer, cleaned.warnings
    now = timezone.now()
    updated = Customer.objects.filter(pk=customer.pk, version=version).update(
        **values, version=F("version") + 1, updated_at=now
    )
    if updated != 1:
        raise ConflictError()
    if tags is not None and old_tags != new_tags:
        customer.tags.set(tags)
    audit_record(
        actor=actor,
        action="customer.update",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=log,
    )
    customer.refresh_from_db()
    return customer, cleaned.warnings


@transaction.atomic
def customer_assign(*, actor, customer: Customer, rm, branch=None, rule: str = "") -> Customer:
    """Assign the customer to a relationship manager (and optionally another branch).

    `rule` names a business rule that makes the change in place of a person's permission, its
    caller having checked what the rule requires: the sales pool's return of a customer nobody
    followed up (`pool_return`, no actor) and an RM's claim from the pool (`pool_claim`). The
    audit entry records the rule as its reason."""
    if not rule:
        ensure_perm(actor, "customers.assign_customer")
    branch = branch or customer.branch
    changes = {
        "rm": [customer.rm_id, rm.pk if rm else None],
        "branch": [customer.branch_id, branch.pk],
    }
    Customer.objects.filter(pk=customer.pk).update(rm=rm, branch=branch, version=F("version") + 1)
    audit_record(
        actor=actor,
        action="customer.assign",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes=changes,
        reason=rule,
    )
    customer.refresh_from_db()
    return customer


def customer_reveal(*, actor, customer: Customer, field: str, reason: str) -> str:
    """Return one protected value of one customer, for a stated reason; the reveal is audited.

    A refused reveal is audited too, outside any transaction that the refusal rolls back.
    """

    if field not in REVEALABLE_FIELDS:
        raise ValidationError({"field": _("This field cannot be revealed.")})
    if not actor.has_perm("customers.reveal_customer"):
        audit_record(
            actor=actor,
            action="customer.reveal",
            object_type="customer",
            object_id=customer.pk,
            customer_id=customer.pk,
            changes={field: None},
            reason=reason,
            outcome="denied",
        )
        raise PermissionDenied("customers.reveal_customer")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("State why you need to see this value.")})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="customer.reveal",
            object_type="customer",
            object_id=customer.pk,
            customer_id=customer.pk,
            changes={field: None},
            reason=reason,
        )
        return getattr(customer, field)


@transaction.atomic
def consent_set(
    *, actor, customer: Customer, channel: str, purpose: str, granted: bool, source: str
) -> Consent:
    """Grant or withdraw consent for one channel and purpose."""
    ensure_perm(actor, "customers.change_consent")
    now = timezone.now()
    consent, _created = Consent.objects.select_for_update().get_or_create(
        customer=customer,
        channel=channel,
        purpose=purpose,
        defaults={"source": source, "updated_at": now},
    )
    consent.granted = granted
    consent.source = source
    consent.updated_at = now
    if granted:
        consent.granted_at = now
        consent.withdrawn_at = None
    else:
        consent.withdrawn_at = now
    consent.full_clean(exclude=["customer"])
    consent.save()
    audit_record(
        actor=actor,
        action="consent.grant" if granted else "consent.withdraw",
        object_type="consent",
        object_id=consent.pk,
        customer_id=customer.pk,
        changes={"channel": channel, "purpose": purpose, "source": source},
    )
    return consent


_ALLOWED_TRANSITIONS = {
    LifecycleStage.PROSPECT: {LifecycleStage.ONBOARDING, LifecycleStage.CHURNED},
    LifecycleStage.ONBOARDING: {LifecycleStage.ACTIVE, LifecycleStage.CHURNED},
    LifecycleStage.ACTIVE: {LifecycleStage.DORMANT, LifecycleStage.CHURNED},
    LifecycleStage.DORMANT: {LifecycleStage.ACTIVE, LifecycleStage.CHURNED},
    LifecycleStage.CHURNED: {LifecycleStage.WON_BACK},
    LifecycleStage.WON_BACK: {
        LifecycleStage.ACTIVE,
        LifecycleStage.DORMANT,
        LifecycleStage.CHURNED,
    },
}


def lifecycle_next_stages(stage: str) -> list[str]:
    return [s for s in LifecycleStage.values if s in _ALLOWED_TRANSITIONS.get(stage, set())]


@transaction.atomic
def lifecycle_change(*, actor, customer: Customer, to_stage: str, reason: str) -> LifecycleEvent:
    """Move the customer to another lifecycle stage, recording when, why and by whom."""

    ensure_perm(actor, "customers.change_lifecycle")
    reason = (reason or "").strip()
    errors = {}
    if to_stage not in _ALLOWED_TRANSITIONS.get(customer.lifecycle_stage, set()):
        errors["to_stage"] = _("A customer cannot move from %(from)s to %(to)s.") % {
            "from": LifecycleStage(customer.lifecycle_stage).label,
            "to": LifecycleStage(to_stage).label if to_stage in LifecycleStage.values else to_stage,
        }
    if not reason:
        errors["reason"] = _("Give a reason for the change.")
    if errors:
        raise ValidationError(errors)
    from_stage = customer.lifecycle_stage
    updated = Customer.objects.filter(pk=customer.pk, lifecycle_stage=from_stage).update(
        lifecycle_stage=to_stage, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    event = LifecycleEvent.objects.create(
        customer=customer,
        from_stage=from_stage,
        to_stage=to_stage,
        reason=reason,
        actor=actor,
        at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="customer.lifecycle",
        object_type="customer",
        object_id=customer.pk,
        customer_id=customer.pk,
        changes={"lifecycle_stage": [from_stage, to_stage]},
        reason=reason,
    )
    customer.refresh_from_db()
    return event


@transaction.atomic
def relationship_add(
    *, actor, customer: Customer, related: Customer, kind: str, note: str = ""
) -> Relationship:

    ensure_perm(actor, "customers.change_customer")
    if customer.pk == related.pk:
        raise ValidationError({"related": _("A customer cannot be related to themselves.")})
    relationship, created = Relationship.objects.get_or_create(
        customer=customer, related=related, kind=kind, defaults={"note": note}
    )
    if created:
        audit_record(
            actor=actor,
            action="relationship.add",
            object_type="relationship",
            object_id=relationship.pk,
            customer_id=customer.pk,
            changes={"kind": kind, "related": related.pk},
        )
    return relationship
