"""Service pages: the case list, a case (history, notes, replies, attachments, SLA clocks,
the workflow's next steps), the create form and the dashboards. Thin: reads from the scoped
selectors (out of scope → 404 as missing), writes through the services."""

from __future__ import annotations

import re
from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.selectors import customer_get, customers_visible_to
from bankcrm.org.models import Staff
from bankcrm.org.selectors import branches_visible_to
from bankcrm.service import selectors, services
from bankcrm.service.forms import (
    SLA_LABELS,
    AssignForm,
    AttachmentForm,
    CaseFilterForm,
    CaseForm,
    CommentForm,
    EscalateForm,
    TransitionForm,
)
from bankcrm.service.models import Case, CaseComment
from bankcrm.service.sla import clock


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _flash_errors(request: HttpRequest, exc: ValidationError) -> None:
    for message in exc.messages:
        messages.error(request, message)


def _assignable(actor, case: Case | None = None) -> list[Staff]:
    """Staff who work on cases, within the actor's sight (for filters and reassignment)."""
    from bankcrm.org.roles import PERMISSIONS
    from bankcrm.org.selectors import staff_visible_to

    roles = [r for r, perms in PERMISSIONS.items() if "service.change_case" in perms]
    staff = staff_visible_to(actor).filter(role__in=roles).order_by("branch__path", "username")
    if case is not None:
        ids = selectors.branch_subtree_ids(case.branch)
        path = case.branch.path
        staff = [
            s
            for s in staff
            if s.branch_id in ids or path.startswith(s.branch.path)  # below or above the case
        ]
    return list(staff)


# ---------------------------------------------------------------------------------------------
# List


@login_required
@require_GET
def case_list_view(request: HttpRequest) -> HttpResponse:
    _need(request, selectors.VIEW)
    language = get_language() or ""
    assignees = [
        (s.pk, s.display_name or s.username)
        for s in _assignable(request.user)
        if s.role == "service_agent"
    ]
    branches = [(b.pk, b.display_name(language)) for b in branches_visible_to(request.user)]
    form = CaseFilterForm(request.GET or None, assignees=assignees, branches=branches)
    form.is_valid()  # a bad value in one filter drops that filter, not the others
    data = getattr(form, "cleaned_data", {})
    filters = selectors.CaseFilters(
        query=data.get("q") or "",
        status="" if data.get("status") == "all" else (data.get("status") or "active"),
        sla=data.get("sla") or "",
        kind=data.get("kind") or "",
        category_id=data.get("category"),
        priority=data.get("priority"),
        assignee_id=data.get("assignee"),
        branch_id=data.get("branch"),
        mine=bool(data.get("mine")),
        escalated_to_me=bool(data.get("escalated")),
    )
    cases, next_cursor = selectors.case_list(
        actor=request.user, filters=filters, cursor=_int(request.GET.get("after"))
    )
    now = timezone.now()
    for c in cases:
        c.sla_state = _row_state(c, now)
        c.sla_label = SLA_LABELS[c.sla_state]
    query = request.GET.copy()
    query.pop("after", None)
    return render(
        request,
        "service/list.html",
        {
            "form": form,
            "cases": cases,
            "next_cursor": next_cursor,
            "query": query.urlencode(),
            "escalated_to_me": selectors.cases_visible_to(request.user)
            .filter(escalated_to=request.user, status__in=selectors.ACTIVE_STATUSES)
            .count(),
        },
    )


def _row_state(case: Case, now) -> str:
    """The resolution SLA state from the stored due times (no calendar needed for a list)."""
    if case.status in selectors.OPEN_STATUSES:
        if case.resolution_due < now:
            return "breached"
        return "at_risk" if case.resolution_warn_at <= now else "on_track"
    return "breached" if case.resolution_breached else "met"


# ---------------------------------------------------------------------------------------------
# Create


