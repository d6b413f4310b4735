"""Reads of service cases, already scoped to the actor, and of the SLA reference data.

Scope of a case: head-office roles see every case; branch roles the cases of their branch
subtree; relationship managers the cases of their own customers and those assigned to them.
Out of scope answers 404 exactly like missing.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Avg, Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role, Scope
from bankcrm.org.selectors import branch_subtree_ids
from bankcrm.service.models import (
    CalendarDay,
    Case,
    CaseAttachment,
    Category,
    SlaPolicy,
    WorkingHours,
)
from bankcrm.service.sla import WorkCalendar

VIEW = "service.view_case"

OPEN_STATUSES = (
    Case.Status.OPEN,
    Case.Status.IN_PROGRESS,
    Case.Status.REGISTERED,
    Case.Status.ACKNOWLEDGED,
    Case.Status.INVESTIGATING,
)
# Resolved but not closed: the resolution clock has stopped, the case is not finished.
ACTIVE_STATUSES = (*OPEN_STATUSES, Case.Status.RESOLVED, Case.Status.VISITED)


# ---------------------------------------------------------------------------------------------
# Reference data


def work_calendar() -> WorkCalendar:
    """The working-time calendar as the admin keeps it (two queries)."""
    hours: dict[int, list[tuple[time, time]]] = {}
    for row in WorkingHours.objects.order_by("weekday", "start"):
        hours.setdefault(row.weekday, []).append((row.start, row.end))
    holidays, workdays = set(), set()
    for day, kind in CalendarDay.objects.values_list("date", "kind"):
        (holidays if kind == CalendarDay.Kind.HOLIDAY else workdays).add(day)
    return WorkCalendar(
        hours={k: tuple(v) for k, v in hours.items()},
        holidays=frozenset(holidays),
        workdays=frozenset(workdays),
        tz=ZoneInfo(settings.TIME_ZONE),
    )


@dataclass(frozen=True)
class Targets:
    first_response_hours: Decimal
    resolution_hours: Decimal


# Used only when the admin deleted every policy, so a case can still be opened.
FALLBACK_TARGETS = Targets(Decimal(4), Decimal(24))


def sla_targets(*, category: Category, priority: int) -> Targets:
    """The category's policy for this priority, else the nearest ancestor's, else the default."""
    chain: list[int | None] = []
    node: Category | None = category
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        chain.append(node.pk)
        node = node.parent
    policies = {
        p.category_id: p
        for p in SlaPolicy.objects.filter(
            Q(category_id__in=[c for c in chain if c]) | Q(category__isnull=True),
            priority=priority,
        )
    }
    for key in [*chain, None]:
        if key in policies:
            p = policies[key]
            return Targets(p.first_response_hours, p.resolution_hours)
    return FALLBACK_TARGETS


def categories_active() -> QuerySet[Category]:
    return Category.objects.filter(active=True).select_related("parent")


def category_choices(language: str) -> list[tuple[int, str]]:
    """Every active category as "parent / child", in tree order, for forms and filters."""
    rows = list(categories_active().order_by("position", "code"))
    by_parent: dict[int | None, list[Category]] = {}
    for c in rows:
        by_parent.setdefault(c.parent_id, []).append(c)
    out: list[tuple[int, str]] = []

    def walk(parent_id: int | None, prefix: str) -> None:
        for c in by_parent.get(parent_id, []):
            label = f"{prefix}{c.display_name(language)}"
            out.append((c.pk, label))
            walk(c.pk, f"{label} / ")

    walk(None, "")
    return out


def branch_manager_for(branch: Branch) -> Staff | None:
    """The active branch manager of the branch, else of the nearest branch above it."""
    codes = [c for c in branch.path.strip("/").split("/") if c]
    managers = Staff.objects.filter(
        role=Role.BRANCH_MANAGER, is_active=True, branch__code__in=codes
    ).select_related("branch")
    by_code: dict[str, Staff] = {}
    for m in managers.order_by("id"):
        by_code.setdefault(m.branch.code, m)
    for code in reversed(codes):
        if code in by_code:
            return by_code[code]
    return None


def agents_for(*, branch: Branch, category: Category) -> list[Staff]:
    """Who may take a new case: the agents of the most specific active assignment rule (its
    category or an ancestor, its branch or one above); else the service agents of the case's
    branch or the nearest branch above that has any."""
    from bankcrm.service.models import AssignmentRule

    codes = [c for c in branch.path.strip("/").split("/") if c]
    cat_chain: list[int] = []
    node: Category | None = category
    while node is not None and node.pk not in cat_chain:
        cat_chain.append(node.pk)
        node = node.parent
    rules = list(
        AssignmentRule.objects.filter(active=True, branch__code__in=codes)
        .filter(Q(category_id__in=cat_chain) | Q(category__isnull=True))
        .select_related("branch")
        .prefetch_related("agents")
    )

    def rank(rule: AssignmentRule) -> tuple[int, int]:
        depth = codes.index(rule.branch.code)
        cat = cat_chain.index(rule.category_id) if rule.category_id else len(cat_chain)
        return (-depth, cat)  # deepest branch first, then most specific category

    for rule in sorted(rules, key=rank):
        agents = [a for a in rule.agents.all() if a.is_active]
        if agents:
            return agents
    agents = list(
        Staff.objects.filter(
            role=Role.SERVICE_AGENT, is_active=True, branch__code__in=codes
        ).select_related("branch")
    )
    for code in reversed(codes):
        here = [a for a in agents if a.branch.code == code]
        if here:
            return here
    return []


def open_workload(staff_ids: list[int]) -> dict[int, int]:
    rows = (
        Case.objects.filter(assignee_id__in=staff_ids, status__in=OPEN_STATUSES)
        .values("assignee_id")
        .annotate(n=Count("id"))
    )
    counts = {r["assignee_id"]: r["n"] for r in rows}
    return {pk: counts.get(pk, 0) for pk in staff_ids}


# ---------------------------------------------------------------------------------------------
# Cases, scoped


def cases_visible_to(actor) -> QuerySet[Case]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW):
        return Case.objects.none()
    qs = Case.objects.all()
    if actor.scope == Scope.ALL:
        return qs
    if actor.scope == Scope.BRANCH_SUBTREE:
        if actor.branch.parent_id is None:
            return qs
        return qs.filter(branch_id__in=branch_subtree_ids(actor.branch))
    return qs.filter(Q(customer__rm_id=actor.pk) | Q(assignee_id=actor.pk))


def case_get(*, actor, pk) -> Case:
    try:
        return (
            cases_visible_to(actor)
            .select_related(
                "customer",
                "customer__branch",
                "category",
                "category__parent",
                "branch",
                "assignee",
                "opened_by",
                "escalated_to",
                "visit_by",
            )
            .get(pk=pk)
        )
    except (Case.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def sla_state_condition(state: str, now: datetime | None = None) -> Q:
    """A database condition for a case's resolution SLA state (the list filter)."""
    now = now or timezone.now()
    active = Q(status__in=OPEN_STATUSES)
    if state == "breached":
        return Q(resolution_breached=True) | (active & Q(resolution_due__lt=now))
    if state == "at_risk":
        return active & Q(resolution_warn_at__lte=now, resolution_due__gte=now)
    if state == "on_track":
        return active & Q(resolution_warn_at__gt=now)
    if state == "met":
        return ~Q(status__in=OPEN_STATUSES) & Q(resolution_breached=False)
    return Q()


