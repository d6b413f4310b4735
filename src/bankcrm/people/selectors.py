"""Reads of the people app: the sell gate, training, targets and performance (scoped)."""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bankcrm.org.models import Branch, Staff, Team
from bankcrm.org.roles import Role, Scope
from bankcrm.org.selectors import branch_subtree_ids, staff_visible_to
from bankcrm.people.models import (
    Assignment,
    AumSnapshot,
    AumSnapshotRow,
    Completion,
    Course,
    Material,
    MaterialView,
    Metric,
    QuizAttempt,
    Target,
)
from bankcrm.people.periods import Period
from bankcrm.people.periods import today as local_today

ZERO = Decimal("0.00")


def courses_blocking_sale(*, staff, product) -> QuerySet[Course]:
    """The published courses required for `product` that `staff` has not completed."""
    done = Completion.objects.filter(staff_id=staff.pk).values("course_id")
    return (
        Course.objects.filter(active=True, required_for=product)
        .exclude(pk__in=done)
        .order_by("code")
    )


def sell_block_reason(*, staff, product) -> str | None:
    """None if `staff` may sell `product`; else a translated reason naming the course(s) still to
    complete. Called by the sales app when an opportunity is created."""
    missing = list(courses_blocking_sale(staff=staff, product=product))
    if not missing:
        return None
    language = translation.get_language() or "zh-hans"
    lang = "en" if language.startswith("en") else language
    # TRANSLATORS: separator between course names in a list
    names = _(", ").join(f"“{course.display_title(lang)}”" for course in missing)
    return ngettext(
        "%(name)s may sell %(product)s only after completing the training course %(courses)s.",
        "%(name)s may sell %(product)s only after completing the training courses %(courses)s.",
        len(missing),
    ) % {
        "name": str(staff),
        "product": product.display_name(lang),
        "courses": names,
    }


# ---------------------------------------------------------------------------------------------
# Performance: every RM's actual figures for a period, from the other modules' selectors.


@dataclass(frozen=True)
class Actuals:
    """One member of staff's (or one team's summed) figures for a period."""

    new_customers: int = 0
    aum: Decimal = ZERO  # now, from the holdings
    aum_growth: Decimal | None = None  # over the period: the stored snapshot of the warehouse
    sales_count: int = 0
    sales_amount: Decimal = ZERO
    new_leads: int = 0
    referrals_given: int = 0
    cases_closed: int = 0
    cases_sla_met: int = 0
    first_response_hours: float | None = None
    csat_responses: int = 0
    csat_satisfied: int = 0  # responses answering 4–5
    nps: float | None = None

    @property
    def sla_met_share(self) -> Decimal | None:
        if not self.cases_closed:
            return None
        return (Decimal(100) * self.cases_sla_met / self.cases_closed).quantize(Decimal("0.1"))

    @property
    def csat(self) -> Decimal | None:
        if not self.csat_responses:
            return None
        return (Decimal(100) * self.csat_satisfied / self.csat_responses).quantize(Decimal("0.1"))

    def value(self, metric: str) -> Decimal | None:
        return {
            Metric.NEW_CUSTOMERS: Decimal(self.new_customers),
            Metric.AUM_GROWTH: self.aum_growth,
            Metric.SALES_COUNT: Decimal(self.sales_count),
            Metric.SALES_AMOUNT: self.sales_amount,
            Metric.SLA_MET_SHARE: self.sla_met_share,
            Metric.CSAT: self.csat,
        }[metric]


def summed(parts: list[Actuals]) -> Actuals:
    """A team's figures: counts and amounts add up, shares are over the pooled counts."""
    growth = [p.aum_growth for p in parts]
    return Actuals(
        new_customers=sum(p.new_customers for p in parts),
        aum=sum((p.aum for p in parts), ZERO),
        aum_growth=None if any(g is None for g in growth) or not parts else sum(growth, ZERO),
        sales_count=sum(p.sales_count for p in parts),
        sales_amount=sum((p.sales_amount for p in parts), ZERO),
        new_leads=sum(p.new_leads for p in parts),
        referrals_given=sum(p.referrals_given for p in parts),
        cases_closed=sum(p.cases_closed for p in parts),
        cases_sla_met=sum(p.cases_sla_met for p in parts),
        csat_responses=sum(p.csat_responses for p in parts),
        csat_satisfied=sum(p.csat_satisfied for p in parts),
    )