@login_required
@require_http_methods(["GET", "POST"])
def case_create_view(request: HttpRequest) -> HttpResponse:
    _need(request, "service.add_case")
    customer = None
    customer_pk = _int(request.GET.get("customer") or request.POST.get("customer"))
    if customer_pk:
        customer = customer_get(actor=request.user, pk=customer_pk)
    initial = {"customer_number": customer.number} if customer else {}
    form = CaseForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = (
            customers_visible_to(request.user)
            .select_related("branch")
            .filter(number=data["customer_number"])
            .first()
        )
        category = selectors.categories_active().filter(pk=data["category"]).first()
        if target is None:
            form.add_error("customer_number", _("No customer you serve has this number."))
        else:
            try:
                case = services.case_create(
                    actor=request.user,
                    customer=target,
                    kind=data["kind"],
                    channel=data["channel"],
                    category=category,
                    priority=data["priority"],
                    subject=data["subject"],
                    description=data["description"],
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Case %(number)s opened.") % {"number": case.number})
                return redirect("service:case", pk=case.pk)
    return render(request, "service/create.html", {"form": form, "customer": customer})


# ---------------------------------------------------------------------------------------------
# One case

# Runs of digits (card, account, ID or mobile numbers typed into a subject) stay out of the
# knowledge panel's URL: no personal data in URLs.
_NUMBERS = re.compile(r"[0-9*xX-]{6,}")


def knowledge_query(subject: str) -> str:
    return " ".join(_NUMBERS.sub(" ", subject).split())[:100]


def _clocks(case: Case) -> list[dict]:
    calendar = selectors.work_calendar()
    now = timezone.now()
    out = []
    for label, due, done in (
        (_("First response"), case.first_response_due, case.first_responded_at),
        (_("Resolution"), case.resolution_due, case.resolved_at),
    ):
        c = clock(calendar, start=case.opened_at, due=due, done_at=done, now=now)
        out.append(
            {
                "label": label,
                "clock": c,
                "state_label": SLA_LABELS[c.state],
                "hours_left": round(c.minutes_left / 60, 1),
                "percent": max(0, min(100, round(c.used * 100))),
            }
        )
    return out


@login_required
@require_GET
def case_view(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, selectors.VIEW)
    case = selectors.case_get(actor=request.user, pk=pk)
    comments = list(selectors.case_comments(case))
    surveys = []
    if request.user.has_perm("surveys.view_survey"):
        from bankcrm.surveys.selectors import surveys_of

        surveys = list(surveys_of(about_type="case", about_id=case.pk)[:3])
    actions = services.allowed_actions(case) if request.user.has_perm("service.change_case") else []
    assignees = []
    if request.user.has_perm("service.assign_case") and case.status != Case.Status.CLOSED:
        assignees = _assignable(request.user, case)
    return render(
        request,
        "service/case.html",
        {
            "case": case,
            "events": list(selectors.case_events(case)),
            "notes": [c for c in comments if c.visibility == CaseComment.Visibility.INTERNAL],
            "replies": [c for c in comments if c.visibility == CaseComment.Visibility.CUSTOMER],
            "attachments": list(selectors.case_attachments(case)),
            "clocks": _clocks(case),
            "actions": [a.action for a in actions],
            "action_buttons": [(a.action, a.label) for a in actions],
            "visit_outcomes": Case.VisitOutcome.choices,
            "assignees": assignees,
            "surveys": surveys,
            "can_escalate": request.user.has_perm("service.escalate_case")
            and case.status in selectors.ACTIVE_STATUSES,
            "can_work": request.user.has_perm("service.change_case")
            and case.status != Case.Status.CLOSED,
            "max_mb": services.ATTACHMENT_MAX_BYTES // (1024 * 1024),
            "file_types": ", ".join(sorted(services.ATTACHMENT_TYPES)),
            "knowledge": request.user.has_perm("knowledge.view_article"),
            "knowledge_query": knowledge_query(case.subject),
        },
    )


def _back(case: Case) -> HttpResponse:
    return redirect(reverse("service:case", args=[case.pk]))


def _act(
    request: HttpRequest,
    case: Case,
    form,
    run: Callable[[dict], object],
    *,
    done: str | Callable[[object], str],
    incomplete: str,
) -> HttpResponse:
    """A form posted to a service about the case, back to the case page whatever happens:
    invalid input flashes `incomplete`; someone else's change first, or the service's refusal,
    flashes why; success flashes `done` (or what it makes of the service's result)."""
    if not form.is_valid():
        messages.error(request, incomplete)
        return _back(case)
    try:
        result = run(form.cleaned_data)
    except ConflictError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        _flash_errors(request, exc)
    else:
        messages.success(request, done(result) if callable(done) else done)
    return _back(case)


@login_required
@require_POST
def case_transition_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    _need(request, "service.change_case")
    return _act(
        request,
        case,
        TransitionForm(request.POST),
        lambda d: services.case_transition(
            actor=request.user,
            case=case,
            action=d["action"],
            version=d["version"],
            resolution=d["resolution"],
            reason=d["reason"],
            visit_outcome=d["visit_outcome"],
            visit_notes=d["visit_notes"],
        ),
        done=lambda moved: _("Case is now “%(status)s”.") % {"status": moved.get_status_display()},
        incomplete=_("The request was incomplete; nothing was changed."),
    )


@login_required
@require_POST
def case_comment_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    _need(request, "service.change_case")
    return _act(
        request,
        case,
        CommentForm(request.POST),
        lambda d: services.case_comment_add(
            actor=request.user, case=case, visibility=d["visibility"], body=d["body"]
        ),
        done=_("Saved."),
        incomplete=_("Write the text."),
    )


@login_required
@require_POST
def case_attach_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    _need(request, "service.change_case")
    return _act(
        request,
        case,
        AttachmentForm(request.POST, request.FILES),
        lambda d: services.case_attachment_add(actor=request.user, case=case, upload=d["file"]),
        done=lambda attachment: _("%(name)s attached.") % {"name": attachment.filename},
        incomplete=_("Choose a file to attach."),
    )


@login_required
@require_GET
def attachment_view(request: HttpRequest, pk: int, attachment_pk: int) -> HttpResponse:
    _need(request, selectors.VIEW)
    attachment = selectors.attachment_get(actor=request.user, case_pk=pk, pk=attachment_pk)
    handle = services.attachment_open(actor=request.user, attachment=attachment)
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=attachment.filename,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def case_escalate_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    _need(request, "service.escalate_case")
    return _act(
        request,
        case,
        EscalateForm(request.POST),
        lambda d: services.case_escalate(
            actor=request.user, case=case, version=d["version"], reason=d["reason"]
        ),
        done=_("Case escalated."),
        incomplete=_("Say why the case is escalated."),
    )


@login_required
@require_POST
def case_assign_view(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(actor=request.user, pk=pk)
    _need(request, "service.assign_case")
    candidates = {s.pk: s for s in _assignable(request.user, case)}
    form = AssignForm(request.POST)
    form.fields["assignee"].choices = [(pk, str(s)) for pk, s in candidates.items()]
    return _act(
        request,
        case,
        form,
        lambda d: services.case_assign(
            actor=request.user,
            case=case,
            assignee=candidates[d["assignee"]],
            version=d["version"],
            reason=d["reason"],
        ),
        done=_("Case assigned."),
        incomplete=_("Choose who takes the case."),
    )


# ---------------------------------------------------------------------------------------------
# Dashboards


@login_required
@require_GET
def dashboard_view(request: HttpRequest) -> HttpResponse:
    _need(request, "service.view_service_dashboard")
    language = get_language() or ""
    board = selectors.service_dashboard(actor=request.user, language=language)
    trend = []
    if request.user.has_perm("surveys.view_survey"):
        from bankcrm.surveys.selectors import satisfaction_trend

        trend = satisfaction_trend(actor=request.user, months=12)
    month_fmt = "%Y-%m"
    chart = {
        "labels": {
            "on_track": str(SLA_LABELS["on_track"]),
            "at_risk": str(SLA_LABELS["at_risk"]),
            "breached": str(SLA_LABELS["breached"]),
            "opened": _("Cases opened"),
            "breaches": _("Cases with a breach"),
            "first": _("First response (business hours)"),
            "resolution": _("Resolution (business hours)"),
            "complaints": _("Complaints"),
            "cases": _("Cases"),
            "csat": _("CSAT (1–5)"),
            "nps": _("NPS"),
            "responses": _("Responses"),
        },
        "age": {
            "buckets": [
                (_("%(a)s–%(b)s days") % {"a": b["from"], "b": b["to"]})
                if b["to"]
                else (_("over %(a)s days") % {"a": b["from"]})
                for b in board.age_buckets
            ],
            "on_track": [b["on_track"] for b in board.age_buckets],
            "at_risk": [b["at_risk"] for b in board.age_buckets],
            "breached": [b["breached"] for b in board.age_buckets],
        },
        "months": [m.strftime(month_fmt) for m in board.months],
        "opened": board.opened_by_month,
        "breaches": board.breaches_by_month,
        "first": board.first_response_hours,
        "resolution": board.resolution_hours,
        "categories": [name for name, _n in board.top_complaint_categories],
        "category_counts": [n for _name, n in board.top_complaint_categories],
        "channels": [{"name": name, "value": n} for name, n in board.by_channel],
        "trend": {
            "months": [t.month.strftime(month_fmt) for t in trend],
            "csat": [None if t.csat is None else round(t.csat, 2) for t in trend],
            "nps": [None if t.nps is None else round(t.nps, 1) for t in trend],
            "responses": [t.responses for t in trend],
        },
    }
    return render(
        request,
        "service/dashboard.html",
        {"board": board, "chart": chart, "has_trend": bool(trend)},
    )
