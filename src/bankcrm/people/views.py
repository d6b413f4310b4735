"""People pages: performance (own, branch and bank rankings), target setting, and training
(catalogue, course, materials, quiz, assignment, completion report). Thin: reads come from the
scoped selectors (out of scope → 404 as missing), writes go through the services."""

from __future__ import annotations

import mimetypes
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.forms import apply_service_errors
from bankcrm.org.models import Team
from bankcrm.org.roles import Scope
from bankcrm.org.selectors import branches_visible_to
from bankcrm.people import selectors, services
from bankcrm.people.forms import AssignForm, CourseForm, MaterialForm, QuestionForm
from bankcrm.people.models import Material, Metric, PeriodKind, Question, training_storage
from bankcrm.people.periods import Period, parse_period, period_containing, today

# The detail tables show at most this many RMs (and teams), in rank order: a head-office view
# of thousands of RMs is narrowed with the branch filter.
ROW_LIMIT = 200


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _period(request: HttpRequest) -> Period:
    kind = request.GET.get("kind")
    if kind in PeriodKind.values and not request.GET.get("period"):
        return period_containing(kind, today())
    return parse_period(request.GET.get("period"))


def _num(value) -> float | None:
    return None if value is None else float(value)


def _pct(value) -> str:
    """85.00 → "85", 66.67 → "66.7"."""
    return format(value.quantize(Decimal("0.1")).normalize(), "f")


def _plain(value) -> str:
    """A target as typed: 12 rather than 12.00, 3500000 rather than 3500000.00."""
    if value is None:
        return ""
    return str(int(value)) if value == value.to_integral_value() else str(value)


def _periods_nav(period: Period) -> dict:
    current = {k: period_containing(k, today()) for k in PeriodKind.values}
    return {
        "period": period,
        "previous_period": period.previous(),
        "next_period": period.next() if period.end < today() else None,
        "period_kinds": [(k, label, current[k]) for k, label in PeriodKind.choices],
        "metrics": list(Metric),
    }


# ---------------------------------------------------------------------------------------------
# Performance


@login_required
@require_GET
def performance(request: HttpRequest) -> HttpResponse:
    """The rankings of a period across the bank and within a branch, and (for managers) every
    RM and team of their branch against target."""
    _need(request, "people.view_performance")
    actor = request.user
    period = _period(request)
    ranked_by = request.GET.get("rank", "score")
    services.aum_snapshot_request(period=period)
    board = selectors.board(period=period, ranked_by=ranked_by)
    rows = selectors.visible_rows(board, actor)
    overseer = actor.scope != Scope.OWN_BOOK  # sees other RMs' details, not only the rankings
    branches = list(branches_visible_to(actor).order_by("path")) if overseer else []
    branch = None
    branch_id = _int(request.GET.get("branch"))
    if branch_id:
        branch = next((b for b in branches if b.pk == branch_id), None)
        if branch is None:
            raise Http404
        rows = [r for r in rows if r.staff.branch.path.startswith(branch.path)]
    teams = selectors.visible_teams(board, actor)
    if branch is not None:
        teams = [r for r in teams if r.team.branch.path.startswith(branch.path)]
    me = board.of(actor.pk)
    ranked = [r for r in board.rows if r.rank_bank is not None]
    home = branch or (me.staff.branch if me else actor.branch)
    branch_ranking = selectors.ranking_within(board, home)
    my_branch_rank = next((rank for rank, r in branch_ranking if me and r is me), None)
    lang = get_language() or ""
    chart = {
        "ranking": {
            "names": [r.staff.display_name or r.staff.username for r in ranked[:10]],
            "values": [_num(selectors._rank_value(r, board.ranked_by)) for r in ranked[:10]],
            "me": me.staff.pk if me else None,
            "ids": [r.staff.pk for r in ranked[:10]],
            "percent": board.ranked_by in ("score", Metric.SLA_MET_SHARE, Metric.CSAT),
        },
        "attainment": _attainment_chart(rows, teams) if overseer else None,
    }
    return render(
        request,
        "people/performance.html",
        {
            **_periods_nav(period),
            "board": board,
            "rows": rows[:ROW_LIMIT],
            "row_count": len(rows),
            "row_limit": ROW_LIMIT,
            "teams": teams[:ROW_LIMIT],
            "overseer": overseer,
            "me": me,
            "bank_ranking": ranked[:10],
            "branch_ranking": branch_ranking[:20],
            "branch_ranked": len(branch_ranking),
            "my_branch_rank": my_branch_rank,
            "home_branch": home,
            "ranked_count": len(ranked),
            "branches": branches,
            "branch": branch,
            "rank_choices": [("score", _("Overall score"))] + list(Metric.choices),
            "ranked_by": board.ranked_by,
            "chart": chart,
            "lang": lang,
        },
    )