@dataclass(frozen=True)
class Progress:
    metric: str
    label: str
    actual: Decimal | None
    target: Decimal | None

    @property
    def percent(self) -> Decimal | None:
        """Attainment: actual as a share of target (None without a target or a figure)."""
        if self.target is None or self.actual is None or self.target <= 0:
            return None
        return (Decimal(100) * self.actual / self.target).quantize(Decimal("0.1"))

    @property
    def bar(self) -> int:
        """The progress bar's width, 0–100."""
        p = self.percent
        return 0 if p is None else max(0, min(100, int(p)))


# An RM's overall score: the mean attainment over the metrics with a target, each capped at
# this many percent (over-achieving one metric cannot hide missing the others).
SCORE_CAP = Decimal(150)


@dataclass
class Row:
    """One RM (or team) in a period: figures, targets, progress, score and ranks."""

    staff: Staff | None
    team: Team | None
    actuals: Actuals
    targets: dict[str, Decimal]
    rank_bank: int | None = None
    rank_branch: int | None = None

    @property
    def progress(self) -> list[Progress]:
        return [
            Progress(
                metric=m.value,
                label=str(m.label),
                actual=self.actuals.value(m.value),
                target=self.targets.get(m.value),
            )
            for m in Metric
        ]

    @property
    def score(self) -> Decimal | None:
        parts = [
            min(max(p.percent, Decimal(0)), SCORE_CAP)
            for p in self.progress
            if p.percent is not None
        ]
        if not parts:
            return None
        return (sum(parts, Decimal(0)) / len(parts)).quantize(Decimal("0.1"))


def relationship_managers() -> QuerySet[Staff]:
    return Staff.objects.filter(role=Role.RELATIONSHIP_MANAGER, is_active=True)


def actuals_by_staff(*, period: Period, today: date | None = None) -> dict[int, Actuals]:
    """Every member of staff's figures for `period` (see `measure`)."""
    return measure(period=period, today=today)[0]


def measure(*, period: Period, today: date | None = None) -> tuple[dict[int, Actuals], "AumInfo"]:
    """Every member of staff's figures for `period`, up to today while it runs.

    One grouped query per source (new customers, holdings, sales, service, surveys) and one
    warehouse query per balance day, whatever the number of RMs. Bank-wide: the callers below
    decide who sees which rows."""
    from bankcrm.customers.selectors import new_customers_by_rm
    from bankcrm.sales.selectors import sales_by_staff
    from bankcrm.service.selectors import service_quality_by_staff
    from bankcrm.surveys.selectors import satisfaction_by_staff

    today = today or local_today()
    start, end = period.start, period.measured_until(today)
    if end < start:
        return {}, AumInfo()
    parts: dict[int, dict] = {}

    def put(staff_id: int | None, **values) -> None:
        if staff_id is not None:
            parts.setdefault(staff_id, {}).update(values)

    for staff_id, n in new_customers_by_rm(start=start, end=end).items():
        put(staff_id, new_customers=n)
    for staff_id, aum in current_aum_by_rm().items():
        put(staff_id, aum=aum)
    for staff_id, s in sales_by_staff(start=start, end=end).items():
        put(
            staff_id,
            sales_count=s.won_count,
            sales_amount=s.won_amount,
            new_leads=s.new_leads,
            referrals_given=s.referrals_given,
        )
    for staff_id, q in service_quality_by_staff(start=start, end=end).items():
        put(
            staff_id,
            cases_closed=q.closed,
            cases_sla_met=q.sla_met,
            first_response_hours=q.first_response_hours_avg,
        )
    for staff_id, sat in satisfaction_by_staff(start=start, end=end).items():
        share = sat.csat_satisfied_share
        put(
            staff_id,
            csat_responses=sat.responses if share is not None else 0,
            csat_satisfied=round(share * sat.responses) if share is not None else 0,
            nps=sat.nps,
        )
    aum = aum_snapshot_of(period)
    if aum.known:
        rows = AumSnapshotRow.objects.filter(snapshot_id=aum.snapshot_id).values_list(
            "staff_id", "opening", "closing"
        )
        growth = {staff_id: closing - opening for staff_id, opening, closing in rows}
        for staff_id in set(parts) | set(growth):
            put(staff_id, aum_growth=growth.get(staff_id, ZERO))
    return {staff_id: Actuals(**values) for staff_id, values in parts.items()}, aum


