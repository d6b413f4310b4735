"""A report page's figures as an Excel workbook (one sheet per table) or a PDF (one table after
another, the CJK font embedded as common.exports does); every export is audited.

The figures are aggregates of the viewer's scope; the only customers named are the
profitability page's top customers, masked as on the page.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.analytics import reports
from bankcrm.audit.services import audit_record
from bankcrm.common.exports import FORMATS, ExportFile, neutralise, pdf_font
from bankcrm.common.exports import cell as export_cell


@dataclass(frozen=True)
class Section:
    title: str
    columns: list[str]
    rows: list[list[Any]]


def _buckets(title, head, buckets, label, *, amount: str | None = None) -> Section:
    columns = [head, _("Customers")] + ([amount] if amount else [])
    rows = [[label(b.key), b.customers] + ([b.amount] if amount else []) for b in buckets]
    return Section(title, columns, rows)


def sections_of(page: str, found, labels, *, names: dict[int, str]) -> list[Section]:
    return {
        "dashboard": _dashboard,
        "profiling": _profiling,
        "persistency": _persistency,
        "profitability": _profitability,
        "performance": _performance,
        "prospecting": _prospecting,
        "product": _product,
    }[page](found, labels, names)


def _profiling(found: reports.Profiling, L, names) -> list[Section]:
    from bankcrm.analytics.report_labels import ATTRIBUTE_NAMES

    titles = ATTRIBUTE_NAMES()
    return [
        _buckets(titles[name], titles[name], buckets, L.of(name), amount=_("AUM"))
        for name, buckets in found.distributions.items()
    ]


def _persistency(found: reports.Persistency, L, names) -> list[Section]:
    from bankcrm.analytics.report_labels import ATTRIBUTE_NAMES

    longest = max((len(c.active) for c in found.cohorts), default=0)
    cohort_rows = [
        [c.month.strftime("%Y-%m"), c.size] + [str(s) for s in c.shares] for c in found.cohorts
    ]
    sections = [
        _buckets(_("Tenure"), _("Tenure"), found.tenure, L.tenure),
        _buckets(_("Product depth"), _("Product types held"), found.depth, L.depth),
        Section(
            _("Cohort retention (% active)"),
            [_("Month joined"), _("Customers")] + [f"+{k}" for k in range(longest)],
            cohort_rows,
        ),
    ]
    for name, rows in found.attrition.items():
        sections.append(
            Section(
                _("Attrition by %(segment)s") % {"segment": ATTRIBUTE_NAMES()[name]},
                [_("Segment"), _("Customers"), _("Churned"), _("Dormant"), _("Churn rate (%)")],
                [[L.of(name)(a.key), a.customers, a.churned, a.dormant, a.rate] for a in rows],
            )
        )
    return sections


def _profitability(found: reports.Profitability, L, names) -> list[Section]:
    amount = _("Contribution (CNY)")
    return [
        Section(
            _("Top customers by contribution"),
            [_("Customer"), _("Value tier"), _("Branch"), _("Relationship manager"), amount],
            [
                [
                    names.get(t.customer_id, str(t.customer_id)),
                    L.value_tier(t.value_tier),
                    L.branch(str(t.branch_id or "")),
                    L.rm(str(t.rm_id or "")),
                    t.contribution,
                ]
                for t in found.top
            ],
        ),
        _buckets(_("By product type"), _("Product type"), found.by_product, L.product_or_fees,
                 amount=amount),
        _buckets(_("By branch"), _("Branch"), found.by_branch, L.branch, amount=amount),
        _buckets(_("By relationship manager"), _("Relationship manager"), found.by_rm, L.rm,
                 amount=amount),
        Section(
            _("Pareto curve"),
            [_("Share of customers (%)"), _("Customers"), _("Share of contribution (%)")],
            [[p.customers_share, p.customers, p.contribution_share] for p in found.pareto],
        ),
        Section(
            _("Concentration"),
            [_("Customers making four fifths of contribution"), _("Share of customers (%)")],
            [[found.customers_for_80, found.share_for_80]],
        ),
    ]  # fmt: skip


def _monthly(title, head, values, label, *, amount: str | None = None) -> Section:
    columns = [_("Month"), head, _("Count")] + ([amount] if amount else [])
    rows = [
        [v.month.strftime("%Y-%m"), label(v.key), v.count] + ([v.amount] if amount else [])
        for v in values
    ]
    return Section(title, columns, rows)


def _performance(found: reports.Performance, L, names) -> list[Section]:
    return [
        _monthly(_("New holdings by product type"), _("Product type"), found.sales, L.product),
        Section(
            _("New holdings by branch"),
            [_("Branch"), _("Customers"), _("Holdings opened")],
            [[L.branch(b.key), b.customers, int(b.amount)] for b in found.sales_by_branch],
        ),
        _monthly(
            _("New holdings by month and branch"), _("Branch"), found.branch_months, L.branch
        ),
        Section(
            _("New holdings by relationship manager"),
            [_("Relationship manager"), _("Customers"), _("Holdings opened")],
            [[L.rm(b.key), b.customers, int(b.amount)] for b in found.sales_by_rm],
        ),
        _monthly(_("Transactions by channel"), _("Channel"), found.channels, L.channel,
                 amount=_("Amount (CNY)")),
        _buckets(_("Balances by product type"), _("Product type"), found.balances, L.product,
                 amount=_("Balance (CNY)")),
        _monthly(_("Month-end balances by product type"), _("Product type"),
                 found.balance_trend, L.product, amount=_("Balance (CNY)")),
    ]  # fmt: skip


def _prospecting(found: reports.Prospecting, L, names) -> list[Section]:
    return [
        Section(
            _("Customers, acquisition and loss by month"),
            [_("Month"), _("Acquired"), _("Lost"), _("Customers")],
            [[m.month.strftime("%Y-%m"), m.acquired, m.lost, m.customers] for m in found.months],
        ),
        _monthly(_("Acquisition by source"), _("First product"), found.by_source, L.source),
        Section(
            _("Forecast of customers (%(model)s, 80%% interval)") % {"model": found.forecast_model},
            [_("Month"), _("Customers"), _("Low"), _("High")],
            [[p.month.strftime("%Y-%m"), p.customers, p.low, p.high] for p in found.forecast],
        ),
    ]


def _product(found: reports.ProductReport, L, names) -> list[Section]:
    types = found.types
    counts = {(p.x, p.y): p.customers for p in found.pairs}
    return [
        Section(
            _("Cross-holding matrix (customers)"),
            [""] + [L.product(t) for t in types],
            [[L.product(x)] + [counts.get((x, y), 0) for y in types] for x in types],
        ),
        Section(
            _("Product affinity rules"),
            [_("Holds"), _("Also holds"), _("Customers"), _("Support (%)"),
             _("Confidence (%)"), _("Lift"), _("Took it later")],
            [[L.product(r.x), L.product(r.y), r.customers, r.support, r.confidence, r.lift,
              r.later] for r in found.rules],
        ),
    ]  # fmt: skip


def _dashboard(found: reports.Dashboard, L, names) -> list[Section]:
    return [
        Section(
            _("Key figures"),
            [_("Figure"), _("Value")],
            [
                [_("Customers"), found.customers],
                [_("AUM (CNY)"), found.aum],
                [_("Contribution (CNY)"), found.contribution],
                [_("Gold customers"), found.gold],
                [
                    _("Share of customers making four fifths of contribution (%)"),
                    found.share_for_80,
                ],
                [_("Average product types held"), found.average_depth],
                [_("Acquired in the period"), found.acquired],
                [_("Lost in the period"), found.lost],
            ],
        ),
        _buckets(_("Value tiers"), _("Value tier"), found.value_tiers, L.value_tier),
        Section(
            _("Acquisition and loss by month"),
            [_("Month"), _("Acquired"), _("Lost"), _("Customers")],
            [[m.month.strftime("%Y-%m"), m.acquired, m.lost, m.customers] for m in found.months],
        ),
    ]


# --- Writing -----------------------------------------------------------------------------------


def _cells(section: Section) -> list[list]:
    return [[neutralise(str(c)) for c in section.columns]] + [
        [export_cell(v) for v in row] for row in section.rows
    ]


def _xlsx(title: str, sections: list[Section]) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    used: set[str] = set()
    for index, section in enumerate(sections, start=1):
        name = "".join(ch for ch in section.title if ch not in "[]:*?/\\")[:28] or "sheet"
        if name in used:
            name = f"{name[:25]} {index}"
        used.add(name)
        sheet = workbook.create_sheet(title=name)
        sheet.freeze_panes = "A2"
        for row in _cells(section):
            sheet.append(row)
    workbook.properties.creator = "bankcrm"
    workbook.properties.title = title
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _pdf(title: str, sections: list[Section], subtitle: str) -> bytes:
    from fpdf import FPDF
    from fpdf.enums import WrapMode
    from fpdf.fonts import FontFace

    path, face = pdf_font()
    document = FPDF(orientation="landscape", format="A4")
    document.set_creator("bankcrm")
    document.set_title(title)
    document.set_auto_page_break(auto=True, margin=12)
    document.add_font("cjk", fname=str(path), collection_font_number=face)
    document.add_page()
    document.set_font("cjk", size=13)
    document.cell(text=title, new_x="LMARGIN", new_y="NEXT")
    document.set_font("cjk", size=7)
    document.cell(text=subtitle, new_x="LMARGIN", new_y="NEXT")
    for section in sections:
        document.ln(3)
        document.set_font("cjk", size=10)
        document.cell(text=section.title, new_x="LMARGIN", new_y="NEXT")
        document.set_font("cjk", size=7)
        if not section.rows:
            document.cell(text=_("No data."), new_x="LMARGIN", new_y="NEXT")
            continue
        with document.table(
            text_align="LEFT",
            wrapmode=WrapMode.CHAR,
            headings_style=FontFace(fill_color=(230, 233, 238)),
            line_height=4,
        ) as grid:
            for row in _cells(section):
                line = grid.row()
                for value in row:
                    line.cell(str(value))
    return bytes(document.output())


def report_export(
    *, actor, page: str, title: str, sections: list[Section], fmt: str, filters: dict
) -> ExportFile:
    """Write the page's figures in `fmt` (xlsx or pdf) and record the export in the audit
    trail (report, format, filters, tables and rows)."""
    if fmt not in ("xlsx", "pdf"):
        raise ValueError(f"unknown report export format {fmt!r}")
    stamp = timezone.localtime()
    subtitle = stamp.strftime("%Y-%m-%d %H:%M %Z") + "".join(
        f" · {k}={v}" for k, v in sorted(filters.items())
    )
    content = _xlsx(title, sections) if fmt == "xlsx" else _pdf(title, sections, subtitle)
    rows = sum(len(s.rows) for s in sections)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="report.export",
            object_type="report",
            object_id=page,
            changes={"format": fmt, "filters": filters, "tables": len(sections), "rows": rows},
        )
    content_type, extension = FORMATS[fmt]
    return ExportFile(content, content_type, f"report-{page}-{stamp:%Y%m%d-%H%M}.{extension}", rows)
