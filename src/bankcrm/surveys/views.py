"""Survey pages: the staff results page (trend, by branch, by staff, comments), the list and one
survey, all scoped by the selectors; and the customer's public answer page."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from bankcrm.surveys import selectors, services
from bankcrm.surveys.models import Survey

PERIODS = (3, 6, 12, 24)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _need(request: HttpRequest) -> None:
    if not request.user.has_perm(selectors.VIEW):
        raise PermissionDenied


def _period(request: HttpRequest) -> int:
    months = _int(request.GET.get("months"))
    return months if months in PERIODS else 12


@login_required
@require_GET
def survey_results(request: HttpRequest) -> HttpResponse:
    _need(request)
    months = _period(request)
    trend = selectors.satisfaction_trend(actor=request.user, months=months)
    start, end = trend[0].month, timezone.localdate()
    summary = selectors.satisfaction_summary(actor=request.user, start=start, end=end)
    branches = selectors.satisfaction_by_branch_for(actor=request.user, start=start, end=end)
    people = selectors.satisfaction_by_staff_for(actor=request.user, start=start, end=end)
    comments = selectors.recent_comments(actor=request.user, start=start, end=end, limit=12)
    charts = {
        "labels": {
            "csat": _("CSAT (1–5)"),
            "nps": _("NPS"),
            "responses": _("Responses"),
        },
        "trend": {
            "months": [m.month.strftime("%Y-%m") for m in trend],
            "responses": [m.responses for m in trend],
            "csat": [m.csat for m in trend],
            "nps": [m.nps for m in trend],
        },
        "branches": {
            "names": [g.label for g in branches[:12]],
            "csat": [g.satisfaction.csat for g in branches[:12]],
            "nps": [g.satisfaction.nps for g in branches[:12]],
        },
    }
    context = {
        "months": months,
        "periods": PERIODS,
        "start": start,
        "end": end,
        "summary": summary,
        "branches": branches,
        "people": people,
        "comments": comments,
        "charts_json": json.dumps(charts, cls=DjangoJSONEncoder, ensure_ascii=False),
    }
    return render(request, "surveys/results.html", context)


@login_required
@require_GET
def survey_list(request: HttpRequest) -> HttpResponse:
    _need(request)
    status = request.GET.get("status", "")
    items, next_cursor = selectors.survey_page(
        actor=request.user, after=_int(request.GET.get("after")), status=status
    )
    context = {
        "items": items,
        "next_cursor": next_cursor,
        "status": status if status in Survey.Status.values else "",
        "statuses": Survey.Status.choices,
    }
    return render(request, "surveys/list.html", context)


@login_required
@require_GET
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request)
    survey = selectors.survey_get(actor=request.user, pk=pk)
    return render(request, "surveys/detail.html", {"survey": survey})


# ------------------------------------------------------------------------------------- public

_STATUS_CODES = {"unknown": 404, Survey.Status.EXPIRED: 410, Survey.Status.ANSWERED: 200}


def _public_language(request: HttpRequest, survey: Survey | None) -> str:
    asked = request.GET.get("lang") or request.POST.get("lang")
    if asked in services.LANGUAGES:
        return asked
    return survey.language if survey is not None else "zh-hans"


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def survey_answer_view(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's page: two questions and a comment, one answer only. An unknown token, an
    answered or an expired survey get a page that says so (and nothing about the customer)."""
    survey = services.survey_by_token(token)
    language = _public_language(request, survey)
    with translation.override(language):
        if survey is None:
            return _closed(request, "unknown", language)
        if survey.status == Survey.Status.SENT and survey.expires_at <= timezone.now():
            services.surveys_expire()
            return _closed(request, Survey.Status.EXPIRED, language)
        if survey.status != Survey.Status.SENT:
            return _closed(request, survey.status, language)
        errors: dict = {}
        values = {"csat": "", "nps": "", "comment": ""}
        if request.method == "POST":
            values = {k: request.POST.get(k, "") for k in values}
            try:
                services.survey_answer(
                    survey=survey,
                    csat=values["csat"],
                    nps=values["nps"],
                    comment=values["comment"],
                )
            except services.SurveyClosed as closed:
                return _closed(request, closed.status, language)
            except ValidationError as exc:
                errors = {k: [str(m) for m in v] for k, v in exc.message_dict.items()}
            else:
                return render(
                    request,
                    "surveys/public/thanks.html",
                    {"language": language, "token": token},
                )
        context = {
            "language": language,
            "token": token,
            "errors": errors,
            "values": values,
            "csat_scale": [
                (1, _("Very dissatisfied")),
                (2, _("Dissatisfied")),
                (3, _("Neutral")),
                (4, _("Satisfied")),
                (5, _("Very satisfied")),
            ],
            "nps_scale": [str(n) for n in range(11)],
            "expires_on": timezone.localtime(survey.expires_at).date(),
        }
        return render(request, "surveys/public/answer.html", context, status=400 if errors else 200)


def _closed(request: HttpRequest, state: str, language: str) -> HttpResponse:
    return render(
        request,
        "surveys/public/closed.html",
        {"state": state, "language": language},
        status=_STATUS_CODES.get(state, 404),
    )
