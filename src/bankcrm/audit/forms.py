from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bankcrm.audit.models import AuditEvent
from bankcrm.audit.selectors import AuditFilters


class AuditSearchForm(forms.Form):
    """The auditor's search (GET: no field here holds personal data)."""

    staff = forms.CharField(label=_("Staff (username or employee number)"), required=False)
    customer = forms.CharField(label=_("Customer number"), required=False, max_length=12)
    action = forms.CharField(
        label=_("Action"),
        required=False,
        max_length=50,
        help_text=_('Exact, or a group ending with a dot: "auth." or "customer."'),
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("", _("Any"))] + list(AuditEvent.Outcome.choices),
    )
    since = forms.DateField(
        label=_("From (date)"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        label=_("To (date, inclusive)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = "form-select" if isinstance(field, forms.ChoiceField) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-sm")
        self.fields["action"].widget.attrs["list"] = "audit-actions"

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("The end is before the start."))
        return data

    def filters(self) -> AuditFilters | None:
        """The filters, or None when a staff member or customer named does not exist."""
        from bankcrm.customers.models import Customer
        from bankcrm.org.models import Staff

        data = self.cleaned_data
        staff_id = customer_id = None
        if data.get("staff"):
            text = data["staff"].strip()
            staff_id = (
                Staff.objects.filter(username=text).values_list("pk", flat=True).first()
                or Staff.objects.filter(employee_number=text).values_list("pk", flat=True).first()
            )
            if staff_id is None:
                return None
        if data.get("customer"):
            customer_id = (
                Customer.objects.filter(number=data["customer"].strip())
                .values_list("pk", flat=True)
                .first()
            )
            if customer_id is None:
                return None
        zone = timezone.get_current_timezone()
        since = data.get("since")
        until = data.get("until")
        return AuditFilters(
            staff_id=staff_id,
            customer_id=customer_id,
            action=(data.get("action") or "").strip(),
            outcome=data.get("outcome") or "",
            since=datetime.combine(since, time.min, tzinfo=zone) if since else None,
            until=(
                datetime.combine(until + timedelta(days=1), time.min, tzinfo=zone)
                if until
                else None
            ),
        )


class AuditExportForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=[("csv", "CSV"), ("xlsx", "Excel")],
        widget=forms.Select(attrs={"class": "form-select form-select-sm w-auto"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        min_length=4,
        max_length=500,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