@dataclass(frozen=True)
class AumInfo:
    """Where the period's AUM growth comes from: the stored snapshot (services.
    aum_snapshot_refresh), its balance days and when it was computed."""

    snapshot_id: int | None = None
    opening_day: date | None = None
    closing_day: date | None = None
    computed_at: datetime | None = None
    pending: bool = False

    @property
    def known(self) -> bool:
        return self.opening_day is not None and self.closing_day is not None


def aum_snapshot_of(period: Period) -> AumInfo:
    found = AumSnapshot.objects.filter(period_kind=period.kind, period_start=period.start).first()
    if found is None:
        return AumInfo()
    return AumInfo(
        snapshot_id=found.pk,
        opening_day=found.opening_day,
        closing_day=found.closing_day,
        computed_at=found.computed_at,
        pending=found.requested_at is not None,
    )


def current_aum_by_rm() -> dict[int, Decimal]:
    """Each RM's AUM now: the rolled-up AUM (active and frozen asset holdings) of their book."""
    from bankcrm.customers.models import Customer

    rows = (
        Customer.objects.filter(rm__isnull=False)
        .values("rm_id")
        .annotate(total=Sum("aum"))
        .order_by()
    )
    return {row["rm_id"]: row["total"] or ZERO for row in rows}


def targets_for(*, period: Period) -> dict[tuple[str, int], dict[str, Decimal]]:
    """{("staff", id) | ("team", id): {metric: value}} for the period (one query)."""
    out: dict[tuple[str, int], dict[str, Decimal]] = {}
    rows = Target.objects.filter(period_kind=period.kind, period_start=period.start).values(
        "staff_id", "team_id", "metric", "value"
    )
    for t in rows:
        owner = ("staff", t["staff_id"]) if t["staff_id"] else ("team", t["team_id"])
        out.setdefault(owner, {})[t["metric"]] = t["value"]
    return out


@dataclass
class Board:
    """The performance of a period: every RM's row (bank-wide, ranked) and the team rows."""

    period: Period
    rows: list[Row]
    teams: list[Row]
    aum: AumInfo
    ranked_by: str

    def of(self, staff_id: int) -> Row | None:
        return next((r for r in self.rows if r.staff.pk == staff_id), None)


RANK_KEYS = ("score", *Metric.values)


def _rank_value(row: Row, ranked_by: str) -> Decimal | None:
    return row.score if ranked_by == "score" else row.actuals.value(ranked_by)


def board(*, period: Period, ranked_by: str = "score", today: date | None = None) -> Board:
    """Every active RM's figures, targets and ranks in the bank and in their branch, plus every
    team's summed figures against its targets. Bank-wide: views show it through `scoped`."""
    if ranked_by not in RANK_KEYS:
        ranked_by = "score"
    actuals, aum = measure(period=period, today=today)
    targets = targets_for(period=period)
    rms = list(relationship_managers().select_related("branch", "team").order_by("pk"))
    rows = [
        Row(
            staff=rm,
            team=rm.team,
            actuals=actuals.get(rm.pk, Actuals()),
            targets=targets.get(("staff", rm.pk), {}),
        )
        for rm in rms
    ]
    _rank(rows, ranked_by)
    teams: dict[int, list[Row]] = {}
    for row in rows:
        if row.team is not None:
            teams.setdefault(row.team.pk, []).append(row)
    team_rows = [
        Row(
            staff=None,
            team=members[0].team,
            actuals=summed([m.actuals for m in members]),
            targets=targets.get(("team", tid), {}),
        )
        for tid, members in teams.items()
    ]
    team_rows.sort(key=lambda r: (r.team.branch_id, r.team.name))
    return Board(
        period=period,
        rows=rows,
        teams=team_rows,
        aum=aum,
        ranked_by=ranked_by,
    )