SLA_STATES = ("on_track", "at_risk", "breached", "met")


@dataclass(frozen=True)
class CaseFilters:
    status: str = ""
    sla: str = ""
    kind: str = ""
    category_id: int | None = None
    priority: int | None = None
    assignee_id: int | None = None
    branch_id: int | None = None
    query: str = ""
    mine: bool = False
    escalated_to_me: bool = False


def case_list(*, actor, filters: CaseFilters, cursor: int | None = None, limit: int = 50):
    """One page of the actor's cases, newest first, keyset paged (`id < cursor`).
    Returns (cases, next_cursor)."""
    qs = cases_visible_to(actor)
    f = filters
    if f.status == "active":
        qs = qs.filter(status__in=ACTIVE_STATUSES)
    elif f.status == "unresolved":
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif f.status in Case.Status.values:
        qs = qs.filter(status=f.status)
    if f.sla in SLA_STATES:
        qs = qs.filter(sla_state_condition(f.sla))
    if f.kind in Case.Kind.values:
        qs = qs.filter(kind=f.kind)
    if f.category_id:
        qs = qs.filter(Q(category_id=f.category_id) | Q(category__parent_id=f.category_id))
    if f.priority:
        qs = qs.filter(priority=f.priority)
    if f.assignee_id:
        qs = qs.filter(assignee_id=f.assignee_id)
    if f.branch_id:
        branch = Branch.objects.filter(pk=f.branch_id).first()
        qs = qs.filter(branch_id__in=branch_subtree_ids(branch)) if branch else qs.none()
    if f.mine:
        qs = qs.filter(assignee_id=actor.pk)
    if f.escalated_to_me:
        qs = qs.filter(escalated_to_id=actor.pk, status__in=ACTIVE_STATUSES)
    q = f.query.strip()
    if q:
        qs = qs.filter(Q(number__startswith=q.upper()) | Q(subject__icontains=q))
    if cursor:
        qs = qs.filter(id__lt=cursor)
    rows = list(
        qs.select_related("customer", "category", "category__parent", "branch", "assignee")
        .annotate(has_attachments=Exists(CaseAttachment.objects.filter(case_id=OuterRef("pk"))))
        .order_by("-id")[: limit + 1]
    )
    next_cursor = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_cursor


