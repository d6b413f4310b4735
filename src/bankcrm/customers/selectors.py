"""Reads of the customer master, always scoped to what the actor may see.

Every page, API endpoint, export, search and count starts from `customers_visible_to`, so an
out-of-scope customer is indistinguishable from a missing one (404).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Q, QuerySet
from django.http import Http404

from bankcrm.common import identifiers
from bankcrm.common.protection import index_lookup
from bankcrm.common.text import has_cjk
from bankcrm.customers.models import Customer
from bankcrm.org.roles import Scope
from bankcrm.org.selectors import branch_subtree_ids


def customers_visible_to(actor) -> QuerySet[Customer]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(
        "customers.view_customer"
    ):
        return Customer.objects.none()
    qs = Customer.objects.all()
    if actor.scope == Scope.ALL:
        return qs
    if actor.scope == Scope.BRANCH_SUBTREE:
        if actor.branch.parent_id is None:
            return qs  # head office's subtree is the bank: a filter would only cost time
        return qs.filter(branch_id__in=branch_subtree_ids(actor.branch))
    return qs.filter(rm_id=actor.pk)


def customer_get(*, actor, pk: int) -> Customer:
    """One customer the actor may see, or Http404 exactly as for a missing one."""
    try:
        return customers_visible_to(actor).select_related("branch", "rm").get(pk=pk)
    except (Customer.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def _search_condition(query: str) -> Q | None:
    """Turn what staff type into one indexed condition: number, mobile, ID, email or name."""
    q = query.strip()
    if not q:
        return None
    compact = "".join(q.split())
    if "@" in compact:
        return index_lookup(Customer, "email", identifiers.email(compact).value)
    if compact.isdigit() and len(compact) == 12:
        return Q(number=compact)
    if compact.lstrip("+").isdigit() and 11 <= len(compact.lstrip("+")) <= 13:
        try:
            e164 = identifiers.mobile(compact).value
        except Exception:  # noqa: BLE001 - not a mobile: fall through to other kinds
            e164 = None
        if e164:
            return index_lookup(Customer, "mobile", e164)
    if len(compact) == 18 and compact[:17].isalnum() and compact.isascii():
        return index_lookup(Customer, "id_number", compact.upper())
    if has_cjk(q):
        return Q(name__startswith=q)
    letters = "".join(ch for ch in q.lower() if ch.isascii() and ch.isalnum())
    if letters.isdigit():
        return Q(number__startswith=letters)
    if letters:
        condition = Q(name_pinyin__startswith=letters) | Q(name_initials__startswith=letters)
        if 5 <= len(compact) <= 20 and compact.isalnum():  # could be a passport number
            condition |= index_lookup(Customer, "id_number", compact.upper())
        return condition
    return None


@dataclass(frozen=True)
class CustomerFilters:
    query: str = ""
    branch_id: int | None = None
    rm_id: int | None = None
    lifecycle_stage: str = ""
    tag_id: int | None = None
    aum_min: Decimal | None = None
    aum_max: Decimal | None = None


def customer_search(*, actor, filters: CustomerFilters) -> QuerySet[Customer]:
    qs = customers_visible_to(actor)
    if filters.query:
        condition = _search_condition(filters.query)
        if condition is None:
            return qs.none()
        qs = qs.filter(condition)
    if filters.branch_id:
        qs = qs.filter(branch_id=filters.branch_id)
    if filters.rm_id:
        qs = qs.filter(rm_id=filters.rm_id)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.tag_id:
        qs = qs.filter(tags__id=filters.tag_id)
    if filters.aum_min is not None:
        qs = qs.filter(aum__gte=filters.aum_min)
    if filters.aum_max is not None:
        qs = qs.filter(aum__lte=filters.aum_max)
    return qs


@dataclass
class Page:
    """A keyset page: no OFFSET and no COUNT over the whole book, so it stays fast at 10⁸ rows."""

    items: list[Customer]
    next_cursor: int | None
    prev_cursor: int | None


def customer_page(
    *,
    actor,
    filters: CustomerFilters,
    after: int | None = None,
    before: int | None = None,
    size: int | None = None,
) -> Page:
    """Customers newest first, `size` at a time, continuing after/before a customer id."""
    size = size or settings.CUSTOMER_PAGE_SIZE
    qs = customer_search(actor=actor, filters=filters)
    # Ids first (an index-only walk in most plans), then the page's rows by primary key: a
    # common name prefix matching thousands of customers costs `size` row reads, not thousands.
    if before is not None:
        ids = list(qs.filter(pk__gt=before).order_by("id").values_list("id", flat=True)[: size + 1])
        has_more = len(ids) > size
        ids = list(reversed(ids[:size]))
        rows = _rows_in_order(ids)
        return Page(rows, ids[-1] if ids else None, ids[0] if ids and has_more else None)
    if after is not None:
        qs = qs.filter(pk__lt=after)
    ids = list(qs.order_by("-id").values_list("id", flat=True)[: size + 1])
    has_more = len(ids) > size
    ids = ids[:size]
    return Page(
        _rows_in_order(ids),
        ids[-1] if ids and has_more else None,
        ids[0] if ids and after is not None else None,
    )


def _rows_in_order(ids: list[int]) -> list[Customer]:
    by_id = Customer.objects.select_related("branch", "rm").in_bulk(ids)
    return [by_id[pk] for pk in ids]


@dataclass
class ConsentCell:
    channel: str
    channel_label: str
    purpose: str
    purpose_label: str
    granted: bool
    source: str
    changed_at: object


@dataclass
class Customer360:
    """Everything a member of staff needs to see about one customer, in one read."""

    customer: Customer
    holdings: list
    timeline: list  # customers.timeline.TimelineEntry, newest first, from every domain
    tasks: list
    relationships: list
    consents: list[ConsentCell]
    lifecycle_events: list
    history: list
    next_stages: list[str]


def consent_grid(*, customer: Customer) -> list[ConsentCell]:
    """Every channel × purpose, granted or not, so withdrawing or granting is one click."""
    from bankcrm.customers.models import Channel, Consent

    existing = {(c.channel, c.purpose): c for c in customer.consents.all()}
    cells = []
    for purpose in Consent.Purpose:
        for channel in Channel:
            consent = existing.get((channel.value, purpose.value))
            cells.append(
                ConsentCell(
                    channel=channel.value,
                    channel_label=str(channel.label),
                    purpose=purpose.value,
                    purpose_label=str(purpose.label),
                    granted=bool(consent and consent.granted),
                    source=consent.source if consent else "",
                    changed_at=consent.updated_at if consent else None,
                )
            )
    return cells


def customer_360(*, actor, pk: int) -> Customer360:
    from bankcrm.audit.selectors import customer_history
    from bankcrm.customers.services import lifecycle_next_stages
    from bankcrm.customers.timeline import customer_timeline
    from bankcrm.interactions.selectors import tasks_of
    from bankcrm.products.selectors import holdings_of

    customer = customer_get(actor=actor, pk=pk)
    relationships = list(
        customer.relationships.select_related("related").order_by("kind", "related__name")
    )
    visible_related = set(
        customers_visible_to(actor)
        .filter(pk__in=[r.related_id for r in relationships])
        .values_list("pk", flat=True)
    )
    for relationship in relationships:
        relationship.related_visible = relationship.related_id in visible_related
    return Customer360(
        customer=customer,
        holdings=list(holdings_of(customer_id=customer.pk)),
        timeline=customer_timeline(actor=actor, customer=customer),
        tasks=list(tasks_of(customer_id=customer.pk)),
        relationships=relationships,
        consents=consent_grid(customer=customer),
        lifecycle_events=list(customer.lifecycle_events.select_related("actor")[:20]),
        history=list(customer_history(customer_id=customer.pk)),
        next_stages=lifecycle_next_stages(customer.lifecycle_stage),
    )


# --- Book summary for the staff workbench (appended for the web UI) -------------------------

# AUM bands as Chinese retail banks tier customers: mass, affluent, wealth, private banking.
AUM_BANDS: tuple[tuple[Decimal, Decimal | None], ...] = (
    (Decimal("0"), Decimal("50000")),
    (Decimal("50000"), Decimal("500000")),
    (Decimal("500000"), Decimal("6000000")),
    (Decimal("6000000"), None),
)


@dataclass
class StageTotal:
    stage: str
    label: str
    customers: int
    aum: Decimal
    liabilities: Decimal


@dataclass
class BandCount:
    lower: Decimal
    upper: Decimal | None
    customers: int


@dataclass
class BookSummary:
    """The actor's book (what they can see): counts and AUM, computed by aggregate queries."""

    customers: int
    aum: Decimal
    liabilities: Decimal
    by_stage: list[StageTotal]
    bands: list[BandCount]
    top: list[Customer]