def competition_ranks(values: list[Decimal | None]) -> list[int | None]:
    """Competition ranks (1, 2, 2, 4) of figures already sorted highest first; a missing
    figure has no rank."""
    ranks: list[int | None] = []
    last_value: object = object()
    last_rank = 0
    for position, value in enumerate(values, start=1):
        rank = None if value is None else (last_rank if value == last_value else position)
        ranks.append(rank)
        last_value, last_rank = value, rank or last_rank
    return ranks


def _rank(rows: list[Row], ranked_by: str) -> None:
    """Rank by the chosen figure, highest first, across the bank and within each RM's own
    branch; rows without a figure are unranked and listed last."""

    def key(row: Row):
        value = _rank_value(row, ranked_by)
        return (value is None, -(value or 0), row.staff.display_name, row.staff.pk)

    rows.sort(key=key)
    for row, rank in zip(
        rows, competition_ranks([_rank_value(r, ranked_by) for r in rows]), strict=True
    ):
        row.rank_bank = rank
    by_branch: dict[int, list[Row]] = {}
    for row in rows:
        by_branch.setdefault(row.staff.branch_id, []).append(row)
    for group in by_branch.values():
        ranks = competition_ranks([_rank_value(r, ranked_by) for r in group])
        for row, rank in zip(group, ranks, strict=True):
            row.rank_branch = rank


def ranking_within(board: "Board", branch: Branch) -> list[tuple[int, Row]]:
    """The ranked RMs of a branch and its sub-branches, with their rank among them."""
    group = [
        r
        for r in board.rows
        if r.rank_bank is not None and r.staff.branch.path.startswith(branch.path)
    ]
    ranks = competition_ranks([_rank_value(r, board.ranked_by) for r in group])
    return list(zip(ranks, group, strict=True))


# ---------------------------------------------------------------------------------------------
# Who sees whose performance


