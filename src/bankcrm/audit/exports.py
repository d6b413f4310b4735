"""Exporting a search of the audit trail (CSV or Excel) for a stated reason; audited itself."""

from datetime import UTC

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bankcrm.audit.selectors import AuditFilters, audit_search
from bankcrm.audit.services import audit_record
from bankcrm.common.exports import Column, ExportFile, render

EXPORT_FORMATS = ("csv", "xlsx")
MAX_ROWS = 50_000

COLUMNS = [
    Column("seq", gettext_lazy("sequence")),
    Column("at_local", gettext_lazy("time (Asia/Shanghai)")),
    Column("at_utc", gettext_lazy("time (UTC)")),
    Column("staff", gettext_lazy("staff member")),
    Column("action", gettext_lazy("action")),
    Column("object", gettext_lazy("object")),
    Column("customer", gettext_lazy("customer number")),
    Column("outcome", gettext_lazy("outcome")),
    Column("reason", gettext_lazy("reason")),
    Column("changes", gettext_lazy("changes")),
    Column("ip", gettext_lazy("IP address")),
    Column("user_agent", gettext_lazy("user agent")),
]


def _filters_for_audit(filters: AuditFilters) -> dict:
    return {
        "staff_id": filters.staff_id,
        "customer_id": filters.customer_id,
        "action": filters.action,
        "outcome": filters.outcome,
        "since": filters.since.isoformat() if filters.since else None,
        "until": filters.until.isoformat() if filters.until else None,
    }


def audit_export(*, actor, filters: AuditFilters, fmt: str, reason: str) -> ExportFile:
    """The entries matching the filters as a file (at most MAX_ROWS); the export is audited
    with its reason, a refusal too. Entries never hold protected values, so nothing is masked."""
    from bankcrm.customers.models import Customer

    reason = (reason or "").strip()
    changes = {"format": fmt, "filters": _filters_for_audit(filters)}
    if not actor.has_perm("audit.view_auditevent"):
        audit_record(
            actor=actor,
            action="audit.export",
            object_type="audit_event",
            changes=changes,
            reason=reason,
            outcome="denied",
        )
        raise PermissionDenied("audit.view_auditevent")
    errors = {}
    if fmt not in EXPORT_FORMATS:
        errors["format"] = _("Choose CSV or Excel.")
    if len(reason) < 4:
        errors["reason"] = _("State why you need this export.")
    if errors:
        raise ValidationError(errors)
    events = list(audit_search(actor=actor, filters=filters)[: MAX_ROWS + 1])
    if len(events) > MAX_ROWS:
        raise ValidationError(
            _("More than %(limit)s entries match: narrow the search.") % {"limit": f"{MAX_ROWS:,}"}
        )
    numbers = dict(
        Customer.objects.filter(
            pk__in={e.customer_id for e in events if e.customer_id}
        ).values_list("pk", "number")
    )
    rows = [
        {
            "seq": e.seq,
            "at_local": timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
            "at_utc": e.at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S"),
            "staff": e.actor.username if e.actor else "",
            "action": e.action,
            "object": f"{e.object_type}:{e.object_id}" if e.object_id else e.object_type,
            "customer": numbers.get(e.customer_id, "") if e.customer_id else "",
            "outcome": e.outcome,
            "reason": e.reason,
            "changes": e.changes,
            "ip": e.ip or "",
            "user_agent": e.user_agent,
        }
        for e in events
    ]
    exported = render(
        fmt, title=_("Audit trail"), basename="audit-trail", columns=COLUMNS, rows=rows
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="audit.export",
            object_type="audit_event",
            changes={**changes, "rows": len(rows)},
            reason=reason,
        )
    return exported