def book_summary(*, actor, top: int = 8) -> BookSummary:
    """Three queries whatever the book's size: totals per stage, band counts, the top customers."""
    from django.db.models import Count, Sum

    from bankcrm.customers.models import LifecycleStage

    qs = customers_visible_to(actor)
    rows = {
        row["lifecycle_stage"]: row
        for row in qs.order_by()
        .values("lifecycle_stage")
        .annotate(n=Count("id"), aum_sum=Sum("aum"), liabilities_sum=Sum("liabilities"))
    }
    by_stage = []
    for stage in LifecycleStage:
        row = rows.get(stage.value)
        if row is None:
            continue
        by_stage.append(
            StageTotal(
                stage=stage.value,
                label=str(stage.label),
                customers=row["n"],
                aum=row["aum_sum"] or Decimal("0"),
                liabilities=row["liabilities_sum"] or Decimal("0"),
            )
        )
    band_filters = {}
    for i, (lower, upper) in enumerate(AUM_BANDS):
        condition = Q(aum__gte=lower) if i else Q()
        if upper is not None:
            condition &= Q(aum__lt=upper)
        band_filters[f"band{i}"] = Count("id", filter=condition)
    band_counts = qs.order_by().aggregate(**band_filters) if by_stage else {}
    bands = [
        BandCount(lower=lower, upper=upper, customers=band_counts.get(f"band{i}") or 0)
        for i, (lower, upper) in enumerate(AUM_BANDS)
    ]
    top_customers = (
        list(qs.select_related("branch", "rm").order_by("-aum", "-id")[:top]) if by_stage else []
    )
    return BookSummary(
        customers=sum(s.customers for s in by_stage),
        aum=sum((s.aum for s in by_stage), Decimal("0")),
        liabilities=sum((s.liabilities for s in by_stage), Decimal("0")),
        by_stage=by_stage,
        bands=bands,
        top=top_customers,
    )


def new_customers_by_rm(*, start, end) -> dict[int, int]:
    """How many customers each RM gained: customers in their book created from `start` to `end`
    (inclusive, the bank's calendar days). Bank-wide, one grouped query (people/performance
    scopes who sees it)."""
    from datetime import datetime, time, timedelta

    from django.db.models import Count
    from django.utils import timezone

    rows = (
        Customer.objects.filter(
            rm__isnull=False,
            created_at__gte=timezone.make_aware(datetime.combine(start, time.min)),
            created_at__lt=timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min)),
        )
        .values("rm_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {row["rm_id"]: row["n"] for row in rows}
