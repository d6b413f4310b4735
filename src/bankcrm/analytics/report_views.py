"""The 7P report pages, the dashboard, the drill-down list and the exports: thin views over
analytics.reports.

Every figure is counted within the viewer's scope (analytics.viewer.scope_of), narrowed by the
branch filter; the charts' data reach the page's static script (analytics/reports.js) through a
data-json attribute (strict CSP: no inline script). A chart bar links to the drill-down list,
which applies the same expression as the bar (reports.drill) and then shows the customers
through the customer selector, masked.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bankcrm.analytics import report_store, reports
from bankcrm.analytics.report_exports import report_export, sections_of
from bankcrm.analytics.report_forms import ReportFilterForm
from bankcrm.analytics.report_labels import Labels
from bankcrm.analytics.viewer import narrowed, scope_of
from bankcrm.common import masking
from bankcrm.common.exports import ExportUnavailable
from bankcrm.customers.selectors import customers_visible_to

PERMISSION = "analytics.view_reports"
DRILL_PAGE_SIZE = 50

PAGES = report_store.REPORTS  # slug -> report function


class Request:
    """What every report view needs: the filters, the viewer's scope narrowed by them."""

    def __init__(self, request: HttpRequest, data=None) -> None:
        self.actor = request.user
        self.form = ReportFilterForm(data if data is not None else request.GET, actor=request.user)
        self.form.is_valid()
        self.period = self.form.period()
        self.branch = self.form.chosen_branch()
        self.scope = narrowed(scope_of(request.user), self.branch)
        self.query = self.form.query()
        self.labels = Labels(get_language() or "zh-hans")

    def drill_url(self) -> str:
        return reverse("analytics:report_customers") + "?" + urlencode(self.query)


def _charts_json(charts: dict) -> str:
    return json.dumps(charts, cls=DjangoJSONEncoder)


def _points(buckets, drill: str, label: Callable[[str], str], value="customers") -> dict:
    return {
        "categories": [label(b.key) for b in buckets],
        "series": [
            {
                "drill": drill,
                "data": [{"value": getattr(b, value), "key": b.key} for b in buckets],
            }
        ],
    }


def _months(months: list[date]) -> list[str]:
    return [m.strftime("%Y-%m") for m in months]


def _stacked(months, values, label, drill, *, measure="count", chart="stack") -> dict:
    """Month x key values as one series per key (stacked bars or lines)."""
    keys = sorted({v.key for v in values})
    by = {(v.month, v.key): v for v in values}
    series = []
    for key in keys:
        data = []
        for m in months:
            found = by.get((m, key))
            data.append(
                {"value": getattr(found, measure) if found else 0, "key": f"{m:%Y-%m}|{key}"}
            )
        series.append({"name": label(key), "drill": drill, "data": data})
    return {"type": chart, "categories": _months(months), "series": series}


# Segments shown in their natural order rather than by size ("" for unknown: last).
ORDERS = {
    "value_tier": ["gold", "growth", "standard", "low"],
    "wealth_tier": ["private", "affluent", "mass"],
    "age_group": ["youth", "middle", "senior"],
}


# --- Pages -------------------------------------------------------------------------------------


def _profiling(r: Request, found: reports.Profiling) -> dict:
    L = r.labels
    d = found.distributions
    charts = {}
    for name, kind in (
        ("value_tier", "pie"),
        ("wealth_tier", "pie"),
        ("rfm_cell", "hbar"),
        ("age_group", "bar"),
        ("occupation", "hbar"),
        ("province", "hbar"),
        ("city", "hbar"),
        ("gender", "pie"),
    ):
        buckets = d[name][:15] if name in ("province", "city") else d[name]
        if name in ORDERS:
            buckets = reports._ordered(buckets, ORDERS[name])
            buckets = [b for b in buckets if b.customers]
        charts[name] = {"type": kind, **_points(buckets, f"attr:{name}", L.of(name))}
    return {"charts": charts}


def _persistency(r: Request, found: reports.Persistency) -> dict:
    L = r.labels
    cohorts = [c for c in found.cohorts if c.size]
    longest = max((len(c.active) for c in cohorts), default=0)
    charts = {
        "tenure": {"type": "bar", **_points(found.tenure, "attr:tenure", L.tenure)},
        "depth": {"type": "bar", **_points(found.depth, "attr:depth", L.depth)},
        "cohorts": {
            "type": "line",
            "percent": True,
            "categories": [str(k) for k in range(longest)],
            "series": [
                {
                    "name": c.month.strftime("%Y-%m"),
                    "drill": "cohort",
                    "data": [
                        {"value": float(share), "key": f"{c.month:%Y-%m}|{k}"}
                        for k, share in enumerate(c.shares)
                    ],
                }
                for c in cohorts
            ],
        },
    }
    for name, rows in found.attrition.items():
        if name in ORDERS:
            rank = {key: i for i, key in enumerate(ORDERS[name])}
            rows = sorted(rows, key=lambda a: (rank.get(a.key, len(rank)), a.key))
        charts[f"attrition_{name}"] = {
            "type": "bar",
            "percent": True,
            "categories": [L.of(name)(a.key) for a in rows],
            "series": [
                {
                    "name": _("Churned (%)"),
                    "drill": "attrition",
                    "data": [{"value": float(a.rate), "key": f"{name}|{a.key}"} for a in rows],
                }
            ],
        }
    return {"charts": charts, "longest": range(longest)}


