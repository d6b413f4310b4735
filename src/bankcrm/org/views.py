"""Language and the staff workbench (sign-in and the rest: org/auth_views.py)."""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankcrm.customers.selectors import book_summary
from bankcrm.interactions.selectors import my_open_tasks, my_recent_interactions
from bankcrm.org.forms import LanguageForm
from bankcrm.org.services import staff_language_set


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Switch the interface language: kept on the staff record, and in a cookie for sign-in."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown language."))
    language = form.cleaned_data["language"]
    if request.user.is_authenticated:
        staff_language_set(staff=request.user, language=language)
    translation.activate(language)
    target = form.cleaned_data["next"]
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        target = settings.LOGIN_REDIRECT_URL
    response = redirect(target)
    # The sign-in page (before a staff member is known) follows the last choice on this browser.
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=365 * 24 * 3600,
        samesite="Lax",
        secure=request.is_secure(),
        httponly=True,
    )
    return response


def _chart_data(summary) -> dict:
    """What the workbench charts draw; passed to the page with json_script, read by charts.js."""
    bands = [
        _("Below ¥50K"),
        _("¥50K–500K"),
        _("¥500K–6M"),
        _("¥6M and above"),
    ]
    return {
        "stage": {
            "title": _("AUM by lifecycle stage"),
            "unit": _("CNY"),
            "items": [{"name": s.label, "value": float(s.aum)} for s in summary.by_stage],
        },
        "bands": {
            "title": _("Customers by AUM band"),
            "series": _("Customers"),
            "categories": bands,
            "values": [b.customers for b in summary.bands],
        },
    }


@login_required
def workbench(request: HttpRequest) -> HttpResponse:
    actor = request.user
    today = timezone.localdate()
    summary = book_summary(actor=actor)
    tasks = list(my_open_tasks(actor=actor, until=today)[:20])
    context = {
        "summary": summary,
        "tasks": tasks,
        "today": today,
        "interactions": list(my_recent_interactions(actor=actor, limit=10)),
        "chart_data": _chart_data(summary),
    }
    return render(request, "org/workbench.html", context)
