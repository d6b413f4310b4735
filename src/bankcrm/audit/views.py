"""The auditor's pages: search the trail, see whether the chain is intact, export a search."""

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bankcrm.audit.exports import audit_export
from bankcrm.audit.forms import AuditExportForm, AuditSearchForm
from bankcrm.audit.selectors import (
    AuditFilters,
    audit_actions,
    audit_last_verification,
    audit_page,
    chain_checkpoint,
    chain_head,
)
from bankcrm.audit.services import audit_chain_verify

PAGE_SIZE = 50
PERMISSION = "audit.view_auditevent"


def _inline_verify_allowed(head) -> bool:
    """Short enough to check here: the whole chain, or what was written since the last intact
    check (which the page then checks, linked to where that check ended)."""
    entries = head[0] if head else 0
    if entries <= settings.AUDIT_INLINE_VERIFY_MAX:
        return True
    checkpoint = chain_checkpoint()
    return checkpoint is not None and entries - checkpoint[0] <= settings.AUDIT_INLINE_VERIFY_MAX


def _customer_numbers(events) -> dict[int, str]:
    from bankcrm.customers.models import Customer

    ids = {e.customer_id for e in events if e.customer_id}
    return dict(Customer.objects.filter(pk__in=ids).values_list("pk", "number")) if ids else {}


@login_required
@permission_required(PERMISSION, raise_exception=True)
def audit_search_view(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None)
    filters: AuditFilters | None = AuditFilters()
    if form.is_bound:
        filters = form.filters() if form.is_valid() else AuditFilters()
    before = request.GET.get("before")
    before_seq = int(before) if before and before.isdigit() else None
    rows, next_before = (
        audit_page(actor=request.user, filters=filters, before_seq=before_seq, size=PAGE_SIZE)
        if filters is not None
        else ([], None)
    )
    numbers = _customer_numbers(rows)
    for event in rows:
        event.customer_number = numbers.get(event.customer_id, "")
        event.changes_text = (
            json.dumps(event.changes, ensure_ascii=False, sort_keys=True) if event.changes else ""
        )
    query = request.GET.copy()
    query.pop("before", None)
    head = chain_head()
    context = {
        "form": form,
        "rows": rows,
        "unknown_name": filters is None,
        "next_query": f"{query.urlencode()}&before={next_before}" if next_before else "",
        "first_page_query": query.urlencode() if before_seq else "",
        "export_form": AuditExportForm(),
        "filter_fields": [(name, value) for name, value in query.items() if value],
        "actions": audit_actions(),
        "head": head,
        "last_check": audit_last_verification(),
        "last_full": audit_last_verification(full=True),
        "inline_verify": _inline_verify_allowed(head),
    }
    return render(request, "audit/search.html", context)


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def audit_verify_view(request: HttpRequest) -> HttpResponse:
    """Check the chain now: a short chain whole; a long one from where the last intact check
    ended (the scheduled command checks it whole)."""
    if not _inline_verify_allowed(chain_head()):
        messages.warning(
            request,
            _(
                "The trail is too long to check here. The scheduled check "
                "(bankcrm verify_audit --record) records its result on this page."
            ),
        )
        return redirect("audit:search")
    head = chain_head()
    whole = (head[0] if head else 0) <= settings.AUDIT_INLINE_VERIFY_MAX
    check = audit_chain_verify(actor=request.user, source="web", since_last=not whole)
    if check.intact:
        messages.success(request, _("The chain is intact."))
    else:
        messages.error(request, _("The chain is broken: see the check below."))
    return redirect("audit:search")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def audit_export_view(request: HttpRequest) -> HttpResponse:
    """The current search as a file; the export, with its reason, goes into the trail."""
    search = AuditSearchForm(request.POST)
    export = AuditExportForm(request.POST)
    back = reverse("audit:search")
    if not (search.is_valid() and export.is_valid()):
        messages.error(request, _("State a reason (at least 4 characters) and a format."))
        return redirect(back)
    filters = search.filters()
    if filters is None:
        messages.error(request, _("No staff member or customer has that name or number."))
        return redirect(back)
    try:
        exported = audit_export(
            actor=request.user,
            filters=filters,
            fmt=export.cleaned_data["format"],
            reason=export.cleaned_data["reason"],
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(back)
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response