def _profitability(r: Request, found: reports.Profitability) -> dict:
    L = r.labels
    charts = {
        "pareto": {
            "type": "pareto",
            "percent": True,
            "categories": [str(p.customers_share) for p in found.pareto],
            "series": [
                {
                    "name": _("Share of contribution (%)"),
                    "drill": "pareto",
                    "data": [
                        {"value": float(p.contribution_share), "key": str(p.customers)}
                        for p in found.pareto
                    ],
                }
            ],
            "mark": 80,
        },
        "products": {
            "type": "hbar",
            "money": True,
            **_points(found.by_product, "product_margin", L.product_or_fees, "amount"),
        },
        "branches": {
            "type": "hbar",
            "money": True,
            **_points(found.by_branch[:15], "branch", L.branch, "amount"),
        },
        "rms": {
            "type": "hbar",
            "money": True,
            **_points(found.by_rm[:15], "rm", L.rm, "amount"),
        },
        "top": _top_chart(r, found.top),
    }
    return {"charts": charts}


def _top_chart(r: Request, top: list[reports.TopCustomer]) -> dict:
    """The best customers by contribution, each bar opening the customer's 360."""
    names = customers_visible_to_ids(r, [t.customer_id for t in top])
    return {
        "type": "hbar",
        "money": True,
        "categories": [names.get(t.customer_id, "—") for t in top],
        "series": [
            {
                "links": [reverse("customers:detail", args=[t.customer_id]) for t in top],
                "data": [{"value": t.contribution} for t in top],
            }
        ],
    }


def customers_visible_to_ids(r: Request, ids: list[int]) -> dict[int, str]:
    """Masked names of these customers, for those the viewer may see."""
    found = customers_visible_to(r.actor).filter(pk__in=ids).values_list("pk", "name", "number")
    return {
        pk: f"{masking.mask('name', name)} {number or ''}".strip() for pk, name, number in found
    }


def _performance(r: Request, found: reports.Performance) -> dict:
    L = r.labels
    top_branches = {b.key for b in found.sales_by_branch[:8]}
    charts = {
        "sales": _stacked(found.months, found.sales, L.product, "sales"),
        "channels": _stacked(
            found.months, found.channels, L.channel, "channel", measure="amount", chart="stack"
        ),
        "branch_months": _stacked(
            found.months,
            [v for v in found.branch_months if v.key in top_branches],
            L.branch,
            "sales_branch_month",
        ),
        "sales_branch": {
            "type": "hbar",
            **_points(found.sales_by_branch[:15], "sales_branch", L.branch, "amount"),
        },
        "sales_rm": {"type": "hbar", **_points(found.sales_by_rm[:15], "sales_rm", L.rm, "amount")},
        "balances": {
            "type": "hbar",
            "money": True,
            **_points(found.balances, "holds", L.product, "amount"),
        },
        "balance_trend": {
            **_stacked(
                found.months, found.balance_trend, L.product, "", measure="amount", chart="line"
            ),
            "money": True,
        },
    }
    for name, values, label, drill, top in (
        ("balance_branch", found.balance_by_branch, L.branch, "balance_branch_month", 8),
        ("balance_rm", found.balance_by_rm, L.rm, "balance_rm_month", 10),
    ):
        charts[name] = {
            **_stacked(
                found.months,
                _largest_at_end(values, top),
                label,
                drill,
                measure="amount",
                chart="line",
            ),
            "money": True,
        }
    charts["channels"]["money"] = True
    return {"charts": charts}


def _largest_at_end(values: list, top: int) -> list:
    """The values of the `top` keys with the largest amount in the last month they appear."""
    last: dict[str, tuple] = {}
    for v in values:
        if v.key not in last or v.month > last[v.key][0]:
            last[v.key] = (v.month, v.amount)
    keep = set(sorted(last, key=lambda k: (last[k][0], last[k][1]), reverse=True)[:top])
    return [v for v in values if v.key in keep]


