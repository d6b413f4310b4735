"""Reads of sales data, always scoped to the actor (out of scope = missing = 404)."""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Min, Prefetch, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from bankcrm.customers.models import Customer
from bankcrm.org.models import Branch
from bankcrm.org.roles import Scope
from bankcrm.org.selectors import branch_subtree_ids
from bankcrm.sales.models import (
    Contract,
    Instalment,
    Lead,
    LeadActivity,
    Opportunity,
    PoolSetting,
    ProductLine,
    Quote,
    Stage,
    StageHistory,
)


@dataclass(frozen=True)
class SalesFigures:
    """One member of staff's sales in a period (for people/performance)."""

    won_count: int = 0
    won_amount: Decimal = Decimal("0")
    new_leads: int = 0
    referrals_given: int = 0


def sales_by_staff(*, start: date, end: date) -> dict[int, SalesFigures]:
    """Each staff member's figures for the days start..end (inclusive, the bank's local dates):
    opportunities won (by owner, on the day they were won), leads newly created and assigned to
    them (by assignee) and referrals they gave (by referrer). Not scoped: the caller (the
    performance pages) scopes by staff. Three grouped queries, whatever the number of staff."""
    won = (
        Opportunity.objects.filter(
            status=Opportunity.Status.WON, closed_at__date__gte=start, closed_at__date__lte=end
        )
        .values("owner_id")
        .annotate(n=Count("id"), total=Sum("amount"))
    )
    leads = (
        Lead.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end, assignee__isnull=False
        )
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    referrals = (
        Lead.objects.filter(
            created_at__date__gte=start, created_at__date__lte=end, referrer__isnull=False
        )
        .values("referrer_id")
        .annotate(n=Count("id"))
    )
    parts: dict[int, dict] = {}
    for row in won:
        parts.setdefault(row["owner_id"], {}).update(
            won_count=row["n"], won_amount=row["total"] or Decimal("0")
        )
    for row in leads:
        parts.setdefault(row["assignee_id"], {})["new_leads"] = row["n"]
    for row in referrals:
        parts.setdefault(row["referrer_id"], {})["referrals_given"] = row["n"]
    return {staff_id: SalesFigures(**values) for staff_id, values in parts.items()}


# ---------------------------------------------------------------------------------------------
# Settings of the pool


@dataclass(frozen=True)
class PoolRules:
    return_after_days: int
    lead_cap: int
    customer_cap: int
    pool_customers: bool
    source: str  # the branch code whose setting applies, "bank" or "default"


def pool_defaults() -> PoolRules:
    configured = getattr(settings, "SALES_POOL_DEFAULTS", {}) or {}
    return PoolRules(
        return_after_days=int(configured.get("return_after_days", 30)),
        lead_cap=int(configured.get("lead_cap", 50)),
        customer_cap=int(configured.get("customer_cap", 500)),
        pool_customers=bool(configured.get("pool_customers", True)),
        source="default",
    )


def pool_setting_for(branch: Branch | None) -> PoolRules:
    """The pool rules of a branch: its own setting, else the nearest branch above it that has
    one, else the bank-wide setting, else settings.SALES_POOL_DEFAULTS."""
    codes = [c for c in branch.path.strip("/").split("/") if c] if branch else []
    found = {
        (s.branch.code if s.branch_id else None): s
        for s in PoolSetting.objects.filter(
            Q(branch__code__in=codes) | Q(branch__isnull=True)
        ).select_related("branch")
    }
    for code in [*reversed(codes), None]:
        s = found.get(code)
        if s is not None:
            return PoolRules(
                return_after_days=s.return_after_days,
                lead_cap=s.lead_cap,
                customer_cap=s.customer_cap,
                pool_customers=s.pool_customers,
                source=code or "bank",
            )
    return pool_defaults()


def pool_shortest_days() -> int:
    """The fewest days any branch waits before returning to the pool (a cheap first filter)."""
    shortest = PoolSetting.objects.aggregate(n=Min("return_after_days"))["n"]
    default = pool_defaults().return_after_days
    return min(shortest, default) if shortest is not None else default


# ---------------------------------------------------------------------------------------------
# Scoped reads


def _branch_scoped(qs: QuerySet, actor, *, own: Q) -> QuerySet:
    if actor.scope == Scope.ALL:
        return qs
    if actor.scope == Scope.BRANCH_SUBTREE:
        if actor.branch.parent_id is None:
            return qs
        return qs.filter(branch_id__in=branch_subtree_ids(actor.branch))
    return qs.filter(own)