def case_events(case: Case):
    return case.events.select_related("actor").order_by("at", "id")


def case_comments(case: Case):
    return case.comments.select_related("author").order_by("created_at", "id")


def case_attachments(case: Case):
    return case.attachments.select_related("uploaded_by").order_by("created_at", "id")


def attachment_get(*, actor, case_pk, pk) -> CaseAttachment:
    """An attachment of a case the actor may see, or 404."""
    case = case_get(actor=actor, pk=case_pk)
    try:
        return CaseAttachment.objects.get(case=case, pk=pk)
    except (CaseAttachment.DoesNotExist, ValueError, TypeError) as exc:
        raise Http404 from exc


def cases_of_customer(*, actor, customer_id: int, limit: int = 20) -> list[Case]:
    return list(
        cases_visible_to(actor)
        .filter(customer_id=customer_id)
        .select_related("category", "assignee")
        .order_by("-opened_at", "-id")[:limit]
    )


# ---------------------------------------------------------------------------------------------
# For people/performance (helper 4): quality of service per staff member, not scoped (the
# caller scopes the staff it shows).


@dataclass(frozen=True)
class ServiceQuality:
    closed: int  # cases closed in the period that were assigned to the staff member
    sla_met: int  # of those, resolved within the resolution target
    breached: int  # of those, resolved late (or closed after a breach)
    first_response_hours_avg: float | None  # business hours, over the closed cases
    resolution_hours_avg: float | None  # business hours, over the closed cases


def _local_midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, ZoneInfo(settings.TIME_ZONE))


def service_quality_by_staff(*, start: date, end: date) -> dict[int, "ServiceQuality"]:
    """Per assignee: the cases closed between `start` and `end` (inclusive, bank's local
    dates), how many met the resolution SLA, how many breached it, and the mean first-response
    and resolution times in business hours."""
    rows = (
        Case.objects.filter(
            closed_at__gte=_local_midnight(start),
            closed_at__lt=_local_midnight(end + timedelta(days=1)),
            assignee__isnull=False,
        )
        .values("assignee_id")
        .annotate(
            closed=Count("id"),
            breached=Count("id", filter=Q(resolution_breached=True)),
            first=Avg("first_response_minutes"),
            resolution=Avg("resolution_minutes"),
        )
    )
    return {
        r["assignee_id"]: ServiceQuality(
            closed=r["closed"],
            sla_met=r["closed"] - r["breached"],
            breached=r["breached"],
            first_response_hours_avg=None if r["first"] is None else float(r["first"]) / 60,
            resolution_hours_avg=None if r["resolution"] is None else float(r["resolution"]) / 60,
        )
        for r in rows
    }