def _prospecting(r: Request, found: reports.Prospecting) -> dict:
    L = r.labels
    months = [m.month for m in found.months]
    flows = {
        "type": "bar",
        "categories": _months(months),
        "series": [
            {
                "name": _("Acquired"),
                "drill": "acquired",
                "data": [{"value": m.acquired, "key": f"{m.month:%Y-%m}"} for m in found.months],
            },
            {
                "name": _("Lost"),
                "drill": "lost",
                "data": [{"value": m.lost, "key": f"{m.month:%Y-%m}"} for m in found.months],
            },
        ],
    }
    ahead = [p.month for p in found.forecast]
    count = {
        "type": "forecast",
        "categories": _months(months + ahead),
        "series": [
            {
                "name": _("Customers"),
                "data": [{"value": m.customers} for m in found.months] + [None] * len(ahead),
            },
            {
                "name": _("Forecast"),
                "data": [None] * (len(months) - 1)
                + ([{"value": found.months[-1].customers}] if months else [])
                + [{"value": float(p.customers)} for p in found.forecast],
            },
            {
                "name": _("Forecast interval, low"),
                "band": "low",
                "data": [None] * len(months) + [float(p.low) for p in found.forecast],
            },
            {
                "name": _("Forecast interval, high"),
                "band": "high",
                "data": [None] * len(months) + [float(p.high - p.low) for p in found.forecast],
            },
        ],
    }
    return {
        "charts": {
            "flows": flows,
            "count": count,
            "sources": _stacked(months, found.by_source, L.source, "source"),
        }
    }


