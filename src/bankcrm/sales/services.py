"""Writes of the sales app. Each one is a transaction with its audit event inside.

Personal data of prospects (name, mobile) is never written to the audit trail: a change names the
field only.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common import identifiers
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.common.protection import index_digest
from bankcrm.customers.models import Customer
from bankcrm.interactions.models import Interaction
from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role
from bankcrm.org.selectors import branch_subtree_ids
from bankcrm.sales.models import (
    AssignmentRule,
    BusinessLine,
    Contract,
    CustomerPoolEvent,
    Instalment,
    Lead,
    LeadActivity,
    Opportunity,
    Payment,
    ProductLine,
    Quote,
    QuoteItem,
    Stage,
    StageHistory,
)
from bankcrm.sales.selectors import pool_setting_for, pool_shortest_days

MAX_AMOUNT = Decimal("9999999999999999.99")


# ---------------------------------------------------------------------------------------------
# Leads


def _clean_amount(value: Any, name: str, errors: dict, *, required: bool = False):
    if value in (None, ""):
        if required:
            errors[name] = _("An amount is required.")
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError):
        errors[name] = _("Enter an amount, such as 250000.00.")
        return None
    if amount < 0 or amount > MAX_AMOUNT:
        errors[name] = _("Enter an amount between 0 and 9,999,999,999,999,999.99.")
        return None
    return amount


def _check_product(line: ProductLine | None, product, errors: dict) -> None:
    if product is None or line is None:
        return
    if line.product_types and product.type not in line.product_types:
        errors["product"] = _("%(product)s is not a product of the %(line)s line.") % {
            "product": product.name,
            "line": line.name,
        }


def _lock_staff(staff: Staff) -> None:
    """Serialise assignments to one RM, so two at once cannot both pass the cap."""
    list(Staff.objects.select_for_update().filter(pk=staff.pk).values_list("pk", flat=True))


def _open_leads_of(staff: Staff) -> int:
    return Lead.objects.filter(assignee=staff, status__in=Lead.OPEN_STATUSES).count()


def _check_cap(staff: Staff, branch: Branch, field_name: str) -> None:
    cap = pool_setting_for(branch).lead_cap
    if _open_leads_of(staff) >= cap:
        raise ValidationError(
            {
                field_name: _(
                    "%(name)s already has %(cap)s open leads, the most allowed; "
                    "they get no more until some are closed."
                )
                % {"name": str(staff), "cap": cap}
            }
        )


def _eligible_for(staff: Staff, branch: Branch) -> bool:
    """An active RM of the lead's branch or a branch above or below it."""
    if not staff.is_active or staff.role != Role.RELATIONSHIP_MANAGER:
        return False
    return branch.path.startswith(staff.branch.path) or staff.branch.path.startswith(branch.path)


def assignment_candidates(*, branch: Branch, product_line: ProductLine | None) -> list[Staff]:
    """The RMs the most specific active rule makes eligible for a lead of this branch and line
    (every active RM of the branch when no rule applies)."""
    ancestors = [p for p in branch.path.strip("/").split("/") if p]
    rules = (
        AssignmentRule.objects.filter(active=True, branch__code__in=ancestors)
        .filter(Q(product_line=product_line) | Q(product_line__isnull=True))
        .select_related("branch")
        .prefetch_related("rms")
    )

    def specificity(rule: AssignmentRule) -> tuple:
        return (-len(rule.branch.path), rule.product_line_id is None, rule.position, rule.pk)

    for rule in sorted(rules, key=specificity):
        rms = [s for s in rule.rms.all() if s.is_active and s.role == Role.RELATIONSHIP_MANAGER]
        if not rms:
            rms = list(
                Staff.objects.filter(
                    branch=rule.branch, role=Role.RELATIONSHIP_MANAGER, is_active=True
                )
            )
        if rms:
            return rms
    return list(Staff.objects.filter(branch=branch, role=Role.RELATIONSHIP_MANAGER, is_active=True))


def assignment_pick(*, branch: Branch, product_line: ProductLine | None) -> Staff | None:
    """The eligible RM with the fewest open leads, below the cap (ties: lowest id); None when
    all are at the cap (the lead then waits in the pool)."""
    candidates = assignment_candidates(branch=branch, product_line=product_line)
    if not candidates:
        return None
    cap = pool_setting_for(branch).lead_cap
    from django.db.models import Count

    loads = dict(
        Lead.objects.filter(assignee__in=candidates, status__in=Lead.OPEN_STATUSES)
        .values_list("assignee_id")
        .annotate(n=Count("id"))
    )
    below = [s for s in candidates if loads.get(s.pk, 0) < cap]
    if not below:
        return None
    return min(below, key=lambda s: (loads.get(s.pk, 0), s.pk))


@dataclass
class LeadData:
    """What a lead is made of, as entered on the form, the API or an import row."""

    source: str
    branch: Branch | None
    customer: Customer | None = None
    prospect_name: str = ""
    prospect_mobile: str = ""
    product_line: ProductLine | None = None
    product: Any = None
    expected_amount: Any = None
    referrer: Staff | None = None
    referrer_line: str = ""
    source_detail: str = ""
    notes: str = ""


