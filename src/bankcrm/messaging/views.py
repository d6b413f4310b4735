"""The outbox page for administrators and branch managers: what was sent, held back or given
up, for the customers they may see; retry or cancel through the services (audited)."""

from __future__ import annotations

import json
from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bankcrm.customers.models import Channel
from bankcrm.messaging import selectors, services
from bankcrm.messaging.models import Message

PERIODS = (7, 30, 90)


def _int(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None


def _need(request: HttpRequest, perm: str = selectors.VIEW) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


@login_required
@require_GET
def outbox_view(request: HttpRequest) -> HttpResponse:
    _need(request)
    days = _int(request.GET.get("days"))
    days = days if days in PERIODS else 30
    status = request.GET.get("status", "")
    channel = request.GET.get("channel", "")
    filters = selectors.OutboxFilters(
        status=status if status in Message.Status.values else "",
        channel=channel if channel in Channel.values else "",
        customer_id=_int(request.GET.get("customer")),
        since=timezone.now() - timedelta(days=days),
    )
    since = filters.since
    rows, next_cursor = selectors.outbox_page(
        actor=request.user, filters=filters, after=_int(request.GET.get("after"))
    )
    counts = selectors.outbox_counts(actor=request.user, since=since)
    channel_labels = dict(Channel.choices)
    by_channel = counts.by_channel_status
    chart = {
        "channels": [str(channel_labels.get(c, _("No channel"))) for c in by_channel],
        "series": [
            {
                "status": status_value,
                "name": str(status_label),
                "data": [
                    counts.by_channel_status[c].get(status_value, 0)
                    for c in counts.by_channel_status
                ],
            }
            for status_value, status_label in Message.Status.choices
        ],
    }
    keep = {
        k: v
        for k, v in {
            "status": filters.status,
            "channel": filters.channel,
            "customer": filters.customer_id or "",
            "days": days,
        }.items()
        if v
    }
    context = {
        "rows": rows,
        "next_cursor": next_cursor,
        "filters": filters,
        "days": days,
        "periods": PERIODS,
        "counts": counts,
        "status_choices": Message.Status.choices,
        "channel_choices": [(c, label) for c, label in Channel.choices if c != Channel.PHONE],
        "errors": selectors.recent_errors(actor=request.user),
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "keep": keep,
        "may_retry": request.user.has_perm(services.RETRY),
    }
    return render(request, "messaging/outbox.html", context)


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    _need(request)
    message = selectors.message_get(actor=request.user, pk=pk)
    return render(
        request,
        "messaging/detail.html",
        {"message": message, "may_retry": request.user.has_perm(services.RETRY)},
    )


def _act(request: HttpRequest, pk: int, action, done: str) -> HttpResponse:
    _need(request)
    message = selectors.message_get(actor=request.user, pk=pk)
    _need(request, services.RETRY)
    try:
        action(actor=request.user, message=message)
    except ValidationError as exc:
        for text in exc.messages:
            flash.error(request, text)
    else:
        flash.success(request, done)
    return redirect("messaging:detail", pk=message.pk)


@login_required
@require_POST
def message_retry_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.message_retry, _("The message is queued again."))


@login_required
@require_POST
def message_cancel_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _act(request, pk, services.message_cancel, _("The message was cancelled."))