def _product(r: Request, found: reports.ProductReport) -> dict:
    L = r.labels
    types = found.types
    index = {t: i for i, t in enumerate(types)}
    cells = [
        [index[p.x], index[p.y], p.customers, f"{p.x}|{p.y}"]
        for p in found.pairs
        if p.x in index and p.y in index
    ]
    charts = {
        "matrix": {
            "type": "heatmap",
            "drill": "pair",
            "x": [L.product(t) for t in types],
            "y": [L.product(t) for t in types],
            "data": cells,
            # the diagonal (holders of one type) would wash out every pair's colour
            "max": max((c[2] for c in cells if c[0] != c[1]), default=1),
        },
        "holders": {
            "type": "hbar",
            **_points([reports.Bucket(t, found.holders[t]) for t in types], "holds", L.product),
        },
    }
    base = r.drill_url() + ("&" if r.query else "")
    rules = [
        {
            **vars(rule),
            "x_label": L.product(rule.x),
            "y_label": L.product(rule.y),
            "pair_url": base + urlencode({"drill": "pair", "key": f"{rule.x}|{rule.y}"}),
            "later_url": base + urlencode({"drill": "later", "key": f"{rule.x}|{rule.y}"}),
        }
        # rules of a handful of customers are noise: at least 3, or 0.5% of the customers
        for rule in [x for x in found.rules if x.customers >= max(3, found.customers // 200)][:30]
    ]
    return {"charts": charts, "rules": rules}


def _dashboard(r: Request, found: reports.Dashboard) -> dict:
    L = r.labels
    months = [m.month for m in found.months]
    by_unit = found.by_branch if (r.scope is None or r.scope.rm_id is None) else []
    charts = {
        "tiers": {"type": "pie", **_points(found.value_tiers, "attr:value_tier", L.value_tier)},
        "flows": {
            "type": "bar",
            "categories": _months(months),
            "series": [
                {
                    "name": _("Acquired"),
                    "drill": "acquired",
                    "data": [
                        {"value": m.acquired, "key": f"{m.month:%Y-%m}"} for m in found.months
                    ],
                },
                {
                    "name": _("Lost"),
                    "drill": "lost",
                    "data": [{"value": m.lost, "key": f"{m.month:%Y-%m}"} for m in found.months],
                },
            ],
        },
        "contribution": (
            {
                "type": "hbar",
                "money": True,
                **_points(by_unit[:10], "branch", L.branch, "amount"),
            }
            if len(by_unit) > 1
            else _top_chart(r, found.top)
        ),
        "depth": {"type": "bar", **_points(found.depth, "attr:depth", L.depth)},
    }
    return {"charts": charts, "by_branch": len(by_unit) > 1}


BUILDERS = {
    "dashboard": _dashboard,
    "profiling": _profiling,
    "persistency": _persistency,
    "profitability": _profitability,
    "performance": _performance,
    "prospecting": _prospecting,
    "product": _product,
}


def _title(page: str) -> str:
    return str(dict(page_titles())[page])


def page_titles() -> list[tuple[str, str]]:
    return [
        ("dashboard", _("Dashboard")),
        ("profiling", _("Profiling")),
        ("persistency", _("Persistency")),
        ("profitability", _("Profitability")),
        ("performance", _("Performance")),
        ("prospecting", _("Prospecting")),
        ("product", _("Product")),
    ]


def _page_url(slug: str, r: Request) -> str:
    """A report page with the same filters."""
    return reverse(f"analytics:report_{slug}") + (("?" + urlencode(r.query)) if r.query else "")


def _tabs(r: Request) -> list[tuple[str, str, str]]:
    return [(slug, label, _page_url(slug, r)) for slug, label in page_titles()]


def _scope_label(request: HttpRequest, r: Request) -> str:
    if r.branch is not None:
        return r.labels.branch_name(r.branch)
    actor = request.user
    scope = scope_of(actor)
    if scope is None:
        return _("the whole bank")
    if scope.rm_id is not None:
        return _("customers assigned to me")
    return r.labels.branch_name(actor.branch)


def _render(request: HttpRequest, page: str) -> HttpResponse:
    r = Request(request)
    figures = report_store.report_figures(page, scope=r.scope, period=r.period)
    found = figures.found
    context = {
        "page": page,
        "computed_at": figures.computed_at,
        "title": _title(page),
        "tabs": _tabs(r),
        "form": r.form,
        "period": r.period,
        "found": found,
        "labels": r.labels,
        "scope_label": _scope_label(request, r),
        "drill_url": r.drill_url(),
        "export_query": r.query,
        **BUILDERS[page](r, found),
    }
    if page == "dashboard":
        context["head_office"] = r.scope is None
    context["charts_json"] = _charts_json(
        {name: {**chart, "drill_url": r.drill_url()} for name, chart in context["charts"].items()}
    )
    return render(request, f"analytics/reports/{page}.html", context)


def _page_view(page: str):
    @login_required
    @permission_required(PERMISSION, raise_exception=True)
    @require_GET
    def view(request: HttpRequest) -> HttpResponse:
        return _render(request, page)

    view.__name__ = f"report_{page}"
    return view


dashboard = _page_view("dashboard")
profiling = _page_view("profiling")
persistency = _page_view("persistency")
profitability = _page_view("profitability")
performance = _page_view("performance")
prospecting = _page_view("prospecting")
product = _page_view("product")


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_GET
def report_customers(request: HttpRequest) -> HttpResponse:
    """The customers one chart bar or point stands for, within the viewer's scope, masked."""
    r = Request(request)
    name, key = request.GET.get("drill", ""), request.GET.get("key", "")
    try:
        ids = reports.drill(name=name, key=key, scope=r.scope, period=r.period)
    except reports.DrillError as exc:
        raise Http404 from exc
    paginator = Paginator(ids, DRILL_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    rows = customers_visible_to(request.user).select_related("branch", "rm").in_bulk(list(page))
    customers = [
        {"customer": rows[pk], "name": masking.mask("name", rows[pk].name)}
        for pk in page
        if pk in rows
    ]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "analytics/reports/customers.html",
        {
            "count": len(ids),
            "page_obj": page,
            "customers": customers,
            "what": r.labels.drill(name, key),
            "keep": [("drill", name), ("key", key)],
            "query": query.urlencode(),
            "form": r.form,
            "scope_label": _scope_label(request, r),
            "tabs": _tabs(r),
            "period": r.period,
        },
    )


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def report_export_view(request: HttpRequest, page: str) -> HttpResponse:
    """The page's figures as an Excel workbook or a PDF; every export is audited."""
    if page not in PAGES:
        raise Http404
    r = Request(request, data=request.POST)
    fmt = request.POST.get("format", "")
    if fmt not in ("xlsx", "pdf"):
        return HttpResponseBadRequest(_("Choose Excel or PDF."))
    found = report_store.report_figures(page, scope=r.scope, period=r.period).found
    try:
        exported = report_export(
            actor=request.user,
            page=page,
            title=_title(page),
            sections=sections_of(page, found, r.labels, names=_names(r, page, found)),
            fmt=fmt,
            filters=r.query,
        )
    except ExportUnavailable as exc:
        from django.contrib import messages

        messages.error(request, str(exc))
        return redirect(_page_url(page, r))
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@login_required
@permission_required(PERMISSION, raise_exception=True)
@require_POST
def report_recompute_view(request: HttpRequest, page: str) -> HttpResponse:
    """Compute the page's figures over the lake now (they are otherwise kept up to a day)."""
    if page not in PAGES:
        raise Http404
    r = Request(request, data=request.POST)
    report_store.compute(page, scope=r.scope, period=r.period)
    return redirect(_page_url(page, r))


def _names(r: Request, page: str, found) -> dict[int, str]:
    if page == "profitability":
        return customers_visible_to_ids(r, [t.customer_id for t in found.top])
    return {}