def leads_visible_to(actor) -> QuerySet[Lead]:
    """Leads the actor may read: by branch subtree, or for an RM the leads assigned to them and
    those they referred (a referrer follows what became of a referral)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("sales.view_lead"):
        return Lead.objects.none()
    return _branch_scoped(
        Lead.objects.all(), actor, own=Q(assignee_id=actor.pk) | Q(referrer_id=actor.pk)
    )


def lead_get(*, actor, pk: int) -> Lead:
    try:
        return (
            leads_visible_to(actor)
            .select_related("customer", "branch", "assignee", "referrer", "product_line", "product")
            .get(pk=pk)
        )
    except (Lead.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def pool_branch_ids(actor) -> list[int] | None:
    """The branches whose pool the actor sees (None: every branch)."""
    if actor.scope == Scope.ALL or actor.branch.parent_id is None:
        return None
    return branch_subtree_ids(actor.branch)


def pool_leads_for(actor) -> QuerySet[Lead]:
    """Open leads in the pool of the actor's branch (and the branches below it)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("sales.view_lead"):
        return Lead.objects.none()
    qs = Lead.objects.filter(assignee__isnull=True, status__in=Lead.OPEN_STATUSES)
    ids = pool_branch_ids(actor)
    return qs if ids is None else qs.filter(branch_id__in=ids)