def timeline_entries(*, actor, customer, limit: int):
    """The customer's cases for the 360 timeline: one entry when opened, one when closed."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from bankcrm.customers.timeline import TimelineEntry

    if not actor.has_perm(VIEW):
        return
    cases = list(
        cases_visible_to(actor)
        .filter(customer_id=customer.pk)
        .select_related("opened_by", "assignee")
        .order_by("-opened_at", "-id")[:limit]
    )
    for c in cases:
        url = reverse("service:case", args=[c.pk])
        kind = str(c.get_kind_display())
        yield TimelineEntry(
            at=c.opened_at,
            kind="case",
            kind_label=_("%(kind)s opened") % {"kind": kind},
            icon="bi-exclamation-octagon" if c.is_complaint else "bi-headset",
            title=f"{c.number} {c.subject}",
            detail=str(c.get_channel_display()),
            url=url,
            actor=c.opened_by.display_name or c.opened_by.username,
        )
        if c.closed_at:
            yield TimelineEntry(
                at=c.closed_at,
                kind="case",
                kind_label=_("%(kind)s closed") % {"kind": kind},
                icon="bi-check2-circle",
                title=f"{c.number} {c.subject}",
                detail=c.resolution[:200],
                url=url,
                actor=(c.assignee.display_name or c.assignee.username) if c.assignee else "",
            )


# ---------------------------------------------------------------------------------------------
# Dashboards (scoped like the case list)

AGE_BUCKETS = ((0, 1), (1, 3), (3, 7), (7, 14), (14, None))  # days since opened


@dataclass(frozen=True)
class Dashboard:
    open_total: int
    at_risk: int
    breached_open: int
    escalated: int
    age_buckets: list[dict]  # {"from": days, "to": days|None, "on_track": n, "at_risk": n, ...}
    months: list[date]  # first days of the last 12 months, oldest first
    opened_by_month: list[int]
    breaches_by_month: list[int]  # cases opened that month that missed a target
    first_response_hours: list[float | None]  # mean business hours, cases opened that month
    resolution_hours: list[float | None]
    top_complaint_categories: list[tuple[str, int]]  # top-level category, complaints (12 months)
    by_channel: list[tuple[str, int]]


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _ in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def service_dashboard(*, actor, language: str, now: datetime | None = None) -> Dashboard:
    from django.db.models import Case as Conditional
    from django.db.models import IntegerField, Value, When
    from django.db.models.functions import TruncMonth

    now = now or timezone.now()
    qs = cases_visible_to(actor)
    active = qs.filter(status__in=OPEN_STATUSES)
    state = Conditional(
        When(resolution_due__lt=now, then=Value(2)),
        When(resolution_warn_at__lte=now, then=Value(1)),
        default=Value(0),
        output_field=IntegerField(),
    )
    buckets = [
        {"from": a, "to": b, "on_track": 0, "at_risk": 0, "breached": 0} for a, b in AGE_BUCKETS
    ]
    names = {0: "on_track", 1: "at_risk", 2: "breached"}
    age_conditions = []
    for a, b in AGE_BUCKETS:
        cond = Q(opened_at__lte=now - timedelta(days=a))
        if b is not None:
            cond &= Q(opened_at__gt=now - timedelta(days=b))
        age_conditions.append(cond)
    age = Conditional(
        *[When(c, then=Value(i)) for i, c in enumerate(age_conditions)],
        default=Value(0),
        output_field=IntegerField(),
    )
    totals = {"on_track": 0, "at_risk": 0, "breached": 0}
    for row in active.annotate(sla=state, age=age).values("sla", "age").annotate(n=Count("id")):
        buckets[row["age"]][names[row["sla"]]] += row["n"]
        totals[names[row["sla"]]] += row["n"]
    escalated = active.filter(escalation_level__gt=0).count()

    tz = ZoneInfo(settings.TIME_ZONE)
    months = _month_starts(12, timezone.localdate(now))
    since = datetime.combine(months[0], time.min, tz)
    monthly = (
        qs.filter(opened_at__gte=since)
        .annotate(month=TruncMonth("opened_at", tzinfo=tz))
        .values("month")
        .annotate(
            opened=Count("id"),
            breaches=Count("id", filter=Q(resolution_breached=True) | Q(response_breached=True)),
            first=Avg("first_response_minutes"),
            resolution=Avg("resolution_minutes"),
        )
    )
    by_month = {}
    for row in monthly:
        m = row["month"]
        by_month[(m.date() if isinstance(m, datetime) else m).replace(day=1)] = row

    def series(key, scale=None):
        out = []
        for m in months:
            v = by_month.get(m, {}).get(key)
            if scale:
                v = None if v is None else round(float(v) / scale, 1)
            out.append(v if v is not None or scale else 0)
        return out

    top_rows = (
        qs.filter(kind=Case.Kind.COMPLAINT, opened_at__gte=since)
        .values("category__parent_id", "category_id")
        .annotate(n=Count("id"))
    )
    per_top: dict[int, int] = {}
    for row in top_rows:
        key = row["category__parent_id"] or row["category_id"]
        per_top[key] = per_top.get(key, 0) + row["n"]
    cats = {c.pk: c for c in Category.objects.filter(pk__in=per_top)}
    top = sorted(
        ((cats[k].display_name(language), n) for k, n in per_top.items() if k in cats),
        key=lambda x: -x[1],
    )[:8]
    channel_labels = dict(Case.Channel.choices)
    by_channel = [
        (str(channel_labels.get(r["channel"], r["channel"])), r["n"])
        for r in qs.filter(opened_at__gte=since)
        .values("channel")
        .annotate(n=Count("id"))
        .order_by("-n")
    ]
    return Dashboard(
        open_total=sum(totals.values()),
        at_risk=totals["at_risk"],
        breached_open=totals["breached"],
        escalated=escalated,
        age_buckets=buckets,
        months=months,
        opened_by_month=series("opened"),
        breaches_by_month=series("breaches"),
        first_response_hours=series("first", 60),
        resolution_hours=series("resolution", 60),
        top_complaint_categories=top,
        by_channel=by_channel,
    )