def _clean_lead(data: LeadData) -> dict[str, Any]:
    errors: dict[str, str] = {}
    values: dict[str, Any] = {}
    if data.source not in Lead.Source.values:
        errors["source"] = _("Choose a source.")
    if data.branch is None:
        errors["branch"] = _("Choose a branch.")
    name = (data.prospect_name or "").strip()
    mobile = (data.prospect_mobile or "").strip()
    if data.customer is None:
        if not name:
            errors["prospect_name"] = _("Name the prospect, or choose an existing customer.")
        elif len(name) > 100:
            errors["prospect_name"] = _("A name has at most 100 characters.")
        if mobile:
            try:
                mobile = identifiers.mobile(mobile).value
            except ValidationError as exc:
                errors["prospect_mobile"] = exc.messages[0]
        else:
            errors["prospect_mobile"] = _("A prospect's mobile is required to follow them up.")
    else:
        name, mobile = "", ""
    if data.source == Lead.Source.REFERRAL:
        if data.referrer is None:
            errors["referrer"] = _("A referral names the colleague who referred it.")
        if data.referrer_line not in BusinessLine.values:
            errors["referrer_line"] = _("Choose the referrer's business line.")
    elif data.referrer is not None:
        errors["referrer"] = _("Only a referral has a referrer.")
    if data.referrer_line and data.referrer_line not in BusinessLine.values:
        errors["referrer_line"] = _("Choose the referrer's business line.")
    if data.source in (Lead.Source.EVENT, Lead.Source.CAMPAIGN) and not data.source_detail.strip():
        errors["source_detail"] = _("Name the event or campaign.")
    if len(data.source_detail or "") > 100:
        errors["source_detail"] = _("At most 100 characters.")
    _check_product(data.product_line, data.product, errors)
    amount = _clean_amount(data.expected_amount, "expected_amount", errors)
    if errors:
        raise ValidationError(errors)
    values.update(
        source=data.source,
        source_detail=(data.source_detail or "").strip(),
        branch=data.branch,
        customer=data.customer,
        prospect_name=name,
        prospect_mobile=mobile,
        prospect_mobile_bidx=index_digest(Lead, "prospect_mobile", mobile) if mobile else "",
        product_line=data.product_line,
        product=data.product,
        expected_amount=amount,
        referrer=data.referrer,
        referrer_line=data.referrer_line if data.referrer else "",
        notes=(data.notes or "").strip(),
    )
    return values


@transaction.atomic
def lead_create(
    *,
    actor,
    data: LeadData,
    assignee: Staff | None = None,
    auto_assign: bool = True,
    now: datetime | None = None,
) -> Lead:
    """Record a lead. With `assignee` (oneself, or anyone with sales.assign_lead) it goes to
    them; otherwise the assignment rules pick an RM, or it waits in the branch's pool."""
    ensure_perm(actor, "sales.add_lead")
    now = now or timezone.now()
    values = _clean_lead(data)
    branch = values["branch"]
    how = "pool"
    if assignee is not None:
        if assignee.pk != actor.pk:
            ensure_perm(actor, "sales.assign_lead")
        if not _eligible_for(assignee, branch):
            raise ValidationError(
                {"assignee": _("Choose an active relationship manager of the lead's branch.")}
            )
        _lock_staff(assignee)
        _check_cap(assignee, branch, "assignee")
        how = "manual"
    elif auto_assign:
        assignee = assignment_pick(branch=branch, product_line=values["product_line"])
        if assignee is not None:
            _lock_staff(assignee)
            how = "rule"
    lead = Lead.objects.create(
        **values,
        assignee=assignee,
        assigned_at=now if assignee else None,
        pooled_at=None if assignee else now,
        created_by=actor if getattr(actor, "pk", None) else None,
        created_at=now,
    )
    if assignee is not None:
        LeadActivity.objects.create(
            lead=lead,
            kind=LeadActivity.Kind.ASSIGNED,
            staff=assignee,
            note=how,
            at=now,
        )
    audit_record(
        actor=actor,
        action="lead.create",
        object_type="lead",
        object_id=lead.pk,
        customer_id=lead.customer_id,
        changes={
            "source": lead.source,
            "branch": branch.pk,
            "assignee": assignee.pk if assignee else None,
            "assigned_by": how,
            "referrer": lead.referrer_id,
            "prospect_name": None if lead.prospect_name else "",
            "prospect_mobile": None if lead.prospect_mobile else "",
        },
    )
    return lead


def _assign(*, lead: Lead, assignee: Staff, kind: str, actor, now: datetime) -> Lead:
    LeadActivity.objects.create(lead=lead, kind=kind, staff=assignee, note="", at=now)
    audit_record(
        actor=actor,
        action="lead.claim" if kind == LeadActivity.Kind.CLAIMED else "lead.assign",
        object_type="lead",
        object_id=lead.pk,
        customer_id=lead.customer_id,
        changes={"assignee": [lead.assignee_id, assignee.pk]},
    )
    lead.refresh_from_db()
    return lead


