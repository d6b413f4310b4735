"""The customer 360's transaction panel: thin views over analytics.queries and analytics.live.

The 360 page includes analytics/_customer_panel.html, which loads the panel with htmx; the
filters and pages of the transaction list swap only the list. Scope is the customer
selector's: a customer the member of staff may not see answers 404, as a missing one does.
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bankcrm.analytics import labels, live, queries, segments, valuation
from bankcrm.analytics.forms import TransactionFilterForm
from bankcrm.customers.selectors import customer_get
from bankcrm.products.selectors import holdings_of

PAGE_SIZE = 15


def _accounts(customer_id: int) -> dict[str, str]:
    """Warehouse account key → masked account number, for the customer's own holdings."""
    from bankcrm.analytics.ingest import account_keys

    holdings = list(holdings_of(customer_id=customer_id))
    keys = account_keys([h.account_number for h in holdings])
    return {key: h.account_number_masked for key, h in zip(keys, holdings, strict=True)}


def _chart_data(figures: queries.CustomerFigures) -> dict:
    return {
        "flows": {
            "months": [f.month.strftime("%Y-%m") for f in figures.monthly_flows],
            "inflow": [str(f.inflow) for f in figures.monthly_flows],
            "outflow": [str(f.outflow) for f in figures.monthly_flows],
            "labels": {"inflow": _("Money in"), "outflow": _("Money out")},
        },
        "balance": {
            "days": [p.day.isoformat() for p in figures.balance_trend],
            "values": [str(p.balance) for p in figures.balance_trend],
            "label": _("Balance"),
        },
        "spending": {
            "items": [
                {"name": labels.spending_label(s.key), "value": str(s.amount)}
                for s in figures.spending
            ]
        },
        "channels": {
            "items": [
                {"name": str(labels.CHANNELS.get(s.key, s.key)), "value": s.count}
                for s in figures.channels
            ]
        },
    }


def _page(request: HttpRequest, customer_id: int) -> dict:
    form = TransactionFilterForm(request.GET or None)
    filters, page = queries.TransactionFilters(), 1
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = queries.TransactionFilters(
            date_from=data["date_from"],
            date_to=data["date_to"],
            direction=data["direction"],
            category=data["category"],
            channel=data["channel"],
        )
        page = data["page"] or 1
    found = queries.transactions_page(
        customer_id=customer_id, filters=filters, page=page, page_size=PAGE_SIZE
    )
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "filter_form": form if form.is_bound else TransactionFilterForm(),
        "page": found,
        "query": query.urlencode(),
        "channel_labels": labels.CHANNELS,
        "category_labels": labels.CATEGORIES,
        "merchant_labels": labels.MERCHANT_CATEGORIES,
    }


@login_required
@require_GET
def customer_activity(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    figures = queries.customer_figures(customer_id=customer.pk)
    accounts = _accounts(customer.pk)
    balances = [
        {"account": accounts.get(b.account_key, "—"), "balance": b}
        for b in live.live_balances(customer_id=customer.pk)
    ]
    context = {
        "customer": customer,
        "figures": figures,
        # In an attribute, not a <script>: htmx drops script tags from swapped content.
        "charts_json": json.dumps(_chart_data(figures), cls=DjangoJSONEncoder),
        "balances": balances,
        "accounts": accounts,
        **_page(request, customer.pk),
    }
    return render(request, "analytics/_activity.html", context)


@login_required
@require_GET
def customer_transactions(request: HttpRequest, pk: int) -> HttpResponse:
    customer = customer_get(actor=request.user, pk=pk)
    context = {"customer": customer, "accounts": _accounts(customer.pk), **_page(request, pk)}
    return render(request, "analytics/_transactions.html", context)


def _label(pairs, value) -> str:
    return next((str(label) for key, label in pairs if key == value), value or "")


@login_required
@require_GET
def customer_values(request: HttpRequest, pk: int) -> HttpResponse:
    """The 360's value card: standard segmentations and values of the last refresh, and their
    change since the refresh before it."""
    customer = customer_get(actor=request.user, pk=pk)
    from bankcrm.segments.selectors import customer_segments

    current, previous = valuation.customer_values(customer_id=customer.pk)
    context = {
        "customer": customer,
        "current": current,
        "previous": previous,
        "segments": customer_segments(actor=request.user, customer_id=customer.pk),
    }
    if current is not None:
        previous = previous or {}
        context.update(
            {
                "labels": {
                    "age_group": _label(segments.AGE_GROUPS, current["age_group"]),
                    "wealth_tier": _label(segments.WEALTH_TIERS, current["wealth_tier"]),
                    "rfm_cell": _label(segments.RFM_CELLS, current["rfm_cell"]),
                    "previous_rfm_cell": _label(segments.RFM_CELLS, previous.get("rfm_cell")),
                    "value_tier": _label(segments.VALUE_TIERS, current["value_tier"]),
                    "previous_value_tier": _label(segments.VALUE_TIERS, previous.get("value_tier")),
                    "clv_band": _label(segments.CLV_BANDS, current["clv_band"]),
                },
                "changes": {
                    name: current[name] - previous[name]
                    for name in ("contribution", "clv", "contribution_rank")
                    if previous.get(name) is not None and current[name] is not None
                },
                "retention_pct": current["retention"] * 100,
                "discount_pct": valuation.assumptions()["discount_rate"] * 100,
            }
        )
    return render(request, "analytics/_customer_values.html", context)


# ---------------------------------------------------------------------------------------------
# Refreshing customer values: the runs, their progress, a button to start one


def _queued_refreshes() -> int:
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.filter(
        task_path="bankcrm.analytics.tasks.values_refresh", status__in=("READY", "RUNNING")
    ).count()


@login_required
@permission_required("analytics.refresh_values", raise_exception=True)
@require_GET
def values_runs(request: HttpRequest) -> HttpResponse:
    from bankcrm.analytics.models import ValueRun

    runs = list(ValueRun.objects.all()[:20])
    context = {
        "runs": runs,
        "queued": _queued_refreshes(),
        "running": any(r.status == ValueRun.Status.RUNNING for r in runs),
        "assumptions": valuation.assumptions(),
    }
    template = "analytics/_value_runs.html" if request.htmx else "analytics/values.html"
    return render(request, template, context)


@login_required
@permission_required("analytics.refresh_values", raise_exception=True)
@require_POST
def values_refresh_start(request: HttpRequest) -> HttpResponse:
    """Queue a refresh for the background worker (one at a time)."""
    from bankcrm.analytics.models import ValueRun
    from bankcrm.analytics.tasks import values_refresh

    if _queued_refreshes() or ValueRun.objects.filter(status=ValueRun.Status.RUNNING).exists():
        messages.warning(request, _("A refresh is already queued or running."))
    else:
        values_refresh.enqueue()
        messages.success(
            request,
            _("Refresh queued. Its progress shows below once the background worker starts it."),
        )
    return redirect("analytics:values")