def performance_staff_ids(actor) -> set[int] | None:
    """The staff whose detailed figures the actor may see: None for the whole bank, else ids
    (an RM: only themselves; a branch role: their branch subtree). Rankings (rank, name,
    branch, the ranked figure) are shown to everyone with view_performance."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(
        "people.view_performance"
    ):
        return set()
    if actor.scope == Scope.ALL or (
        actor.scope == Scope.BRANCH_SUBTREE and actor.branch.parent_id is None
    ):
        return None
    return set(staff_visible_to(actor).values_list("pk", flat=True))


def visible_rows(board: "Board", actor) -> list[Row]:
    ids = performance_staff_ids(actor)
    return [r for r in board.rows if ids is None or r.staff.pk in ids]


def visible_teams(board: "Board", actor) -> list[Row]:
    if actor.scope == Scope.OWN_BOOK or not actor.has_perm("people.view_performance"):
        return []
    if actor.scope == Scope.ALL or actor.branch.parent_id is None:
        return board.teams
    subtree = set(branch_subtree_ids(actor.branch))
    return [r for r in board.teams if r.team.branch_id in subtree]


def staff_performance_get(*, actor, pk: int) -> Staff:
    """An RM whose performance the actor may see, or Http404 exactly as for a missing one."""
    ids = performance_staff_ids(actor)
    if ids is not None and pk not in ids:
        raise Http404
    found = relationship_managers().select_related("branch", "team").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def target_owners(actor, *, branch: Branch | None = None) -> tuple[list[Staff], list[Team]]:
    """The RMs and teams whose targets the actor may set (their branch subtree), optionally
    only those of `branch` and below."""
    if not actor.has_perm("people.set_target"):
        return [], []
    rms = relationship_managers().select_related("branch", "team")
    teams = Team.objects.select_related("branch")
    if branch is not None:
        rms = rms.filter(branch__path__startswith=branch.path)
        teams = teams.filter(branch__path__startswith=branch.path)
    if actor.scope != Scope.ALL:
        if actor.scope != Scope.BRANCH_SUBTREE:
            return [], []
        rms = rms.filter(branch__path__startswith=actor.branch.path)
        teams = teams.filter(branch__path__startswith=actor.branch.path)
    return (
        list(rms.order_by("branch__path", "display_name", "pk")),
        list(teams.order_by("branch__path", "name")),
    )


def target_versions(*, period: Period, staff_ids, team_ids) -> dict[tuple[str, int], dict]:
    """{(kind, id): {metric: (value, version)}} for the form."""
    out: dict[tuple[str, int], dict] = {}
    rows = Target.objects.filter(period_kind=period.kind, period_start=period.start).filter(
        Q(staff_id__in=list(staff_ids)) | Q(team_id__in=list(team_ids))
    )
    for t in rows.values("staff_id", "team_id", "metric", "value", "version"):
        owner = ("staff", t["staff_id"]) if t["staff_id"] else ("team", t["team_id"])
        out.setdefault(owner, {})[t["metric"]] = (t["value"], t["version"])
    return out


# ---------------------------------------------------------------------------------------------
# Training


def courses_visible_to(actor) -> QuerySet[Course]:
    """Published courses for staff who take training; every course for those who keep them."""
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm("people.view_course"):
        return Course.objects.none()
    qs = Course.objects.all()
    if not actor.has_perm("people.manage_training"):
        qs = qs.filter(active=True)
    return qs


def catalogue(*, actor, product_id: int | None = None) -> list[Course]:
    """The courses the actor sees, each with the actor's own assignment and completion
    (`my_due`, `my_completed_at`), its products and material/question counts. Constant
    number of queries."""
    mine_due = Assignment.objects.filter(course=OuterRef("pk"), staff_id=actor.pk).values("due_on")
    mine_done = Completion.objects.filter(course=OuterRef("pk"), staff_id=actor.pk).values(
        "completed_at"
    )
    qs = courses_visible_to(actor)
    if product_id:
        qs = qs.filter(Q(products=product_id) | Q(required_for=product_id)).distinct()
    return list(
        qs.annotate(
            my_due=Subquery(mine_due[:1]),
            my_completed_at=Subquery(mine_done[:1]),
            material_count=Count("materials", distinct=True),
            question_count=Count("questions", distinct=True),
        )
        .prefetch_related("products", "required_for")
        .order_by("code")
    )


def course_get(*, actor, pk: int) -> Course:
    course = courses_visible_to(actor).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


def material_get(*, actor, pk: int) -> Material:
    """A material of a course the actor sees, or Http404 (files are served only this way)."""
    material = (
        Material.objects.select_related("course")
        .filter(pk=pk, course__in=courses_visible_to(actor))
        .first()
    )
    if material is None:
        raise Http404
    return material


@dataclass(frozen=True)
class CourseProgress:
    assignment: Assignment | None
    completion: Completion | None
    viewed: set[int]
    materials: int
    attempts: list[QuizAttempt]

    @property
    def overdue(self) -> bool:
        return bool(
            self.assignment and not self.completion and self.assignment.due_on < local_today()
        )

    @property
    def percent(self) -> int:
        """Materials opened (and the quiz passed) as a share of the course."""
        if self.completion:
            return 100
        steps = self.materials + 1
        return int(100 * len(self.viewed) / steps)


def course_progress(*, actor, course: Course) -> CourseProgress:
    return CourseProgress(
        assignment=Assignment.objects.filter(course=course, staff_id=actor.pk).first(),
        completion=Completion.objects.filter(course=course, staff_id=actor.pk).first(),
        viewed=set(
            MaterialView.objects.filter(material__course=course, staff_id=actor.pk).values_list(
                "material_id", flat=True
            )
        ),
        materials=course.materials.count(),
        attempts=list(QuizAttempt.objects.filter(course=course, staff_id=actor.pk)[:20]),
    )


def my_assignments(actor) -> list[Assignment]:
    """The actor's assigned courses, soonest due first, with `completed_at` annotated."""
    done = Completion.objects.filter(course=OuterRef("course_id"), staff_id=actor.pk).values(
        "completed_at"
    )
    return list(
        Assignment.objects.filter(staff_id=actor.pk, course__active=True)
        .select_related("course")
        .annotate(completed_at=Subquery(done[:1]))
        .order_by("due_on", "course__code")
    )


def assignment_staff(actor) -> QuerySet[Staff]:
    """Staff the actor may assign training to (their branch subtree)."""
    if not actor.has_perm("people.assign_training"):
        return Staff.objects.none()
    qs = Staff.objects.filter(is_active=True).select_related("branch")
    if actor.scope == Scope.ALL:
        return qs
    if actor.scope != Scope.BRANCH_SUBTREE:
        return Staff.objects.none()
    return qs.filter(branch__path__startswith=actor.branch.path)


