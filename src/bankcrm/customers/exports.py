"""Exporting a list of customers (CSV, Excel, PDF) for a stated reason; every export is audited.

The rows come from `customer_search`, so an export holds exactly the customers the actor can
see with these filters and never another branch's or RM's. Protected values (ID number, mobile,
email) and names are masked unless the actor may also reveal them and asks for clear values.
"""

from dataclasses import asdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bankcrm.audit.services import audit_record
from bankcrm.common.exports import FORMATS, Column, ExportFile, render
from bankcrm.customers.models import Customer
from bankcrm.customers.selectors import CustomerFilters, customer_search

EXPORT_PERMISSION = "customers.export_customer"
UNMASKED_PERMISSION = "customers.reveal_customer"
DEFAULT_MAX_ROWS = 10_000

COLUMNS = [
    Column("number", gettext_lazy("customer number")),
    Column("name", gettext_lazy("name"), mask="name"),
    Column("kind", gettext_lazy("kind")),
    Column("id_type", gettext_lazy("ID type")),
    Column("id_number", gettext_lazy("ID number"), mask="id_number"),
    Column("mobile", gettext_lazy("mobile"), mask="mobile"),
    Column("email", gettext_lazy("email"), mask="email"),
    Column("city", gettext_lazy("city")),
    Column("branch", gettext_lazy("branch")),
    Column("rm", gettext_lazy("relationship manager")),
    Column("lifecycle_stage", gettext_lazy("lifecycle stage")),
    Column("aum", gettext_lazy("AUM")),
    Column("liabilities", gettext_lazy("liabilities")),
    Column("created_at", gettext_lazy("created at")),
]


def max_rows() -> int:
    return getattr(settings, "EXPORT_MAX_ROWS", DEFAULT_MAX_ROWS)


def export_check(
    *,
    actor,
    fmt: str,
    reason: str,
    unmasked: bool,
    action: str,
    object_type: str,
    changes: dict,
    object_id: object = "",
) -> None:
    """Before any export of customers: PermissionDenied (audited as denied) without the export
    permission, or without the reveal permission for unmasked values; ValidationError for an
    unknown format or a missing reason."""
    needed = [EXPORT_PERMISSION] + ([UNMASKED_PERMISSION] if unmasked else [])
    missing = [perm for perm in needed if not actor.has_perm(perm)]
    if missing:
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes=changes,
            reason=reason,
            outcome="denied",
        )
        raise PermissionDenied(missing[0])
    errors = {}
    if fmt not in FORMATS:
        errors["format"] = _("Choose CSV, Excel or PDF.")
    if len(reason) < 4:
        errors["reason"] = _("State why you need this export.")
    if errors:
        raise ValidationError(errors)


def export_row(customer: Customer, language: str) -> dict:
    return {
        "number": customer.number,
        "name": customer.name,
        "kind": customer.get_kind_display(),
        "id_type": customer.get_id_type_display(),
        "id_number": customer.id_number,
        "mobile": customer.mobile,
        "email": customer.email,
        "city": customer.city,
        "branch": customer.branch.display_name(language),
        "rm": str(customer.rm) if customer.rm else "",
        "lifecycle_stage": customer.get_lifecycle_stage_display(),
        "aum": customer.aum,
        "liabilities": customer.liabilities,
        "created_at": customer.created_at,
    }


def _audited_filters(filters: CustomerFilters) -> dict:
    """The filters as the audit trail keeps them: the search text may be a mobile or an ID
    number, so only whether there was one is recorded."""
    out = {}
    for name, value in asdict(filters).items():
        if name == "query":
            out["query"] = bool(value)
        elif value not in (None, ""):
            out[name] = str(value) if isinstance(value, Decimal) else value
    return out


def customer_export(
    *,
    actor,
    filters: CustomerFilters,
    fmt: str,
    reason: str,
    unmasked: bool = False,
    language: str = "zh-hans",
) -> ExportFile:
    """The customers the actor sees with these filters, as a file; the export is audited.

    Raises PermissionDenied (audited as denied) without the export permission, or without the
    reveal permission for unmasked values; ValidationError for a missing reason, an unknown
    format or more rows than EXPORT_MAX_ROWS; ExportUnavailable if the format cannot be made.
    """
    reason = (reason or "").strip()
    changes = {"format": fmt, "masked": not unmasked, "filters": _audited_filters(filters)}
    export_check(
        actor=actor,
        fmt=fmt,
        reason=reason,
        unmasked=unmasked,
        action="customer.export",
        object_type="customer",
        changes=changes,
    )
    limit = max_rows()
    try:
        found = customer_search(actor=actor, filters=filters)
    except ValidationError as exc:  # what was typed as search text is not a valid identifier
        raise ValidationError({"q": exc.error_list}) from exc
    customers = list(found.select_related("branch", "rm").order_by("-id")[: limit + 1])
    if len(customers) > limit:
        raise ValidationError(
            _(
                "More than %(limit)s customers match: narrow the filters to export at most "
                "%(limit)s at a time."
            )
            % {"limit": f"{limit:,}"},
            code="too_many",
        )
    return export_file(
        actor=actor,
        customers=customers,
        fmt=fmt,
        unmasked=unmasked,
        reason=reason,
        language=language,
        title=_("Customers"),
        basename="customers",
        action="customer.export",
        object_type="customer",
        changes=changes,
    )


def export_file(
    *,
    actor,
    customers: list[Customer],
    fmt: str,
    unmasked: bool,
    reason: str,
    language: str,
    title: str,
    basename: str,
    action: str,
    object_type: str,
    changes: dict,
    object_id: object = "",
) -> ExportFile:
    """Customers (already checked by `export_check` and counted) as a file with the customer
    export's columns, masked unless asked otherwise; the export and its rows are audited."""
    exported = render(
        fmt,
        title=title,
        basename=basename,
        columns=COLUMNS,
        rows=[export_row(c, language) for c in customers],
        masked=not unmasked,
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action,
            object_type=object_type,
            object_id=object_id,
            changes={**changes, "rows": len(customers), "customers": [c.pk for c in customers]},
            reason=reason,
        )
    return exported
