"""Segment pages: the list, the builder with its live preview, and a segment's members and
history. Thin: segments come from the scoped selectors (out of scope → 404 as missing), writes
go through the services, which check permissions, validate and audit."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.segments import selectors, services
from bankcrm.segments.forms import (
    EXAMPLE,
    PreviewForm,
    SegmentForm,
    builder_catalogue,
    condition_number,
)
from bankcrm.segments.models import Segment


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


# ---------------------------------------------------------------------------------------------
# List


@login_required
@require_GET
def segment_list(request: HttpRequest) -> HttpResponse:
    _need(request, selectors.VIEW)
    archived = request.GET.get("archived") == "1"
    page = selectors.segment_page(
        actor=request.user, archived=archived, after=_int(request.GET.get("after"))
    )
    return render(request, "segments/list.html", {"page": page, "archived": archived})


# ---------------------------------------------------------------------------------------------
# Builder


def _builder(request: HttpRequest, form: SegmentForm, segment: Segment | None, status=200):
    context = {
        "form": form,
        "segment": segment,
        "definition_json": form.definition_json(),
        "catalogue_json": json.dumps(builder_catalogue(), cls=DjangoJSONEncoder),
        "error_path": form.error_path,
    }
    return render(request, "segments/builder.html", context, status=status)


def _service_errors(form: SegmentForm, exc: ValidationError) -> None:
    if isinstance(exc, services.DefinitionInvalid):
        form.error_path = exc.path
        number = condition_number(exc.path)
        message = (
            _("Condition %(number)s: %(message)s") % {"number": number, "message": exc.text}
            if number
            else exc.text
        )
        form.add_error("definition", message)
        return
    for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else []:
        form.add_error(field if field in form.fields else None, errors)
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)


@login_required
@require_http_methods(["GET", "POST"])
def segment_create_view(request: HttpRequest) -> HttpResponse:
    _need(request, "segments.add_segment")
    form = SegmentForm(request.POST or None, initial={"definition": json.dumps(EXAMPLE)})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            segment = services.segment_create(
                actor=request.user,
                name=data["name"],
                description=data["description"],
                kind=data["kind"],
                definition=data["definition"],
            )
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Segment %(name)s saved with %(count)s members.")
                % {"name": segment.name, "count": segment.member_count},
            )
            return redirect("segments:detail", pk=segment.pk)
    return _builder(request, form, None)


@login_required
@require_http_methods(["GET", "POST"])
def segment_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    _need(request, "segments.change_segment")
    initial = {
        "name": segment.name,
        "description": segment.description,
        "kind": segment.kind,
        "definition": json.dumps(segment.definition, ensure_ascii=False),
        "version": segment.version,
    }
    form = SegmentForm(request.POST or None, initial=initial)
    conflict = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            segment = services.segment_update(
                actor=request.user,
                segment=segment,
                version=data["version"] or 0,
                name=data["name"],
                description=data["description"],
                kind=data["kind"],
                definition=data["definition"],
            )
        except ConflictError as exc:
            conflict = True
            form.add_error(None, exc.message)
        except ValidationError as exc:
            _service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("segments:detail", pk=segment.pk)
    return _builder(request, form, segment, status=409 if conflict else 200)


@login_required
@require_POST
def segment_preview_view(request: HttpRequest) -> HttpResponse:
    """The builder's live preview (htmx): count, a few members and distributions."""
    _need(request, selectors.VIEW)
    form = PreviewForm(request.POST)
    context: dict = {}
    if not form.is_valid():
        context["error"] = " ".join(form.errors.get("definition", [])) or _("Nothing to evaluate.")
    else:
        try:
            parsed = services.definition_parse(form.cleaned_data["definition"])
            preview = selectors.segment_preview(actor=request.user, definition=parsed)
        except services.DefinitionInvalid as exc:
            number = condition_number(exc.path)
            context["error"] = (
                _("Condition %(number)s: %(message)s") % {"number": number, "message": exc.text}
                if number
                else exc.text
            )
            context["error_path"] = exc.path
        else:
            context["preview"] = preview
            context["charts_json"] = json.dumps(
                {
                    d.attribute: {
                        "title": d.title,
                        "categories": [label for _v, label, _n in d.items],
                        "values": [n for _v, _l, n in d.items],
                    }
                    for d in preview.distributions
                },
                cls=DjangoJSONEncoder,
            )
    return render(request, "segments/_preview.html", context)


