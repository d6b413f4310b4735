"""Sales reports, each scoped to the viewer (opportunities_visible_to / leads_visible_to):
the funnel, win rates and cycle times, the forecast and referrer credit. Grouped queries only:
the work does not grow with the number of staff or branches shown."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, DecimalField, ExpressionWrapper, F, Max, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bankcrm.org.models import Branch, Staff
from bankcrm.sales.models import Lead, Opportunity, ProductLine, Stage, StageHistory
from bankcrm.sales.selectors import leads_visible_to, opportunities_visible_to
from bankcrm.sales.services import add_months

ZERO = Decimal("0")


@dataclass(frozen=True)
class ReportFilters:
    start: date
    end: date
    branch_id: int | None = None
    line_id: int | None = None

    def bounds(self) -> tuple[datetime, datetime]:
        tz = timezone.get_current_timezone()
        return (
            datetime.combine(self.start, time.min, tzinfo=tz),
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=tz),
        )


def _opps(actor, filters: ReportFilters):
    qs = opportunities_visible_to(actor)
    if filters.branch_id:
        from bankcrm.org.selectors import branch_subtree_ids

        branch = Branch.objects.filter(pk=filters.branch_id).first()
        qs = qs.filter(branch_id__in=branch_subtree_ids(branch)) if branch else qs.none()
    if filters.line_id:
        qs = qs.filter(line_id=filters.line_id)
    return qs


@dataclass
class FunnelStep:
    stage: Stage
    reached: int = 0  # opportunities of the period that got at least this far
    reached_amount: Decimal = ZERO
    current: int = 0  # those at this stage now
    current_amount: Decimal = ZERO
    won_after: int = 0  # of those that got this far and closed since: won
    lost_after: int = 0  # ... and lost

    @property
    def win_rate(self) -> float | None:
        """Of the opportunities that got this far and are closed, the share won (%)."""
        closed = self.won_after + self.lost_after
        return round(100 * self.won_after / closed, 1) if closed else None


def funnel(*, actor, filters: ReportFilters, line: ProductLine) -> list[FunnelStep]:
    """For the opportunities of `line` opened in the period: how many reached each open stage
    (and won), with their amounts, and how many are at each stage now."""
    start, end = filters.bounds()
    opps = _opps(actor, filters).filter(line=line, created_at__gte=start, created_at__lt=end)
    stages = list(line.stages.order_by("position"))
    steps = {s.pk: FunnelStep(stage=s) for s in stages}
    furthest = {
        row["opportunity_id"]: row["furthest"]
        for row in StageHistory.objects.filter(
            opportunity__in=opps.values("pk"), stage__kind=Stage.Kind.OPEN
        )
        .values("opportunity_id")
        .annotate(furthest=Max("stage__position"))
    }
    open_stages = [s for s in stages if s.kind == Stage.Kind.OPEN]
    won_stage = next((s for s in stages if s.kind == Stage.Kind.WON), None)
    lost_stage = next((s for s in stages if s.kind == Stage.Kind.LOST), None)
    for opp in opps.values("pk", "amount", "status", "stage_id"):
        reached = furthest.get(opp["pk"], -1)
        won = opp["status"] == Opportunity.Status.WON
        lost = opp["status"] == Opportunity.Status.LOST
        for s in open_stages:
            if won or s.position <= reached:
                steps[s.pk].reached += 1
                steps[s.pk].reached_amount += opp["amount"]
                steps[s.pk].won_after += won
                steps[s.pk].lost_after += lost
        if won and won_stage:
            steps[won_stage.pk].reached += 1
            steps[won_stage.pk].reached_amount += opp["amount"]
        if lost and lost_stage:  # "reached" the end: lost
            steps[lost_stage.pk].reached += 1
            steps[lost_stage.pk].reached_amount += opp["amount"]
        step = steps.get(opp["stage_id"])
        if step:
            step.current += 1
            step.current_amount += opp["amount"]
    return [steps[s.pk] for s in stages if s.kind != Stage.Kind.LOST] + [
        steps[s.pk] for s in stages if s.kind == Stage.Kind.LOST
    ]


@dataclass
class WinRow:
    key: int
    label: str
    won: int = 0
    lost: int = 0
    won_amount: Decimal = ZERO
    cycle_days: float | None = None  # average days from opening to winning

    @property
    def closed(self) -> int:
        return self.won + self.lost

    @property
    def rate(self) -> float | None:
        return round(100 * self.won / self.closed, 1) if self.closed else None


GROUPS = {"line": "line_id", "branch": "branch_id", "owner": "owner_id"}


def win_rates(*, actor, filters: ReportFilters, by: str, language: str) -> list[WinRow]:
    """Opportunities closed in the period, won against lost, per product line, branch or
    owner; with the average cycle (days from opening to winning)."""
    column = GROUPS[by]
    start, end = filters.bounds()
    closed = _opps(actor, filters).filter(
        status__in=[Opportunity.Status.WON, Opportunity.Status.LOST],
        closed_at__gte=start,
        closed_at__lt=end,
    )
    rows: dict[int, WinRow] = {}
    cycles: dict[int, list[float]] = defaultdict(list)
    for opp in closed.values(column, "status", "amount", "created_at", "closed_at"):
        key = opp[column]
        row = rows.setdefault(key, WinRow(key=key, label=""))
        if opp["status"] == Opportunity.Status.WON:
            row.won += 1
            row.won_amount += opp["amount"]
            cycles[key].append((opp["closed_at"] - opp["created_at"]).total_seconds() / 86400)
        else:
            row.lost += 1
    for key, days in cycles.items():
        rows[key].cycle_days = round(sum(days) / len(days), 1)
    labels = _labels(by, list(rows), language)
    for row in rows.values():
        row.label = labels.get(row.key, str(row.key))
    return sorted(rows.values(), key=lambda r: (-r.won_amount, r.label))


def _labels(by: str, keys: list[int], language: str) -> dict[int, str]:
    if by == "line":
        return {x.pk: x.display_name(language) for x in ProductLine.objects.filter(pk__in=keys)}
    if by == "branch":
        return {x.pk: x.display_name(language) for x in Branch.objects.filter(pk__in=keys)}
    return {x.pk: str(x) for x in Staff.objects.filter(pk__in=keys)}


@dataclass
class StageCycle:
    stage: Stage
    passages: int
    average_days: float | None


def stage_cycle_times(*, actor, filters: ReportFilters, line: ProductLine) -> list[StageCycle]:
    """How long opportunities of the line stayed in each open stage, over the stays that ended
    in the period (the stage history's entered and left times)."""
    start, end = filters.bounds()
    stays = StageHistory.objects.filter(
        opportunity__in=_opps(actor, filters).filter(line=line).values("pk"),
        left_at__gte=start,
        left_at__lt=end,
        stage__kind=Stage.Kind.OPEN,
    ).values_list("stage_id", "entered_at", "left_at")
    days: dict[int, list[float]] = defaultdict(list)
    for stage_id, entered, left in stays:
        days[stage_id].append((left - entered).total_seconds() / 86400)
    return [
        StageCycle(
            stage=s,
            passages=len(days[s.pk]),
            average_days=round(sum(days[s.pk]) / len(days[s.pk]), 1) if days[s.pk] else None,
        )
        for s in line.stages.filter(kind=Stage.Kind.OPEN).order_by("position")
    ]


@dataclass
class ForecastMonth:
    month: date
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO


def forecast(*, actor, filters: ReportFilters, today: date, months: int = 6) -> list[ForecastMonth]:
    """Open opportunities by expected-close month, for this month and the next ones: their
    amount, and the amount weighted by probability (the expected volume). Opportunities whose
    expected close has passed count in the current month (they are late, not gone)."""
    first = today.replace(day=1)
    last = add_months(first, months)
    weighted = ExpressionWrapper(
        F("amount") * F("probability") / 100,
        output_field=DecimalField(max_digits=20, decimal_places=4),
    )
    rows = (
        _opps(actor, filters)
        .filter(status=Opportunity.Status.OPEN, expected_close__lt=last)
        .annotate(month=TruncMonth("expected_close"))
        .values("month")
        .annotate(n=Count("id"), total=Sum("amount"), expected=Sum(weighted))
    )
    result = {
        add_months(first, i): ForecastMonth(month=add_months(first, i)) for i in range(months)
    }
    for row in rows:
        month = max(row["month"], first) if row["month"] else first
        bucket = result[month]
        bucket.count += row["n"]
        bucket.amount += row["total"] or ZERO
        bucket.weighted += Decimal(row["expected"] or 0).quantize(Decimal("0.01"))
    return list(result.values())


@dataclass
class ReferralRow:
    referrer: Staff
    referrals: int = 0
    cross_line: int = 0
    converted: int = 0
    won_amount: Decimal = ZERO
    lines: dict[str, int] = field(default_factory=dict)


def referral_credit(*, actor, filters: ReportFilters) -> list[ReferralRow]:
    """Referrals given in the period per referrer: how many, how many across business lines,
    how many became opportunities, and the amount won from them (the referrer's credit)."""
    start, end = filters.bounds()
    leads = leads_visible_to(actor).filter(
        referrer__isnull=False, created_at__gte=start, created_at__lt=end
    )
    if filters.branch_id:
        from bankcrm.org.selectors import branch_subtree_ids

        branch = Branch.objects.filter(pk=filters.branch_id).first()
        leads = leads.filter(branch_id__in=branch_subtree_ids(branch)) if branch else leads.none()
    counts = (
        leads.values("referrer_id")
        .annotate(
            n=Count("id"),
            cross=Count(
                "id",
                filter=~Q(referrer_line=F("product_line__business_line"))
                & Q(product_line__isnull=False),
            ),
            converted=Count("id", filter=Q(status=Lead.Status.CONVERTED)),
        )
        .order_by()
    )
    won = dict(
        Opportunity.objects.filter(lead__in=leads.values("pk"), status=Opportunity.Status.WON)
        .values("lead__referrer_id")
        .annotate(total=Sum("amount"))
        .values_list("lead__referrer_id", "total")
    )
    staff = {s.pk: s for s in Staff.objects.filter(pk__in=[c["referrer_id"] for c in counts])}
    rows = [
        ReferralRow(
            referrer=staff[c["referrer_id"]],
            referrals=c["n"],
            cross_line=c["cross"],
            converted=c["converted"],
            won_amount=won.get(c["referrer_id"]) or ZERO,
        )
        for c in counts
    ]
    return sorted(rows, key=lambda r: (-r.referrals, r.referrer.pk))
