"""Reads of satisfaction results. The figures:

- CSAT: mean of the 1–5 answers; the satisfied share is the share answering 4 or 5.
- NPS: promoters (9–10) % minus detractors (0–6) %, from −100 to 100, over the NPS answers.

`responses` counts answered surveys; a survey may carry one score and not the other, so each
mean is over the answers it has (None when there are none).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Avg, Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from bankcrm.customers.selectors import customers_visible_to
from bankcrm.surveys.models import Survey

VIEW = "surveys.view_survey"


@dataclass(frozen=True)
class Satisfaction:
    responses: int
    csat: float | None  # mean, 1–5
    csat_satisfied_share: float | None  # share answering 4–5, 0–1
    nps: float | None  # promoters% − detractors%, −100..100


@dataclass(frozen=True)
class MonthSatisfaction:
    month: date  # the first day of the month (bank's local calendar)
    responses: int
    csat: float | None
    nps: float | None


@dataclass(frozen=True)
class GroupSatisfaction:
    key: int | None
    label: str
    satisfaction: Satisfaction


_FIGURES = {
    "responses": Count("id"),
    "csat_avg": Avg("csat"),
    "csat_n": Count("csat"),
    "csat_top": Count("id", filter=Q(csat__gte=4)),
    "nps_n": Count("nps"),
    "promoters": Count("id", filter=Q(nps__gte=9)),
    "detractors": Count("id", filter=Q(nps__lte=6)),
}


def _satisfaction(row: dict) -> Satisfaction:
    csat_n, nps_n = row["csat_n"], row["nps_n"]
    return Satisfaction(
        responses=row["responses"],
        csat=round(float(row["csat_avg"]), 2) if csat_n else None,
        csat_satisfied_share=round(row["csat_top"] / csat_n, 4) if csat_n else None,
        nps=round(100 * (row["promoters"] - row["detractors"]) / nps_n, 1) if nps_n else None,
    )


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _answered_between(qs: QuerySet[Survey], start: date, end: date) -> QuerySet[Survey]:
    """Answered on a day from `start` to `end` inclusive (the bank's calendar)."""
    return qs.filter(
        status=Survey.Status.ANSWERED,
        answered_at__gte=_local_midnight(start),
        answered_at__lt=_local_midnight(end + timedelta(days=1)),
    )


def with_status(qs: QuerySet[Survey], status: str) -> QuerySet[Survey]:
    """Surveys whose status is `status` as of now (Survey.current_status): a sent survey past
    its date counts as expired. An unknown status filters nothing."""
    now = timezone.now()
    if status == Survey.Status.SENT:
        return qs.filter(status=Survey.Status.SENT, expires_at__gt=now)
    if status == Survey.Status.EXPIRED:
        return qs.filter(
            Q(status=Survey.Status.EXPIRED) | Q(status=Survey.Status.SENT, expires_at__lte=now)
        )
    if status == Survey.Status.ANSWERED:
        return qs.filter(status=Survey.Status.ANSWERED)
    return qs


def surveys_visible_to(actor) -> QuerySet[Survey]:
    if not getattr(actor, "is_authenticated", False) or not actor.has_perm(VIEW):
        return Survey.objects.none()
    return Survey.objects.filter(customer__in=customers_visible_to(actor).values("pk"))


def survey_get(*, actor, pk: int) -> Survey:
    from django.http import Http404

    survey = (
        surveys_visible_to(actor)
        .select_related("customer", "staff", "branch", "message")
        .filter(pk=pk)
        .first()
    )
    if survey is None:
        raise Http404
    return survey


def satisfaction_by_staff(*, start: date, end: date) -> dict[int, Satisfaction]:
    """Every rated staff member's satisfaction over surveys answered from start to end
    (inclusive), keyed by staff id. Bank-wide: callers (performance pages) scope who sees it."""
    rows = (
        _answered_between(Survey.objects.filter(staff__isnull=False), start, end)
        .values("staff_id")
        .annotate(**_FIGURES)
        .order_by()
    )
    return {row["staff_id"]: _satisfaction(row) for row in rows}


def satisfaction_summary(*, actor, start: date, end: date) -> Satisfaction:
    row = _answered_between(surveys_visible_to(actor), start, end).aggregate(**_FIGURES)
    return _satisfaction(row)


def _month_starts(months: int, today: date) -> list[date]:
    first = today.replace(day=1)
    out = []
    for _i in range(months):
        out.append(first)
        first = (first - timedelta(days=1)).replace(day=1)
    return list(reversed(out))


def satisfaction_trend(*, actor, months: int = 12) -> list[MonthSatisfaction]:
    """The last `months` calendar months (this one included), oldest first, every month
    present (zero responses where none), over the surveys of the actor's customers."""
    months = max(1, min(int(months), 120))
    starts = _month_starts(months, timezone.localdate())
    qs = _answered_between(surveys_visible_to(actor), starts[0], timezone.localdate())
    rows = (
        qs.annotate(month=TruncMonth("answered_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(**_FIGURES)
        .order_by("month")
    )
    by_month = {}
    for row in rows:
        month = row["month"]
        if isinstance(month, datetime):
            month = timezone.localtime(month).date() if timezone.is_aware(month) else month.date()
        by_month[month.replace(day=1)] = _satisfaction(row)
    empty = Satisfaction(responses=0, csat=None, csat_satisfied_share=None, nps=None)
    return [
        MonthSatisfaction(
            month=m,
            responses=by_month.get(m, empty).responses,
            csat=by_month.get(m, empty).csat,
            nps=by_month.get(m, empty).nps,
        )
        for m in starts
    ]


def _grouped(qs: QuerySet[Survey], field: str) -> Iterable[tuple[int | None, Satisfaction]]:
    rows = qs.values(field).annotate(**_FIGURES).order_by()
    for row in rows:
        yield row[field], _satisfaction(row)


def satisfaction_by_branch_for(*, actor, start: date, end: date) -> list[GroupSatisfaction]:
    """Per branch of the surveys the actor may see, most responses first."""
    from django.utils.translation import get_language

    from bankcrm.org.models import Branch

    qs = _answered_between(surveys_visible_to(actor), start, end)
    groups = dict(_grouped(qs, "branch_id"))
    names = {b.pk: b for b in Branch.objects.filter(pk__in=list(groups))}
    language = get_language() or "zh-hans"
    out = [
        GroupSatisfaction(
            key=pk, label=names[pk].display_name(language) if pk in names else "—", satisfaction=s
        )
        for pk, s in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.satisfaction.responses, g.label))


def satisfaction_by_staff_for(
    *, actor, start: date, end: date, limit: int = 20
) -> list[GroupSatisfaction]:
    """Per rated staff member, over the surveys the actor may see, most responses first."""
    from bankcrm.org.models import Staff

    qs = _answered_between(surveys_visible_to(actor).filter(staff__isnull=False), start, end)
    groups = dict(_grouped(qs, "staff_id"))
    people = {s.pk: s for s in Staff.objects.filter(pk__in=list(groups))}
    out = [
        GroupSatisfaction(
            key=pk,
            label=(people[pk].display_name or people[pk].username) if pk in people else "—",
            satisfaction=s,
        )
        for pk, s in groups.items()
    ]
    return sorted(out, key=lambda g: (-g.satisfaction.responses, g.label))[:limit]


def surveys_of(*, about_type: str, about_id: int) -> QuerySet[Survey]:
    """The surveys about one object (e.g. a case), newest first. The caller has already
    checked that the actor may see that object."""
    return (
        Survey.objects.filter(about_type=about_type, about_id=about_id)
        .select_related("staff", "branch", "message")
        .order_by("-created_at", "-id")
    )


def recent_comments(*, actor, start: date, end: date, limit: int = 20) -> list[Survey]:
    return list(
        _answered_between(surveys_visible_to(actor), start, end)
        .filter(has_comment=True)
        .select_related("customer", "staff", "branch")
        .order_by("-answered_at", "-id")[:limit]
    )


def survey_page(*, actor, after: int | None = None, size: int = 50, status: str = ""):
    """Keyset page of the actor's surveys, newest first."""
    qs = with_status(
        surveys_visible_to(actor).select_related("customer", "staff", "branch"), status
    )
    if after:
        qs = qs.filter(id__lt=after)
    items = list(qs.order_by("-id")[: size + 1])
    next_cursor = items[size - 1].pk if len(items) > size else None
    return items[:size], next_cursor


def timeline_entries(*, actor, customer, limit: int):
    """Answered surveys for the customer 360 timeline (customers.timeline)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from bankcrm.customers.timeline import TimelineEntry

    if not actor.has_perm(VIEW):
        return
    answered = (
        Survey.objects.filter(customer_id=customer.pk, status=Survey.Status.ANSWERED)
        .select_related("staff")
        .order_by("-answered_at", "-id")[:limit]
    )
    for s in answered:
        scores = " · ".join(
            filter(
                None,
                [
                    f"CSAT {s.csat}/5" if s.csat is not None else "",
                    f"NPS {s.nps}/10" if s.nps is not None else "",
                ],
            )
        )
        yield TimelineEntry(
            at=s.answered_at,
            kind="survey",
            kind_label=_("Satisfaction survey"),
            icon="bi-emoji-smile",
            title=_("Survey answered: %(scores)s") % {"scores": scores},
            detail=s.comment[:200],
            url=reverse("surveys:detail", args=[s.pk]),
            actor=(s.staff.display_name or s.staff.username) if s.staff else "",
        )
