"""Importing leads from a CSV or Excel file (event sign-up sheets, campaign responses, lists
from partners). Each row is validated and saved on its own: good rows load, a bad row is
reported with its row number, column and reason, and nothing of it is saved."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.selectors import customers_visible_to
from bankcrm.org.models import Staff
from bankcrm.org.selectors import branches_visible_to
from bankcrm.products.models import Product
from bankcrm.sales.models import Lead, ProductLine
from bankcrm.sales.services import LeadData, lead_create

MAX_ROWS = 5000
MAX_BYTES = 5 * 1024 * 1024

# The columns a file may have (English or Chinese header), and the field each one fills.
COLUMNS: dict[str, str] = {
    "source": "source",
    "来源": "source",
    "name": "prospect_name",
    "姓名": "prospect_name",
    "mobile": "prospect_mobile",
    "手机号": "prospect_mobile",
    "customer_number": "customer",
    "客户号": "customer",
    "branch": "branch",
    "机构": "branch",
    "product_line": "product_line",
    "产品线": "product_line",
    "product": "product",
    "产品": "product",
    "expected_amount": "expected_amount",
    "预计金额": "expected_amount",
    "referrer": "referrer",
    "推荐人": "referrer",
    "referrer_line": "referrer_line",
    "推荐人条线": "referrer_line",
    "event_or_campaign": "source_detail",
    "活动": "source_detail",
    "notes": "notes",
    "备注": "notes",
}
REQUIRED = ("source", "branch")


@dataclass(frozen=True)
class RowReject:
    row: int  # as the spreadsheet numbers it: the header is row 1
    column: str
    reason: str


@dataclass
class ImportResult:
    rows: int = 0
    created: list[int] = field(default_factory=list)
    rejects: list[RowReject] = field(default_factory=list)


def read_rows(*, content: bytes, filename: str) -> list[dict[str, str]]:
    """The file's rows as {field: text}, by its header. Raises ValidationError({"file": ...})
    for a file that cannot be read at all."""
    if len(content) > MAX_BYTES:
        raise ValidationError({"file": _("The file is larger than 5 MB.")})
    name = (filename or "").lower()
    if name.endswith(".xlsx"):
        table = _xlsx(content)
    elif name.endswith(".csv"):
        table = _csv(content)
    else:
        raise ValidationError({"file": _("Upload a .csv or .xlsx file.")})
    if not table:
        raise ValidationError({"file": _("The file is empty.")})
    header = [(str(h or "")).strip().lower() for h in table[0]]
    fields = [COLUMNS.get(h) or COLUMNS.get(h.replace(" ", "_")) for h in header]
    missing = [c for c in REQUIRED if c not in fields]
    if missing:
        raise ValidationError(
            {"file": _("The file has no column %(columns)s.") % {"columns": ", ".join(missing)}}
        )
    body = table[1:]
    if len(body) > MAX_ROWS:
        raise ValidationError({"file": _("At most %(n)s rows in one file.") % {"n": MAX_ROWS}})
    rows = []
    for values in body:
        row = {}
        for f, v in zip(fields, values, strict=False):
            if f:
                row[f] = "" if v is None else str(v).strip()
        rows.append(row)
    return rows


def _csv(content: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationError({"file": _("The file is not UTF-8 or GB18030 text.")})
    return [r for r in csv.reader(io.StringIO(text)) if any(c.strip() for c in r)]


def _xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable workbook is the same to the user
        raise ValidationError({"file": _("The file is not a readable Excel workbook.")}) from exc
    sheet = book.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        if any(v not in (None, "") for v in values):
            rows.append([v.strftime("%Y-%m-%d") if isinstance(v, datetime) else v for v in values])
    book.close()
    return rows


class _Lookups:
    """The references rows name, resolved once per distinct value (and only within scope)."""

    def __init__(self, actor):
        self.actor = actor
        self.branches = {b.code: b for b in branches_visible_to(actor)}
        self.lines = {line.code: line for line in ProductLine.objects.filter(active=True)}
        self.products: dict[str, Product | None] = {}
        self.staff: dict[str, Staff | None] = {}
        self.customers: dict[str, object] = {}

    def product(self, code: str):
        if code not in self.products:
            self.products[code] = Product.objects.filter(code=code).first()
        return self.products[code]

    def referrer(self, number: str):
        if number not in self.staff:
            self.staff[number] = (
                Staff.objects.filter(employee_number=number, is_active=True)
                .select_related("branch")
                .first()
            )
        return self.staff[number]

    def customer(self, number: str):
        if number not in self.customers:
            self.customers[number] = customers_visible_to(self.actor).filter(number=number).first()
        return self.customers[number]


_SOURCES = {
    **{v: v for v in Lead.Source.values},
    "walk-in": "walk_in",
    "到店": "walk_in",
    "推荐": "referral",
    "转介": "referral",
    "活动": "event",
    "营销活动": "campaign",
    "导入": "import",
}


def _row_data(row: dict[str, str], lookups: _Lookups) -> LeadData:
    """The row as LeadData; a reference that does not resolve is a ValidationError naming it."""
    errors = {}
    source = _SOURCES.get(row.get("source", "").lower(), row.get("source", ""))
    branch = lookups.branches.get(row.get("branch", ""))
    if branch is None:
        errors["branch"] = _("No branch with this code that you may use.")
    line = None
    if row.get("product_line"):
        line = lookups.lines.get(row["product_line"])
        if line is None:
            errors["product_line"] = _("No active product line with this code.")
    product = None
    if row.get("product"):
        product = lookups.product(row["product"])
        if product is None:
            errors["product"] = _("No product with this code.")
    referrer = None
    if row.get("referrer"):
        referrer = lookups.referrer(row["referrer"])
        if referrer is None:
            errors["referrer"] = _("No active member of staff with this employee number.")
    customer = None
    if row.get("customer"):
        customer = lookups.customer(row["customer"])
        if customer is None:
            errors["customer"] = _("No customer with this number that you may see.")
    if errors:
        raise ValidationError(errors)
    return LeadData(
        source=source,
        branch=branch,
        customer=customer,
        prospect_name=row.get("prospect_name", ""),
        prospect_mobile=row.get("prospect_mobile", ""),
        product_line=line,
        product=product,
        expected_amount=row.get("expected_amount") or None,
        referrer=referrer,
        referrer_line=row.get("referrer_line", ""),
        source_detail=row.get("source_detail", ""),
        notes=row.get("notes", ""),
    )


def leads_import(
    *, actor, content: bytes, filename: str, now: datetime | None = None
) -> ImportResult:
    """Import a file of leads: each good row becomes a lead (assigned by the rules, or in the
    pool), each bad row is reported. Rows are independent: one row's failure saves nothing of
    that row and does not stop the others."""
    ensure_perm(actor, "sales.import_lead")
    ensure_perm(actor, "sales.add_lead")
    now = now or timezone.now()
    rows = read_rows(content=content, filename=filename)
    lookups = _Lookups(actor)
    result = ImportResult(rows=len(rows))
    for number, row in enumerate(rows, start=2):
        try:
            with transaction.atomic():
                lead = lead_create(actor=actor, data=_row_data(row, lookups), now=now)
        except ValidationError as exc:
            for column, messages in exc.message_dict.items():
                result.rejects.append(RowReject(number, column, " ".join(messages)))
        except PermissionDenied:
            result.rejects.append(RowReject(number, "", _("Not permitted.")))
        else:
            result.created.append(lead.pk)
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="lead.import",
            object_type="lead",
            changes={
                "file": filename[:100],
                "rows": result.rows,
                "created": len(result.created),
                "rejected_rows": len({r.row for r in result.rejects}),
            },
        )
    return result