def pool_lead_get(*, actor, pk: int) -> Lead:
    try:
        return pool_leads_for(actor).select_related("branch").get(pk=pk)
    except (Lead.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def pool_customers_for(actor) -> QuerySet[Customer]:
    """Customers without a relationship manager in the actor's branch subtree: the pool an RM
    may claim from (names only: the 360 opens once claimed)."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("sales.claim_lead"):
        return Customer.objects.none()
    qs = Customer.objects.filter(rm__isnull=True)
    ids = pool_branch_ids(actor)
    return qs if ids is None else qs.filter(branch_id__in=ids)


def pool_customer_get(*, actor, pk: int) -> Customer:
    try:
        return pool_customers_for(actor).select_related("branch").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def opportunities_visible_to(actor) -> QuerySet[Opportunity]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(
        "sales.view_opportunity"
    ):
        return Opportunity.objects.none()
    return _branch_scoped(Opportunity.objects.all(), actor, own=Q(owner_id=actor.pk))


def opportunity_get(*, actor, pk: int) -> Opportunity:
    try:
        return (
            opportunities_visible_to(actor)
            .select_related("customer", "branch", "owner", "line", "stage", "product", "lead")
            .get(pk=pk)
        )
    except (Opportunity.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def product_lines() -> QuerySet[ProductLine]:
    return ProductLine.objects.filter(active=True).prefetch_related("stages")


@dataclass(frozen=True)
class LeadFilters:
    status: str = ""
    source: str = ""
    branch_id: int | None = None
    assignee_id: int | None = None
    product_line_id: int | None = None
    mine: bool = False


def lead_search(*, actor, filters: LeadFilters) -> QuerySet[Lead]:
    qs = leads_visible_to(actor).select_related(
        "customer", "branch", "assignee", "referrer", "product_line"
    )
    if filters.status == "open":
        qs = qs.filter(status__in=Lead.OPEN_STATUSES)
    elif filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.product_line_id:
        qs = qs.filter(product_line_id=filters.product_line_id)
    if filters.mine:
        qs = qs.filter(assignee_id=actor.pk)
    return qs.order_by("-created_at", "-id")


@dataclass(frozen=True)
class OpportunityFilters:
    line_id: int | None = None
    stage_id: int | None = None
    status: str = ""
    branch_id: int | None = None
    owner_id: int | None = None
    close_from: date | None = None
    close_to: date | None = None


def opportunity_search(*, actor, filters: OpportunityFilters) -> QuerySet[Opportunity]:
    qs = opportunities_visible_to(actor).select_related(
        "customer", "branch", "owner", "line", "stage", "product"
    )
    if filters.line_id:
        qs = qs.filter(line_id=filters.line_id)
    if filters.stage_id:
        qs = qs.filter(stage_id=filters.stage_id)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.owner_id:
        qs = qs.filter(owner_id=filters.owner_id)
    if filters.close_from:
        qs = qs.filter(expected_close__gte=filters.close_from)
    if filters.close_to:
        qs = qs.filter(expected_close__lte=filters.close_to)
    return qs.order_by("-created_at", "-id")


@dataclass
class BoardColumn:
    stage: Stage
    cards: list[Opportunity]
    total: Decimal


def board(
    *, actor, line: ProductLine, filters: OpportunityFilters, limit: int = 50
) -> list[BoardColumn]:
    """The kanban board of a product line: its open stages with their open opportunities, and
    the won and lost columns with those closed in the last 30 days. Two queries."""
    stages = list(line.stages.order_by("position"))
    since = timezone.now() - timedelta(days=30)
    qs = (
        opportunity_search(actor=actor, filters=filters)
        .filter(line=line)
        .filter(Q(status=Opportunity.Status.OPEN) | Q(closed_at__gte=since))
        .order_by("expected_close", "id")
    )
    by_stage: dict[int, list[Opportunity]] = {s.pk: [] for s in stages}
    for opp in qs[: limit * len(stages) if stages else 0]:
        by_stage.setdefault(opp.stage_id, []).append(opp)
    return [
        BoardColumn(
            stage=s,
            cards=by_stage[s.pk][:limit],
            total=sum((o.amount for o in by_stage[s.pk]), Decimal("0")),
        )
        for s in stages
    ]


@dataclass
class OpportunityFile:
    """Everything the opportunity page shows beside the opportunity: its history, quotes,
    contracts with their plans and payments (overdue flags computed for today)."""

    history: list[StageHistory]
    quotes: list[Quote]
    contracts: list[Contract]
    overdue_count: int
    outstanding: Decimal


def opportunity_file(*, opportunity: Opportunity, today: date) -> OpportunityFile:
    history = list(
        opportunity.stage_history.select_related("stage", "actor").order_by("entered_at", "id")
    )
    quotes = list(opportunity.quotes.prefetch_related("items").order_by("-created_at", "-id"))
    contracts = list(
        opportunity.contracts.prefetch_related(
            Prefetch(
                "instalments",
                queryset=Instalment.objects.prefetch_related("payments").order_by("sequence"),
            )
        )
    )
    overdue = 0
    outstanding = Decimal("0")
    for contract in contracts:
        for inst in contract.instalments.all():
            inst.overdue = inst.is_overdue(today)
            overdue += inst.overdue
            outstanding += inst.outstanding
    for quote in quotes:
        quote.expired = quote.status in (Quote.Status.DRAFT, Quote.Status.SENT) and (
            quote.valid_until < today
        )
    return OpportunityFile(
        history=history,
        quotes=quotes,
        contracts=contracts,
        overdue_count=overdue,
        outstanding=outstanding,
    )


def overdue_instalments(*, actor, today: date) -> QuerySet[Instalment]:
    """Instalments past due and not fully received, of opportunities the actor may see."""
    return (
        Instalment.objects.filter(
            contract__opportunity__in=opportunities_visible_to(actor).values("pk"),
            due_date__lt=today,
            received__lt=F("amount"),
        )
        .select_related("contract__opportunity__customer", "contract__opportunity__owner")
        .order_by("due_date", "id")
    )


def lead_activities(*, lead: Lead) -> QuerySet[LeadActivity]:
    return lead.activities.select_related("staff").order_by("-at", "-id")


# ---------------------------------------------------------------------------------------------
# The customer 360 timeline


def timeline_entries(*, actor, customer, limit: int):
    """Leads (created, converted) and opportunities (created, won or lost) of the customer."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from bankcrm.customers.timeline import TimelineEntry

    if actor.has_perm("sales.view_lead"):
        visible = set(
            leads_visible_to(actor).filter(customer_id=customer.pk).values_list("pk", flat=True)
        )
        leads = (
            Lead.objects.filter(customer_id=customer.pk)
            .select_related("created_by", "assignee", "product_line")
            .order_by("-created_at", "-id")[:limit]
        )
        for lead in leads:
            url = reverse("sales:lead_detail", args=[lead.pk]) if lead.pk in visible else ""
            line = lead.product_line.name if lead.product_line_id else ""
            yield TimelineEntry(
                at=lead.created_at,
                kind="lead",
                kind_label=_("Lead"),
                icon="bi-person-plus",
                title=_("Lead from %(source)s") % {"source": lead.get_source_display()},
                detail=" · ".join(filter(None, [line, lead.source_detail])),
                url=url,
                actor=str(lead.created_by) if lead.created_by_id else "",
            )
            if lead.converted_at:
                yield TimelineEntry(
                    at=lead.converted_at,
                    kind="lead",
                    kind_label=_("Lead converted"),
                    icon="bi-arrow-right-circle",
                    title=_("Lead converted into an opportunity"),
                    url=url,
                    actor=str(lead.assignee) if lead.assignee_id else "",
                )
    if actor.has_perm("sales.view_opportunity"):
        visible = set(
            opportunities_visible_to(actor)
            .filter(customer_id=customer.pk)
            .values_list("pk", flat=True)
        )
        opps = (
            Opportunity.objects.filter(customer_id=customer.pk)
            .select_related("owner", "line", "stage")
            .order_by("-created_at", "-id")[:limit]
        )
        for opp in opps:
            url = reverse("sales:opportunity_detail", args=[opp.pk]) if opp.pk in visible else ""
            yield TimelineEntry(
                at=opp.created_at,
                kind="opportunity",
                kind_label=_("Opportunity"),
                icon="bi-briefcase",
                title=opp.name,
                detail=f"{opp.line.name} · ¥{opp.amount:,.2f}",
                url=url,
                actor=str(opp.owner),
            )
            if opp.closed_at:
                won = opp.status == Opportunity.Status.WON
                yield TimelineEntry(
                    at=opp.closed_at,
                    kind="opportunity",
                    kind_label=_("Opportunity won") if won else _("Opportunity lost"),
                    icon="bi-trophy" if won else "bi-x-circle",
                    title=opp.name,
                    detail=opp.lost_reason,
                    url=url,
                    actor=str(opp.owner),
                )
