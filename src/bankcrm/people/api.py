"""People endpoints of the REST API (read only): a period's performance against target with the
rankings, and the training assignments of the staff a manager oversees. For the bank's HR and
BI systems; targets are set and courses kept on the pages."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bankcrm.api.schemas import ERRORS, Id
from bankcrm.people import selectors
from bankcrm.people.models import Metric
from bankcrm.people.periods import parse_period

router = Router(tags=["people"])


class PeriodOut(Schema):
    key: str = Field(description="2026-05 (month), 2026-Q2 (quarter) or 2026 (year).")
    kind: str
    start: date
    end: date


class ActualsOut(Schema):
    new_customers: int
    aum: Decimal = Field(description="AUM of the RM's book now (CNY).")
    aum_growth: Decimal | None = Field(description="Over the period; null if not yet known.")
    sales_count: int
    sales_amount: Decimal
    new_leads: int
    referrals_given: int
    cases_closed: int
    cases_sla_met: int
    sla_met_share: Decimal | None = Field(description="Percent of closed cases within SLA.")
    csat_responses: int
    csat: Decimal | None = Field(description="Percent of CSAT answers rating 4 or 5.")
    nps: float | None


class ProgressOut(Schema):
    metric: str
    actual: Decimal | None
    target: Decimal | None
    percent: Decimal | None = Field(description="Actual as a percentage of the target.")


class StaffRowOut(Schema):
    staff_id: int
    name: str
    branch_id: int
    team_id: int | None
    rank_bank: int | None
    rank_branch: int | None
    score: Decimal | None = Field(description="Mean attainment over targeted metrics (capped).")
    actuals: ActualsOut
    progress: list[ProgressOut]


class RankOut(Schema):
    rank: int
    staff_id: int
    name: str
    branch_id: int
    value: Decimal | None


class AumOut(Schema):
    opening_day: date | None
    closing_day: date | None
    computed_at: datetime | None


class PerformanceOut(Schema):
    period: PeriodOut
    ranked_by: str
    aum: AumOut
    rows: list[StaffRowOut] = Field(description="The RMs whose details the caller may see.")
    ranking: list[RankOut] = Field(description="The first ranked RMs of the bank.")


class PerformanceIn(Schema):
    period: Annotated[str, Field(max_length=7)] = Field(
        "", description="2026-05, 2026-Q2 or 2026; the current month when blank."
    )
    rank: Literal[("score", *Metric.values)] = "score"  # type: ignore[valid-type]
    top: Annotated[int, Field(ge=1, le=100)] = 10


def _actuals(a: selectors.Actuals) -> dict:
    return {
        **{
            name: getattr(a, name)
            for name in (
                "new_customers",
                "aum",
                "aum_growth",
                "sales_count",
                "sales_amount",
                "new_leads",
                "referrals_given",
                "cases_closed",
                "cases_sla_met",
                "csat_responses",
                "nps",
            )
        },
        "sla_met_share": a.sla_met_share,
        "csat": a.csat,
    }


def _row(r: selectors.Row) -> dict:
    return {
        "staff_id": r.staff.pk,
        "name": r.staff.display_name or r.staff.username,
        "branch_id": r.staff.branch_id,
        "team_id": r.staff.team_id,
        "rank_bank": r.rank_bank,
        "rank_branch": r.rank_branch,
        "score": r.score,
        "actuals": _actuals(r.actuals),
        "progress": [
            {"metric": p.metric, "actual": p.actual, "target": p.target, "percent": p.percent}
            for p in r.progress
        ],
    }


@router.get(
    "/people/performance",
    response={200: PerformanceOut, **ERRORS},
    summary="Performance against target and rankings",
    description="Every RM's figures of a period against their targets, as the caller may see "
    "them (an RM: their own; a branch role: their branch subtree; head office: the bank), and "
    "the bank's ranking by the overall score or one metric.",
)
def performance(request: HttpRequest, filters: Query[PerformanceIn]):
    actor = request.auth
    if not actor.has_perm("people.view_performance"):
        raise PermissionDenied
    period = parse_period(filters.period)
    board = selectors.board(period=period, ranked_by=filters.rank)
    ranked = [r for r in board.rows if r.rank_bank is not None][: filters.top]
    return {
        "period": {
            "key": period.key,
            "kind": period.kind,
            "start": period.start,
            "end": period.end,
        },
        "ranked_by": board.ranked_by,
        "aum": {
            "opening_day": board.aum.opening_day,
            "closing_day": board.aum.closing_day,
            "computed_at": board.aum.computed_at,
        },
        "rows": [_row(r) for r in selectors.visible_rows(board, actor)],
        "ranking": [
            {
                "rank": r.rank_bank,
                "staff_id": r.staff.pk,
                "name": r.staff.display_name or r.staff.username,
                "branch_id": r.staff.branch_id,
                "value": selectors._rank_value(r, board.ranked_by),
            }
            for r in ranked
        ],
    }


class AssignmentOut(Schema):
    id: int
    course_id: int
    course_code: str
    staff_id: int
    staff_name: str
    branch_id: int
    due_on: date
    completed_at: datetime | None
    score: Decimal | None
    attempts: int
    materials_opened: int
    materials: int
    overdue: bool


class AssignmentListIn(Schema):
    course_id: Id | None = None
    branch_id: Id | None = Field(None, description="This branch and its sub-branches.")
    status: Literal["", "done", "open", "overdue"] = ""


class AssignmentListOut(Schema):
    items: list[AssignmentOut]
    truncated: bool = Field(description="True when more than the first 500 rows matched.")


@router.get(
    "/people/assignments",
    response={200: AssignmentListOut, **ERRORS},
    summary="Training assignments and completion",
    description="Assignments of the staff the caller oversees, overdue and open first, with "
    "completion, best score, attempts and materials opened (at most 500 rows: filter).",
)
def assignments(request: HttpRequest, filters: Query[AssignmentListIn]):
    actor = request.auth
    if not actor.has_perm("people.view_assignment"):
        raise PermissionDenied
    rows = selectors.completion_report(
        actor=actor,
        course_id=filters.course_id,
        branch_id=filters.branch_id,
        status=filters.status,
    )
    today = selectors.local_today()
    return {
        "items": [
            {
                "id": a.pk,
                "course_id": a.course_id,
                "course_code": a.course.code,
                "staff_id": a.staff_id,
                "staff_name": a.staff.display_name or a.staff.username,
                "branch_id": a.staff.branch_id,
                "due_on": a.due_on,
                "completed_at": a.completed_at,
                "score": None if a.score is None else Decimal(a.score).quantize(Decimal("0.01")),
                "attempts": a.attempt_count,
                "materials_opened": a.viewed,
                "materials": a.material_count,
                "overdue": a.completed_at is None and a.due_on < today,
            }
            for a in rows
        ],
        "truncated": len(rows) >= selectors.REPORT_LIMIT,
    }