def _report_staff(actor) -> QuerySet[Staff] | None:
    if not actor.has_perm("people.view_assignment"):
        return Staff.objects.none()
    if actor.scope == Scope.ALL:
        return None
    if actor.scope != Scope.BRANCH_SUBTREE:
        return Staff.objects.none()
    return Staff.objects.filter(branch__path__startswith=actor.branch.path)


REPORT_LIMIT = 500


def completion_report(
    *, actor, course_id: int | None = None, branch_id: int | None = None, status: str = ""
) -> list[Assignment]:
    """Assignments of the staff the actor oversees, with completion, attempts and progress
    annotated (`completed_at`, `score`, `attempt_count`, `viewed`, `material_count`), overdue
    first. At most REPORT_LIMIT rows; filter by course, branch (subtree) or status
    (`done`, `open`, `overdue`)."""
    staff = _report_staff(actor)
    qs = Assignment.objects.all()
    if staff is not None:
        qs = qs.filter(staff__in=staff)
    if course_id:
        qs = qs.filter(course_id=course_id)
    if branch_id:
        branch = Branch.objects.filter(pk=branch_id).first()
        qs = qs.filter(staff__branch__path__startswith=branch.path) if branch else qs.none()
    done = Completion.objects.filter(course=OuterRef("course_id"), staff=OuterRef("staff_id"))
    attempts = (
        QuizAttempt.objects.filter(course=OuterRef("course_id"), staff=OuterRef("staff_id"))
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    viewed = (
        MaterialView.objects.filter(
            material__course=OuterRef("course_id"), staff=OuterRef("staff_id")
        )
        .order_by()
        .values("staff_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    materials = (
        Material.objects.filter(course=OuterRef("course_id"))
        .order_by()
        .values("course_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    qs = qs.annotate(
        completed_at=Subquery(done.values("completed_at")[:1]),
        score=Subquery(done.values("score")[:1]),
        attempt_count=Coalesce(Subquery(attempts[:1]), 0),
        viewed=Coalesce(Subquery(viewed[:1]), 0),
        material_count=Coalesce(Subquery(materials[:1]), 0),
    )
    today = local_today()
    if status == "done":
        qs = qs.filter(completed_at__isnull=False)
    elif status == "open":
        qs = qs.filter(completed_at__isnull=True, due_on__gte=today)
    elif status == "overdue":
        qs = qs.filter(completed_at__isnull=True, due_on__lt=today)
    return list(
        qs.select_related("course", "staff__branch").order_by(
            F("completed_at").asc(nulls_first=True), "due_on", "staff__display_name", "pk"
        )[:REPORT_LIMIT]
    )


@dataclass(frozen=True)
class CourseSummary:
    course: Course
    assigned: int
    completed: int
    overdue: int

    @property
    def open(self) -> int:
        return self.assigned - self.completed - self.overdue

    @property
    def percent(self) -> int:
        return int(100 * self.completed / self.assigned) if self.assigned else 0


def completion_summary(*, actor, branch_id: int | None = None) -> list[CourseSummary]:
    """Per course: assigned, completed and overdue among the staff the actor oversees (one
    grouped query)."""
    staff = _report_staff(actor)
    qs = Assignment.objects.all()
    if staff is not None:
        qs = qs.filter(staff__in=staff)
    if branch_id:
        branch = Branch.objects.filter(pk=branch_id).first()
        qs = qs.filter(staff__branch__path__startswith=branch.path) if branch else qs.none()
    done = Exists(
        Completion.objects.filter(course=OuterRef("course_id"), staff=OuterRef("staff_id"))
    )
    today = local_today()
    rows = (
        qs.annotate(is_done=done)
        .values("course_id")
        .annotate(
            assigned=Count("id"),
            completed=Count("id", filter=Q(is_done=True)),
            overdue=Count("id", filter=Q(is_done=False, due_on__lt=today)),
        )
        .order_by()
    )
    by_course = {r["course_id"]: r for r in rows}
    courses = Course.objects.filter(pk__in=list(by_course)).order_by("code")
    return [
        CourseSummary(
            course=c,
            assigned=by_course[c.pk]["assigned"],
            completed=by_course[c.pk]["completed"],
            overdue=by_course[c.pk]["overdue"],
        )
        for c in courses
    ]