def _attainment_chart(rows, teams) -> dict:
    """Per metric, the summed actual of the rows shown against their summed target (only RMs
    with a target for that metric count on both sides)."""
    labels, actual, target = [], [], []
    for metric in Metric:
        if metric in (Metric.SLA_MET_SHARE, Metric.CSAT):
            continue  # shares do not add up
        with_target = [r for r in rows if metric.value in r.targets]
        if not with_target:
            continue
        labels.append(str(metric.label))
        actual.append(sum(float(r.actuals.value(metric.value) or 0) for r in with_target))
        target.append(sum(float(r.targets[metric.value]) for r in with_target))
    return {
        "labels": labels,
        "percent": [
            round(100 * a / t, 1) if t else None for a, t in zip(actual, target, strict=True)
        ],
        "actual": actual,
        "target": target,
    }


def _staff_page(request: HttpRequest, staff) -> HttpResponse:
    period = _period(request)
    services.aum_snapshot_request(period=period)
    services.aum_snapshot_request(period=period.previous())  # the comparison chart
    board = selectors.board(period=period)
    row = board.of(staff.pk)
    if row is None:
        raise Http404
    previous = selectors.actuals_by_staff(period=period.previous()).get(
        staff.pk, selectors.Actuals()
    )
    previous_targets = selectors.targets_for(period=period.previous()).get(("staff", staff.pk), {})
    branch_size = sum(
        1 for r in board.rows if r.staff.branch_id == staff.branch_id and r.rank_branch
    )
    elapsed = period.elapsed_share(today())
    progress = row.progress
    chart = {
        "progress": {
            "labels": [str(p.label) for p in progress],
            "current": [_num(p.percent) for p in progress],
            "previous": [
                _num(
                    selectors.Progress(
                        metric=p.metric,
                        label=p.label,
                        actual=previous.value(p.metric),
                        target=previous_targets.get(p.metric),
                    ).percent
                )
                for p in progress
            ],
            "period": period.label,
            "previous_period": period.previous().label,
        }
    }
    return render(
        request,
        "people/staff_performance.html",
        {
            **_periods_nav(period),
            "row": row,
            "staff": staff,
            "progress": progress,
            "previous": previous,
            "elapsed": int(elapsed * 100),
            "ranked_count": sum(1 for r in board.rows if r.rank_bank),
            "branch_size": branch_size,
            "aum": board.aum,
            "chart": chart,
            "is_me": staff.pk == request.user.pk,
        },
    )


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The People entry: one's own performance (RMs), the rankings (managers), or training."""
    user = request.user
    if user.has_perm("people.view_performance"):
        return redirect("people:my_performance")
    if user.has_perm("people.view_course"):
        return redirect("people:catalogue")
    raise PermissionDenied


@login_required
@require_GET
def my_performance(request: HttpRequest) -> HttpResponse:
    _need(request, "people.view_performance")
    staff = selectors.relationship_managers().filter(pk=request.user.pk).first()
    if staff is None:
        return redirect("people:performance")
    return _staff_page(request, request.user)