# ---------------------------------------------------------------------------------------------
# A segment


def _history_chart(refreshes) -> str:
    return json.dumps(
        {
            "at": [timezone.localtime(r.at).strftime("%m-%d %H:%M") for r in refreshes],
            "members": [r.member_count for r in refreshes],
            "entered": [r.entered for r in refreshes],
            "left": [-r.left for r in refreshes],
            "labels": {"members": _("Members"), "entered": _("Entered"), "left": _("Left")},
        }
    )


@login_required
@require_GET
def segment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    refreshes = selectors.refresh_history(segment=segment)
    context = {
        "segment": segment,
        "page": selectors.member_page(actor=request.user, segment=segment),
        "changes": selectors.change_page(actor=request.user, segment=segment),
        "refreshes": list(reversed(refreshes))[:10],
        "history_json": _history_chart(refreshes),
        "refresh_pending": services.refresh_pending(segment),
        "definition_text": json.dumps(segment.definition, ensure_ascii=False, indent=2),
    }
    return render(request, "segments/detail.html", context)


@login_required
@require_GET
def segment_members_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    page = selectors.member_page(
        actor=request.user,
        segment=segment,
        after=_int(request.GET.get("after")),
        before=_int(request.GET.get("before")),
    )
    return render(request, "segments/_members.html", {"segment": segment, "page": page})


@login_required
@require_GET
def segment_changes_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    changes = selectors.change_page(
        actor=request.user, segment=segment, before=_int(request.GET.get("before"))
    )
    return render(request, "segments/_changes.html", {"segment": segment, "changes": changes})


@login_required
@require_POST
def segment_refresh_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    _need(request, "segments.change_segment")
    try:
        services.segment_refresh_request(segment=segment, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.info(request, _("The refresh is queued; this page updates when it is done."))
    return redirect("segments:detail", pk=segment.pk)


@login_required
@require_GET
def segment_refresh_state_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Polled by the detail page while a refresh is queued or running; reloads it when done."""
    segment = selectors.segment_get(actor=request.user, pk=pk)
    if not services.refresh_pending(segment):
        response = HttpResponse(status=204)
        response["HX-Refresh"] = "true"
        return response
    return render(
        request, "segments/_refresh_state.html", {"segment": segment, "refresh_pending": True}
    )


@login_required
@require_POST
def segment_archive_view(request: HttpRequest, pk: int) -> HttpResponse:
    segment = selectors.segment_get(actor=request.user, pk=pk)
    _need(request, "segments.change_segment")
    archived = request.POST.get("archived", "1") == "1"
    try:
        services.segment_archive(
            actor=request.user,
            segment=segment,
            version=_int(request.POST.get("version")) or 0,
            archived=archived,
        )
    except ConflictError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Segment archived.") if archived else _("Segment restored."))
    return redirect("segments:detail", pk=segment.pk)


@login_required
@require_POST
def segment_export_view(request: HttpRequest, pk: int) -> HttpResponse:
    from bankcrm.common.exports import ExportUnavailable

    segment = selectors.segment_get(actor=request.user, pk=pk)
    _need(request, services.EXPORT)
    try:
        exported = services.segment_export(
            actor=request.user,
            segment=segment,
            fmt=request.POST.get("format", ""),
            reason=request.POST.get("reason", ""),
            unmasked=request.POST.get("unmasked") == "1",
            language=get_language() or "zh-hans",
        )
    except (ValidationError, ExportUnavailable) as exc:
        text = " ".join(exc.messages) if isinstance(exc, ValidationError) else str(exc)
        messages.error(request, text)
        return redirect("segments:detail", pk=segment.pk)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