@transaction.atomic
def lead_assign(
    *, actor, lead: Lead, assignee: Staff, version: int, now: datetime | None = None
) -> Lead:
    """Give an open lead to an RM (a manager's decision), within the RM's cap."""
    ensure_perm(actor, "sales.assign_lead")
    now = now or timezone.now()
    if not lead.is_open:
        raise ValidationError({"assignee": _("Only an open lead can be assigned.")})
    if not _eligible_for(assignee, lead.branch):
        raise ValidationError(
            {"assignee": _("Choose an active relationship manager of the lead's branch.")}
        )
    if assignee.pk == lead.assignee_id:
        return lead
    _lock_staff(assignee)
    _check_cap(assignee, lead.branch, "assignee")
    updated = Lead.objects.filter(pk=lead.pk, version=version).update(
        assignee=assignee,
        assigned_at=now,
        last_follow_up_at=None,
        pooled_at=None,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ConflictError()
    return _assign(
        lead=lead, assignee=assignee, kind=LeadActivity.Kind.ASSIGNED, actor=actor, now=now
    )


@transaction.atomic
def lead_claim(*, actor, lead: Lead, now: datetime | None = None) -> Lead:
    """Take a lead from the pool. First come wins: the update only happens while the lead is
    still unassigned, so of two claims at once one succeeds and the other is told it is gone."""
    ensure_perm(actor, "sales.claim_lead")
    now = now or timezone.now()
    if actor.role != Role.RELATIONSHIP_MANAGER or not _eligible_for(actor, lead.branch):
        raise ValidationError({"lead": _("Only a relationship manager of the branch can claim.")})
    _lock_staff(actor)
    _check_cap(actor, lead.branch, "lead")
    updated = Lead.objects.filter(
        pk=lead.pk, assignee__isnull=True, status__in=Lead.OPEN_STATUSES
    ).update(
        assignee=actor,
        assigned_at=now,
        last_follow_up_at=None,
        pooled_at=None,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ConflictError(_("Someone else claimed this lead first; it is no longer in the pool."))
    return _assign(lead=lead, assignee=actor, kind=LeadActivity.Kind.CLAIMED, actor=actor, now=now)


_LEAD_NEXT = {
    Lead.Status.NEW: {Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.DISQUALIFIED},
    Lead.Status.CONTACTED: {Lead.Status.QUALIFIED, Lead.Status.DISQUALIFIED},
    Lead.Status.QUALIFIED: {Lead.Status.CONTACTED, Lead.Status.DISQUALIFIED},
}


@transaction.atomic
def lead_follow_up(
    *,
    actor,
    lead: Lead,
    version: int,
    note: str,
    status: str = "",
    now: datetime | None = None,
) -> Lead:
    """Record a follow-up of an open lead (which restarts its pool clock), optionally moving it
    to contacted, qualified or disqualified (a disqualification needs the note as its reason)."""
    ensure_perm(actor, "sales.change_lead")
    now = now or timezone.now()
    note = (note or "").strip()
    errors = {}
    if not lead.is_open:
        errors["status"] = _("This lead is closed.")
    elif status and status != lead.status and status not in _LEAD_NEXT[lead.status]:
        errors["status"] = _("A lead cannot move from %(from)s to %(to)s.") % {
            "from": Lead.Status(lead.status).label,
            "to": Lead.Status(status).label if status in Lead.Status.values else status,
        }
    if not note:
        errors["note"] = _("Say what was done or agreed.")
    elif len(note) > 500:
        errors["note"] = _("At most 500 characters.")
    if lead.assignee_id != actor.pk and not actor.has_perm("sales.assign_lead"):
        errors["lead"] = _("Only the lead's relationship manager can follow it up.")
    if errors:
        raise ValidationError(errors)
    values: dict[str, Any] = {"last_follow_up_at": now}
    if status and status != lead.status:
        values["status"] = status
        if status == Lead.Status.DISQUALIFIED:
            values["disqualify_reason"] = note[:255]
    updated = Lead.objects.filter(pk=lead.pk, version=version).update(
        **values, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    LeadActivity.objects.create(
        lead=lead,
        kind=LeadActivity.Kind.STATUS if "status" in values else LeadActivity.Kind.FOLLOW_UP,
        staff=actor,
        note=note,
        at=now,
    )
    audit_record(
        actor=actor,
        action="lead.follow_up",
        object_type="lead",
        object_id=lead.pk,
        customer_id=lead.customer_id,
        changes={"status": [lead.status, values.get("status", lead.status)]},
    )
    lead.refresh_from_db()
    return lead


# ---------------------------------------------------------------------------------------------
# The shared pool


@dataclass
class PoolReturn:
    leads: list[int] = field(default_factory=list)
    customers: list[int] = field(default_factory=list)


def _threshold(branch_id: int, cache: dict, now: datetime) -> tuple[datetime, bool]:
    if branch_id not in cache:
        setting = pool_setting_for(Branch.objects.get(pk=branch_id))
        cache[branch_id] = (
            now - timedelta(days=setting.return_after_days),
            setting.pool_customers,
        )
    return cache[branch_id]


def pool_return(*, now: datetime | None = None) -> PoolReturn:
    """Return to the pool every open lead and every customer that nobody followed up for the
    branch's number of days (PoolSetting). Each return is its own transaction, audited with no
    actor (the rule). Run by the periodic task and `bankcrm return_to_pool`."""
    now = now or timezone.now()
    result = PoolReturn()
    cache: dict[int, tuple[datetime, bool]] = {}
    shortest = pool_shortest_days()
    earliest = now - timedelta(days=shortest)
    leads = (
        Lead.objects.filter(assignee__isnull=False, status__in=Lead.OPEN_STATUSES)
        .annotate(clock=Coalesce(Greatest("last_follow_up_at", "assigned_at"), "assigned_at"))
        .filter(clock__lt=earliest)
        .values_list("pk", "branch_id", "clock")
    )
    for pk, branch_id, clock in list(leads):
        limit, _customers = _threshold(branch_id, cache, now)
        if clock < limit and _lead_return(pk=pk, limit=limit, now=now):
            result.leads.append(pk)

    # A customer's clock: the latest contact (interaction), follow-up of one of their leads,
    # stage move of one of their opportunities, claim from the pool, or their creation.
    def latest(qs, column: str):
        return Subquery(qs.order_by(f"-{column}").values(column)[:1])

    customer = OuterRef("pk")
    customers = (
        Customer.objects.filter(rm__isnull=False, created_at__lt=earliest)
        .annotate(
            last_contact=latest(Interaction.objects.filter(customer=customer), "occurred_at"),
            last_lead=latest(
                Lead.objects.filter(customer=customer, last_follow_up_at__isnull=False),
                "last_follow_up_at",
            ),
            last_move=latest(
                StageHistory.objects.filter(opportunity__customer=customer), "entered_at"
            ),
            last_claim=latest(
                CustomerPoolEvent.objects.filter(customer=customer, kind="claimed"), "at"
            ),
        )
        .annotate(
            clock=Greatest(
                *(
                    Coalesce(name, "created_at")
                    for name in ("last_contact", "last_lead", "last_move", "last_claim")
                ),
                "created_at",
            )
        )
        .filter(clock__lt=earliest)
        .values_list("pk", "branch_id", "clock")
    )
    for pk, branch_id, clock in list(customers):
        limit, pool_customers = _threshold(branch_id, cache, now)
        if pool_customers and clock < limit and _customer_return(pk=pk, now=now):
            result.customers.append(pk)
    return result


@transaction.atomic
def _lead_return(*, pk: int, limit: datetime, now: datetime) -> bool:
    lead = Lead.objects.select_for_update().filter(pk=pk).first()
    if lead is None or lead.assignee_id is None or not lead.is_open:
        return False
    clock = max(filter(None, [lead.last_follow_up_at, lead.assigned_at]), default=None)
    if clock is None or clock >= limit:
        return False  # followed up meanwhile
    previous = lead.assignee_id
    Lead.objects.filter(pk=pk).update(assignee=None, pooled_at=now, version=F("version") + 1)
    LeadActivity.objects.create(
        lead=lead, kind=LeadActivity.Kind.RETURNED, staff_id=previous, at=now, note=""
    )
    audit_record(
        actor=None,
        action="lead.return_to_pool",
        object_type="lead",
        object_id=pk,
        customer_id=lead.customer_id,
        changes={"assignee": [previous, None], "last_follow_up": clock.isoformat()},
        reason="no follow-up",
    )
    return True


@transaction.atomic
def _customer_return(*, pk: int, now: datetime) -> bool:
    from bankcrm.customers.services import customer_assign

    customer = Customer.objects.select_for_update().filter(pk=pk).first()
    if customer is None or customer.rm_id is None:
        return False
    previous = customer.rm_id
    customer_assign(actor=None, customer=customer, rm=None, rule="pool_return")
    CustomerPoolEvent.objects.create(
        customer=customer, kind=CustomerPoolEvent.Kind.RETURNED, staff_id=previous, at=now
    )
    audit_record(
        actor=None,
        action="customer.return_to_pool",
        object_type="customer",
        object_id=pk,
        customer_id=pk,
        changes={"rm": [previous, None]},
        reason="no follow-up",
    )
    return True


@transaction.atomic
def customer_claim(*, actor, customer: Customer, now: datetime | None = None) -> Customer:
    """Take a customer from the pool (no relationship manager) of one's branch, within the cap
    on customers per RM. First come wins: the row is locked and must still be unassigned."""
    from bankcrm.customers.services import customer_assign

    ensure_perm(actor, "sales.claim_lead")
    now = now or timezone.now()
    if actor.role != Role.RELATIONSHIP_MANAGER or customer.branch_id not in branch_subtree_ids(
        actor.branch
    ):
        raise ValidationError(
            {"customer": _("Only a relationship manager of the branch can claim.")}
        )
    _lock_staff(actor)
    locked = Customer.objects.select_for_update().get(pk=customer.pk)
    if locked.rm_id is not None:
        raise ConflictError(
            _("Someone else claimed this customer first; they are no longer in the pool.")
        )
    cap = pool_setting_for(locked.branch).customer_cap
    if Customer.objects.filter(rm=actor).count() >= cap:
        raise ValidationError(
            {
                "customer": _("You already look after %(cap)s customers, the most allowed.")
                % {"cap": cap}
            }
        )
    customer = customer_assign(actor=actor, customer=locked, rm=actor, rule="pool_claim")
    CustomerPoolEvent.objects.create(
        customer=customer, kind=CustomerPoolEvent.Kind.CLAIMED, staff=actor, at=now
    )
    return customer


# ---------------------------------------------------------------------------------------------
# Opportunities


def _sell_gate(*, owner: Staff, product, errors: dict) -> None:
    if product is None:
        return
    from bankcrm.people.selectors import sell_block_reason

    reason = sell_block_reason(staff=owner, product=product)
    if reason:
        errors["product"] = reason


@transaction.atomic
def opportunity_create(
    *,
    actor,
    customer: Customer,
    line: ProductLine,
    name: str,
    amount: Any,
    expected_close: date | None,
    product=None,
    owner: Staff | None = None,
    probability: int | None = None,
    stage: Stage | None = None,
    lead: Lead | None = None,
    now: datetime | None = None,
) -> Opportunity:
    """Open an opportunity in the first open stage of its line (or `stage`). The owner must have
    completed the training a product requires (people.selectors.sell_block_reason)."""
    ensure_perm(actor, "sales.add_opportunity")
    now = now or timezone.now()
    owner = owner or actor
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("Name the opportunity.")
    elif len(name) > 200:
        errors["name"] = _("At most 200 characters.")
    if not line.active:
        errors["line"] = _("This product line is closed to new opportunities.")
    amount = _clean_amount(amount, "amount", errors, required=True)
    if expected_close is None:
        errors["expected_close"] = _("Give the expected close date.")
    if stage is None:
        stage = line.stages.filter(kind=Stage.Kind.OPEN).order_by("position").first()
        if stage is None:
            errors["line"] = _("This product line has no stages.")
    elif stage.line_id != line.pk or stage.terminal:
        errors["stage"] = _("Choose an open stage of the product line.")
    if probability is not None and not 0 <= probability <= 100:
        errors["probability"] = _("A probability is between 0 and 100.")
    if owner.pk != actor.pk and not actor.has_perm("sales.assign_lead"):
        errors["owner"] = _("You may only open opportunities for yourself.")
    elif not owner.is_active:
        errors["owner"] = _("Choose an active member of staff.")
    _check_product(line, product, errors)
    if "product" not in errors:
        _sell_gate(owner=owner, product=product, errors=errors)
    if errors:
        raise ValidationError(errors)
    opportunity = Opportunity.objects.create(
        name=name,
        customer=customer,
        branch_id=customer.branch_id,
        owner=owner,
        line=line,
        stage=stage,
        product=product,
        lead=lead,
        amount=amount,
        probability=stage.probability if probability is None else probability,
        expected_close=expected_close,
        created_by=actor,
        created_at=now,
    )
    StageHistory.objects.create(opportunity=opportunity, stage=stage, entered_at=now, actor=actor)
    audit_record(
        actor=actor,
        action="opportunity.create",
        object_type="opportunity",
        object_id=opportunity.pk,
        customer_id=customer.pk,
        changes={
            "line": line.code,
            "stage": stage.code,
            "amount": str(amount),
            "owner": owner.pk,
            "product": product.pk if product else None,
        },
    )
    return opportunity


@transaction.atomic
def lead_convert(
    *,
    actor,
    lead: Lead,
    version: int,
    customer: Customer | None,
    line: ProductLine,
    name: str,
    amount: Any,
    expected_close: date | None,
    product=None,
    now: datetime | None = None,
) -> Opportunity:
    """Turn a qualified (or contacted) lead into an opportunity owned by the lead's RM. A
    prospect's lead needs the customer record opened for them first (`customer`)."""
    ensure_perm(actor, "sales.change_lead")
    now = now or timezone.now()
    customer = lead.customer or customer
    errors = {}
    if not lead.is_open:
        errors["lead"] = _("This lead is closed.")
    if customer is None:
        errors["customer"] = _("Choose the customer record opened for this prospect.")
    if lead.assignee_id is None:
        errors["lead"] = _("Claim or assign the lead before converting it.")
    elif lead.assignee_id != actor.pk and not actor.has_perm("sales.assign_lead"):
        errors["lead"] = _("Only the lead's relationship manager can convert it.")
    if errors:
        raise ValidationError(errors)
    opportunity = opportunity_create(
        actor=actor,
        customer=customer,
        line=line,
        name=name,
        amount=amount,
        expected_close=expected_close,
        product=product,
        owner=lead.assignee,
        lead=lead,
        now=now,
    )
    updated = Lead.objects.filter(pk=lead.pk, version=version).update(
        status=Lead.Status.CONVERTED,
        customer=customer,
        converted_at=now,
        last_follow_up_at=now,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ConflictError()
    LeadActivity.objects.create(
        lead=lead, kind=LeadActivity.Kind.STATUS, staff=actor, note=opportunity.name, at=now
    )
    audit_record(
        actor=actor,
        action="lead.convert",
        object_type="lead",
        object_id=lead.pk,
        customer_id=customer.pk,
        changes={"status": [lead.status, "converted"], "opportunity": opportunity.pk},
    )
    return opportunity


@transaction.atomic
def opportunity_move(
    *,
    actor,
    opportunity: Opportunity,
    stage: Stage,
    version: int,
    reason: str = "",
    now: datetime | None = None,
) -> Opportunity:
    """Move an open opportunity to another stage of its line: forward, back, won, or lost (with
    a reason). Won and lost are final. The stage history records when each stage was entered
    and left (cycle times)."""
    ensure_perm(actor, "sales.change_opportunity")
    now = now or timezone.now()
    reason = (reason or "").strip()
    errors = {}
    if opportunity.status != Opportunity.Status.OPEN:
        errors["stage"] = _("This opportunity is closed (%(status)s): its stage is final.") % {
            "status": opportunity.get_status_display()
        }
    elif stage.line_id != opportunity.line_id:
        errors["stage"] = _("Choose a stage of the opportunity's own product line.")
    elif stage.pk == opportunity.stage_id:
        errors["stage"] = _("The opportunity is already at this stage.")
    elif stage.kind == Stage.Kind.LOST and not reason:
        errors["reason"] = _("Say why the opportunity was lost.")
    if len(reason) > 255:
        errors["reason"] = _("At most 255 characters.")
    if opportunity.owner_id != actor.pk and not actor.has_perm("sales.assign_lead"):
        errors["stage"] = _("Only the opportunity's owner or a manager can move it.")
    if errors:
        raise ValidationError(errors)
    status = {
        Stage.Kind.OPEN: Opportunity.Status.OPEN,
        Stage.Kind.WON: Opportunity.Status.WON,
        Stage.Kind.LOST: Opportunity.Status.LOST,
    }[stage.kind]
    from_stage = opportunity.stage
    updated = Opportunity.objects.filter(
        pk=opportunity.pk, version=version, status=Opportunity.Status.OPEN
    ).update(
        stage=stage,
        status=status,
        probability=stage.probability,
        lost_reason=reason if status == Opportunity.Status.LOST else "",
        closed_at=now if status != Opportunity.Status.OPEN else None,
        version=F("version") + 1,
    )
    if updated != 1:
        raise ConflictError()
    StageHistory.objects.filter(opportunity=opportunity, left_at__isnull=True).update(left_at=now)
    StageHistory.objects.create(
        opportunity=opportunity, stage=stage, entered_at=now, actor=actor, note=reason
    )
    direction = "forward" if stage.position > from_stage.position else "back"
    if stage.terminal:
        direction = stage.kind
    audit_record(
        actor=actor,
        action=f"opportunity.{'stage' if not stage.terminal else stage.kind}",
        object_type="opportunity",
        object_id=opportunity.pk,
        customer_id=opportunity.customer_id,
        changes={"stage": [from_stage.code, stage.code], "direction": direction},
        reason=reason,
    )
    opportunity.refresh_from_db()
    return opportunity


@transaction.atomic
def opportunity_update(*, actor, opportunity: Opportunity, version: int, **changes) -> Opportunity:
    """Change an open opportunity's name, amount, probability or expected close."""
    ensure_perm(actor, "sales.change_opportunity")
    allowed = {"name", "amount", "probability", "expected_close"}
    unknown = set(changes) - allowed
    if unknown:
        raise TypeError(f"opportunity_update got unexpected fields: {sorted(unknown)}")
    errors: dict[str, str] = {}
    if opportunity.status != Opportunity.Status.OPEN:
        errors["name"] = _("A closed opportunity cannot be changed.")
    if opportunity.owner_id != actor.pk and not actor.has_perm("sales.assign_lead"):
        errors["name"] = _("Only the opportunity's owner or a manager can change it.")
    if "name" in changes:
        changes["name"] = (changes["name"] or "").strip()
        if not changes["name"]:
            errors["name"] = _("Name the opportunity.")
    if "amount" in changes:
        changes["amount"] = _clean_amount(changes["amount"], "amount", errors, required=True)
    if "probability" in changes:
        p = changes["probability"]
        if p is None or not 0 <= int(p) <= 100:
            errors["probability"] = _("A probability is between 0 and 100.")
    if "expected_close" in changes and changes["expected_close"] is None:
        errors["expected_close"] = _("Give the expected close date.")
    if errors:
        raise ValidationError(errors)
    log = {
        k: [str(getattr(opportunity, k)), str(v)]
        for k, v in changes.items()
        if getattr(opportunity, k) != v
    }
    if not log:
        return opportunity
    updated = Opportunity.objects.filter(pk=opportunity.pk, version=version).update(
        **changes, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    audit_record(
        actor=actor,
        action="opportunity.update",
        object_type="opportunity",
        object_id=opportunity.pk,
        customer_id=opportunity.customer_id,
        changes=log,
    )
    opportunity.refresh_from_db()
    return opportunity


# ---------------------------------------------------------------------------------------------
# Quotes, contracts, collection plans, payments


@dataclass
class QuoteLine:
    description: str
    quantity: Any
    unit_price: Any


def _next_number(prefix: str, model, now: datetime) -> str:
    stamp = timezone.localtime(now).strftime("%Y%m")
    last = (
        model.objects.filter(number__startswith=f"{prefix}{stamp}")
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    n = int(last[-4:]) + 1 if last else 1
    return f"{prefix}{stamp}{n:04d}"


@transaction.atomic
def quote_create(
    *,
    actor,
    opportunity: Opportunity,
    title: str,
    valid_until: date | None,
    items: list[QuoteLine],
    now: datetime | None = None,
) -> Quote:
    """A proposal for an open opportunity: its lines, their total, and how long it stands."""
    ensure_perm(actor, "sales.add_quote")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Give the quote a title.")
    if opportunity.status != Opportunity.Status.OPEN:
        errors["title"] = _("Only an open opportunity can be quoted.")
    if valid_until is None:
        errors["valid_until"] = _("Give the date the quote is valid until.")
    elif valid_until < timezone.localdate(now):
        errors["valid_until"] = _("A quote cannot expire in the past.")
    cleaned = []
    for n, item in enumerate(items, start=1):
        description = (item.description or "").strip()
        qty = _clean_amount(item.quantity, "items", errors, required=True)
        price = _clean_amount(item.unit_price, "items", errors, required=True)
        if not description:
            errors["items"] = _("Line %(n)s needs a description.") % {"n": n}
        elif qty is not None and qty <= 0:
            errors["items"] = _("Line %(n)s needs a quantity above zero.") % {"n": n}
        cleaned.append((description[:200], qty, price))
    if not items:
        errors["items"] = _("A quote has at least one line.")
    if errors:
        raise ValidationError(errors)
    total = sum(((q * p).quantize(Decimal("0.01")) for _d, q, p in cleaned), Decimal("0"))
    if total > MAX_AMOUNT:
        raise ValidationError({"items": _("The quote's total is too large.")})
    quote = Quote.objects.create(
        opportunity=opportunity,
        number=_next_number("Q", Quote, now),
        title=title,
        valid_until=valid_until,
        amount=total,
        created_by=actor,
        created_at=now,
    )
    QuoteItem.objects.bulk_create(
        QuoteItem(quote=quote, description=d, quantity=q, unit_price=p, position=i)
        for i, (d, q, p) in enumerate(cleaned)
    )
    audit_record(
        actor=actor,
        action="quote.create",
        object_type="quote",
        object_id=quote.pk,
        customer_id=opportunity.customer_id,
        changes={"opportunity": opportunity.pk, "amount": str(total)},
    )
    return quote


_QUOTE_NEXT = {
    Quote.Status.DRAFT: {Quote.Status.SENT},
    Quote.Status.SENT: {Quote.Status.ACCEPTED, Quote.Status.REJECTED},
}


@transaction.atomic
def quote_set_status(
    *, actor, quote: Quote, status: str, version: int, now: datetime | None = None
) -> Quote:
    """Send a draft; record the customer's acceptance or rejection of a sent quote (while
    valid)."""
    ensure_perm(actor, "sales.change_quote")
    now = now or timezone.now()
    if status not in _QUOTE_NEXT.get(quote.status, set()):
        raise ValidationError(
            {
                "status": _("A quote cannot move from %(from)s to %(to)s.")
                % {
                    "from": Quote.Status(quote.status).label,
                    "to": Quote.Status(status).label if status in Quote.Status.values else status,
                }
            }
        )
    if status == Quote.Status.ACCEPTED and quote.valid_until < timezone.localdate(now):
        raise ValidationError({"status": _("This quote has expired; make a new one.")})
    updated = Quote.objects.filter(pk=quote.pk, version=version).update(
        status=status, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    audit_record(
        actor=actor,
        action="quote.status",
        object_type="quote",
        object_id=quote.pk,
        customer_id=quote.opportunity.customer_id,
        changes={"status": [quote.status, status]},
    )
    quote.refresh_from_db()
    return quote


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year = day.year + month // 12
    month = month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def equal_instalments(
    *, amount: Decimal, first_due: date, count: int
) -> list[tuple[date, Decimal]]:
    """A plan of `count` monthly instalments adding up exactly to `amount` (the last one takes
    the rounding)."""
    part = (amount / count).quantize(Decimal("0.01"))
    plan = [(add_months(first_due, i), part) for i in range(count - 1)]
    plan.append((add_months(first_due, count - 1), amount - part * (count - 1)))
    return plan


@transaction.atomic
def contract_create(
    *,
    actor,
    opportunity: Opportunity,
    number: str,
    signed_on: date | None,
    amount: Any,
    term_months: int | None,
    plan: list[tuple[date, Any]],
    now: datetime | None = None,
) -> Contract:
    """Record a signed contract of an opportunity (open or won) with its payment collection
    plan; the instalments add up to the contract amount."""
    ensure_perm(actor, "sales.add_contract")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    number = (number or "").strip()
    if not number:
        errors["number"] = _("Give the contract number.")
    elif len(number) > 40:
        errors["number"] = _("At most 40 characters.")
    elif Contract.objects.filter(number=number).exists():
        errors["number"] = _("A contract with this number is already recorded.")
    if opportunity.status == Opportunity.Status.LOST:
        errors["number"] = _("A lost opportunity has no contract.")
    if signed_on is None:
        errors["signed_on"] = _("Give the date it was signed.")
    elif signed_on > timezone.localdate(now):
        errors["signed_on"] = _("A contract cannot be signed in the future.")
    amount = _clean_amount(amount, "amount", errors, required=True)
    if amount is not None and amount <= 0:
        errors["amount"] = _("A contract's amount is above zero.")
    if not term_months or not 1 <= term_months <= 600:
        errors["term_months"] = _("A term is between 1 and 600 months.")
    cleaned = []
    for n, (due, value) in enumerate(plan, start=1):
        value = _clean_amount(value, "plan", errors, required=True)
        if due is None:
            errors["plan"] = _("Instalment %(n)s needs a due date.") % {"n": n}
        elif value is not None and value <= 0:
            errors["plan"] = _("Instalment %(n)s needs an amount above zero.") % {"n": n}
        cleaned.append((due, value))
    if not plan:
        errors["plan"] = _("A contract has a payment collection plan of at least one instalment.")
    elif "plan" not in errors and amount is not None:
        total = sum((v for _d, v in cleaned), Decimal("0"))
        if total != amount:
            errors["plan"] = _(
                "The instalments add up to %(total)s, not the contract amount %(amount)s."
            ) % {"total": total, "amount": amount}
    if errors:
        raise ValidationError(errors)
    contract = Contract.objects.create(
        opportunity=opportunity,
        number=number,
        signed_on=signed_on,
        amount=amount,
        term_months=term_months,
        created_by=actor,
        created_at=now,
    )
    Instalment.objects.bulk_create(
        Instalment(contract=contract, sequence=i, due_date=d, amount=v)
        for i, (d, v) in enumerate(sorted(cleaned, key=lambda x: x[0]), start=1)
    )
    audit_record(
        actor=actor,
        action="contract.create",
        object_type="contract",
        object_id=contract.pk,
        customer_id=opportunity.customer_id,
        changes={
            "opportunity": opportunity.pk,
            "amount": str(amount),
            "instalments": len(cleaned),
        },
    )
    return contract


@transaction.atomic
def payment_record(
    *,
    actor,
    instalment: Instalment,
    amount: Any,
    received_on: date | None,
    reference: str = "",
    now: datetime | None = None,
) -> Payment:
    """Record money received against an instalment, never more than is outstanding."""
    ensure_perm(actor, "sales.add_payment")
    now = now or timezone.now()
    errors: dict[str, str] = {}
    amount = _clean_amount(amount, "amount", errors, required=True)
    if amount is not None and amount <= 0:
        errors["amount"] = _("A payment is above zero.")
    if received_on is None:
        errors["received_on"] = _("Give the date it was received.")
    elif received_on > timezone.localdate(now):
        errors["received_on"] = _("A payment cannot be received in the future.")
    if len(reference or "") > 60:
        errors["reference"] = _("At most 60 characters.")
    if errors:
        raise ValidationError(errors)
    updated = Instalment.objects.filter(
        pk=instalment.pk, received__lte=F("amount") - amount
    ).update(received=F("received") + amount)
    if updated != 1:
        instalment.refresh_from_db()
        raise ValidationError(
            {
                "amount": _("Only %(left)s is outstanding on this instalment.")
                % {"left": instalment.outstanding}
            }
        )
    payment = Payment.objects.create(
        instalment=instalment,
        received_on=received_on,
        amount=amount,
        reference=(reference or "").strip(),
        recorded_by=actor,
        recorded_at=now,
    )
    audit_record(
        actor=actor,
        action="payment.record",
        object_type="payment",
        object_id=payment.pk,
        customer_id=instalment.contract.opportunity.customer_id,
        changes={"instalment": instalment.pk, "amount": str(amount)},
    )
    instalment.refresh_from_db()
    return payment


def lead_reveal(*, actor, lead: Lead, reason: str) -> str:
    """A prospect's mobile in clear, for a stated reason; audited (a refusal too)."""
    if not actor.has_perm("sales.reveal_lead"):
        audit_record(
            actor=actor,
            action="lead.reveal",
            object_type="lead",
            object_id=lead.pk,
            changes={"prospect_mobile": None},
            reason=reason or "",
            outcome="denied",
        )
        raise PermissionDenied("sales.reveal_lead")
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise ValidationError({"reason": _("State why you need to see this value.")})
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="lead.reveal",
            object_type="lead",
            object_id=lead.pk,
            changes={"prospect_mobile": None},
            reason=reason,
        )
    return lead.prospect_mobile