@login_required
@require_GET
def staff_performance(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.view_performance")
    staff = selectors.staff_performance_get(actor=request.user, pk=pk)
    return _staff_page(request, staff)


# ---------------------------------------------------------------------------------------------
# Targets


@login_required
@require_http_methods(["GET", "POST"])
def targets(request: HttpRequest) -> HttpResponse:
    """A grid: one row per RM and team of the manager's branch, one column per metric."""
    _need(request, "people.set_target")
    actor = request.user
    source = request.POST if request.method == "POST" else request.GET
    period = parse_period(source.get("period"))
    if request.method == "GET" and request.GET.get("kind") in PeriodKind.values:
        period = period_containing(request.GET["kind"], today())
    branches = list(branches_visible_to(actor).order_by("path"))
    branch = None
    branch_id = _int(source.get("branch"))
    if branch_id:
        branch = next((b for b in branches if b.pk == branch_id), None)
        if branch is None:
            raise Http404
    rms, teams = selectors.target_owners(actor, branch=branch)
    errors: dict[str, str] = {}
    if request.method == "POST":
        saved, conflicts = 0, 0
        owners = [("staff", s) for s in rms] + [("team", t) for t in teams]
        for kind, owner in owners:
            prefix = f"{kind}-{owner.pk}"
            if f"{prefix}-present" not in request.POST:
                continue
            values = {m: request.POST.get(f"{prefix}-{m}", "") for m in Metric.values}
            versions = {m: _int(request.POST.get(f"{prefix}-{m}-v")) or 0 for m in Metric.values}
            try:
                change = services.target_set(
                    actor=actor,
                    period=period,
                    values=values,
                    versions=versions,
                    **{kind: owner},
                )
            except ValidationError as error:
                for metric, msgs in error.message_dict.items():
                    errors[f"{prefix}-{metric}"] = " ".join(msgs)
                continue
            except ConflictError as error:
                conflicts += 1
                errors[f"{prefix}-conflict"] = str(error.message)
                continue
            saved += change.created + change.updated + change.removed
        if not errors:
            messages.success(
                request,
                _("Targets saved for %(period)s (%(n)s changed).")
                % {"period": period.label, "n": saved},
            )
            branch_query = f"&branch={branch.pk}" if branch else ""
            return redirect(f"{request.path}?period={period.key}{branch_query}")
        messages.error(request, _("Some targets were not saved: see the highlighted fields."))
    current = selectors.target_versions(
        period=period, staff_ids=[s.pk for s in rms], team_ids=[t.pk for t in teams]
    )
    metrics = list(Metric)

    def grid(kind, owner):
        prefix = f"{kind}-{owner.pk}"
        cells = []
        for m in metrics:
            value, version = current.get((kind, owner.pk), {}).get(m.value, (None, 0))
            shown = request.POST.get(f"{prefix}-{m.value}") if errors else None
            cells.append(
                {
                    "name": f"{prefix}-{m.value}",
                    "value": shown if shown is not None else _plain(value),
                    "version": version,
                    "error": errors.get(f"{prefix}-{m.value}"),
                    "metric": m,
                }
            )
        return {
            "kind": kind,
            "owner": owner,
            "prefix": prefix,
            "cells": cells,
            "conflict": errors.get(f"{prefix}-conflict"),
        }

    return render(
        request,
        "people/targets.html",
        {
            **_periods_nav(period),
            "next_period": period.next(),
            "branches": branches,
            "branch": branch,
            "extra_query": f"&branch={branch.pk}" if branch else "",
            "staff_rows": [grid("staff", s) for s in rms],
            "team_rows": [grid("team", t) for t in teams],
        },
        status=400 if errors else 200,
    )


# ---------------------------------------------------------------------------------------------
# Training


@login_required
@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    _need(request, "people.view_course")
    product_id = _int(request.GET.get("product"))
    courses = selectors.catalogue(actor=request.user, product_id=product_id)
    return render(
        request,
        "people/catalogue.html",
        {
            "courses": courses,
            "assignments": selectors.my_assignments(request.user),
            "product_id": product_id,
            "products": sorted(
                {p for c in courses for p in (*c.products.all(), *c.required_for.all())},
                key=lambda p: p.code,
            ),
            "today": today(),
        },
    )


@login_required
@require_GET
def course(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.view_course")
    found = selectors.course_get(actor=request.user, pk=pk)
    progress = selectors.course_progress(actor=request.user, course=found)
    questions = list(found.questions.prefetch_related("choices"))
    return render(
        request,
        "people/course.html",
        {
            "course": found,
            "materials": list(found.materials.all()),
            "questions": questions,
            "progress": progress,
            "required_for": list(found.required_for.all()),
            "products": list(found.products.all()),
            "lang": get_language() or "",
            "material_form": MaterialForm() if _can_manage(request) else None,
            "question_form": QuestionForm() if _can_manage(request) else None,
        },
    )


def _can_manage(request: HttpRequest) -> bool:
    return request.user.has_perm("people.manage_training")


@login_required
@require_GET
def material(request: HttpRequest, pk: int) -> HttpResponse:
    """A text material (opening it counts as progress)."""
    _need(request, "people.view_course")
    found = selectors.material_get(actor=request.user, pk=pk)
    if found.kind == Material.Kind.FILE:
        return redirect("people:material_file", pk=found.pk)
    services.material_viewed(actor=request.user, material=found)
    siblings = list(found.course.materials.only("pk", "title", "title_en", "position"))
    index = next(i for i, m in enumerate(siblings) if m.pk == found.pk)
    return render(
        request,
        "people/material.html",
        {
            "material": found,
            "course": found.course,
            "lang": get_language() or "",
            "previous": siblings[index - 1] if index > 0 else None,
            "next": siblings[index + 1] if index + 1 < len(siblings) else None,
        },
    )


@login_required
@require_GET
def material_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A course file, only to staff who may see the course; never from a public URL."""
    _need(request, "people.view_course")
    found = selectors.material_get(actor=request.user, pk=pk)
    if found.kind != Material.Kind.FILE or not found.file.name:
        raise Http404
    try:
        handle = training_storage.open(found.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    services.material_viewed(actor=request.user, material=found)
    content_type = found.content_type or mimetypes.guess_type(found.file_name)[0]
    inline = content_type in ("application/pdf", "image/png", "image/jpeg", "video/mp4")
    response = FileResponse(
        handle,
        content_type=content_type or "application/octet-stream",
        as_attachment=not inline,
        filename=found.file_name or "material",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@login_required
@require_POST
def quiz_submit(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.view_course")
    found = selectors.course_get(actor=request.user, pk=pk)
    answers: dict[int, set[int]] = {}
    for question in found.questions.all():
        picked = {_int(v) for v in request.POST.getlist(f"q{question.pk}")}
        answers[question.pk] = {v for v in picked if v}
    try:
        attempt = services.quiz_submit(actor=request.user, course=found, answers=answers)
    except ValidationError as error:
        messages.error(request, _("Answer every question before submitting."))
        progress = selectors.course_progress(actor=request.user, course=found)
        return render(
            request,
            "people/course.html",
            {
                "course": found,
                "materials": list(found.materials.all()),
                "questions": list(found.questions.prefetch_related("choices")),
                "progress": progress,
                "required_for": list(found.required_for.all()),
                "products": list(found.products.all()),
                "lang": get_language() or "",
                "quiz_errors": {
                    int(k[1:]): v for k, v in error.message_dict.items() if k[1:].isdigit()
                },
                "picked": {k: v for k, v in answers.items()},
            },
            status=400,
        )
    if attempt.passed:
        messages.success(
            request,
            _("You passed with %(score)s%% (pass mark %(mark)s%%). The course is complete.")
            % {"score": _pct(attempt.score), "mark": attempt.pass_mark},
        )
    else:
        messages.warning(
            request,
            _(
                "You scored %(score)s%%; the pass mark is %(mark)s%%. "
                "Review the materials and try again."
            )
            % {"score": _pct(attempt.score), "mark": attempt.pass_mark},
        )
    return redirect("people:course", pk=found.pk)


@login_required
@require_POST
def course_complete(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.view_course")
    found = selectors.course_get(actor=request.user, pk=pk)
    try:
        services.course_complete(actor=request.user, course=found)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Course completed."))
    return redirect("people:course", pk=found.pk)


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    _need(request, "people.manage_training")
    found = selectors.course_get(actor=request.user, pk=pk) if pk else None
    if request.method == "POST":
        form = CourseForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version") or 0
            try:
                if found is None:
                    found = services.course_create(actor=request.user, **data)
                else:
                    found = services.course_update(
                        actor=request.user, course=found, version=version, **data
                    )
            except ValidationError as error:
                apply_service_errors(form, error)
            except ConflictError as error:
                form.add_error(None, error.message)
            else:
                messages.success(request, _("Course saved."))
                return redirect("people:course", pk=found.pk)
    elif found is not None:
        form = CourseForm(
            initial={
                "code": found.code,
                "title": found.title,
                "title_en": found.title_en,
                "summary": found.summary,
                "summary_en": found.summary_en,
                "pass_mark": found.pass_mark,
                "products": list(found.products.all()),
                "required_for": list(found.required_for.all()),
                "active": found.active,
                "version": found.version,
            }
        )
    else:
        form = CourseForm(initial={"pass_mark": 80, "active": True})
    return render(
        request,
        "people/course_form.html",
        {"form": form, "course": found},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def material_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.manage_training")
    found = selectors.course_get(actor=request.user, pk=pk)
    form = MaterialForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.material_add(
                actor=request.user,
                course=found,
                kind=form.cleaned_data["kind"],
                title=form.cleaned_data["title"],
                title_en=form.cleaned_data["title_en"],
                body=form.cleaned_data["body"],
                body_en=form.cleaned_data["body_en"],
                upload=form.cleaned_data.get("file"),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Material added."))
            return redirect("people:course", pk=found.pk)
    messages.error(
        request,
        _("The material was not added: %(errors)s")
        % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
    )
    return redirect("people:course", pk=found.pk)


@login_required
@require_POST
def material_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.manage_training")
    found = selectors.material_get(actor=request.user, pk=pk)
    services.material_delete(actor=request.user, material=found)
    messages.success(request, _("Material removed."))
    return redirect("people:course", pk=found.course_id)


@login_required
@require_POST
def question_add(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.manage_training")
    found = selectors.course_get(actor=request.user, pk=pk)
    form = QuestionForm(request.POST)
    if form.is_valid():
        try:
            services.question_add(
                actor=request.user,
                course=found,
                text=form.cleaned_data["text"],
                text_en=form.cleaned_data["text_en"],
                choices=form.choices(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Question added."))
            return redirect("people:course", pk=found.pk)
    messages.error(
        request,
        _("The question was not added: %(errors)s")
        % {"errors": " ".join(e for errors in form.errors.values() for e in errors)},
    )
    return redirect("people:course", pk=found.pk)


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.manage_training")
    found = Question.objects.filter(
        pk=pk, course__in=selectors.courses_visible_to(request.user)
    ).first()
    if found is None:
        raise Http404
    services.question_delete(actor=request.user, question=found)
    messages.success(request, _("Question removed."))
    return redirect("people:course", pk=found.course_id)


@login_required
@require_http_methods(["GET", "POST"])
def assign(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request, "people.assign_training")
    actor = request.user
    found = selectors.course_get(actor=actor, pk=pk)
    staff_qs = selectors.assignment_staff(actor).order_by("branch__path", "display_name")
    branch_qs = branches_visible_to(actor).order_by("path")
    team_qs = Team.objects.filter(branch__in=branch_qs).select_related("branch").order_by("name")
    form = AssignForm(request.POST or None, staff_qs=staff_qs, team_qs=team_qs, branch_qs=branch_qs)
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"]
        try:
            count = services.assignment_create(
                actor=actor,
                course=found,
                due_on=form.cleaned_data["due_on"],
                staff=list(form.cleaned_data["staff"] or []) if who == "staff" else [],
                team=form.cleaned_data["team"] if who == "team" else None,
                branch=form.cleaned_data["branch"] if who == "branch" else None,
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        except ConflictError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("%(n)s staff newly assigned to the course.") % {"n": count})
            return redirect(f"{_report_url()}?course={found.pk}")
    summary = [s for s in selectors.completion_summary(actor=actor) if s.course.pk == found.pk]
    return render(
        request,
        "people/assign.html",
        {"form": form, "course": found, "summary": summary[0] if summary else None},
        status=400 if form.errors else 200,
    )


def _report_url() -> str:
    from django.urls import reverse

    return reverse("people:report")


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    _need(request, "people.view_assignment")
    actor = request.user
    course_id = _int(request.GET.get("course"))
    branches = list(branches_visible_to(actor).order_by("path"))
    branch_id = _int(request.GET.get("branch"))
    if branch_id and branch_id not in {b.pk for b in branches}:
        raise Http404
    status = request.GET.get("status", "")
    if status not in ("", "done", "open", "overdue"):
        status = ""
    rows = selectors.completion_report(
        actor=actor, course_id=course_id, branch_id=branch_id, status=status
    )
    summary = selectors.completion_summary(actor=actor, branch_id=branch_id)
    lang = get_language() or ""
    chart = {
        "completion": {
            "labels": [s.course.display_title(lang) for s in summary],
            "completed": [s.completed for s in summary],
            "open": [s.open for s in summary],
            "overdue": [s.overdue for s in summary],
            "names": [str(_("Completed")), str(_("In progress")), str(_("Overdue"))],
        }
    }
    return render(
        request,
        "people/report.html",
        {
            "rows": rows,
            "summary": summary,
            "branches": branches,
            "branch_id": branch_id,
            "course_id": course_id,
            "status": status,
            "courses": list(selectors.courses_visible_to(actor).order_by("code")),
            "chart": chart,
            "limit": selectors.REPORT_LIMIT,
            "today": today(),
            "lang": lang,
        },
    )
