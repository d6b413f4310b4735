"""The filters every report page shares: a branch (within the viewer's scope) and a period of
whole months."""

from __future__ import annotations

import re
from datetime import date, timedelta

from django import forms
from django.utils.translation import gettext_lazy as _

from bankcrm.analytics.queries import local_today
from bankcrm.analytics.reports import Period, add_months
from bankcrm.org.selectors import branches_visible_to

MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
MAX_MONTHS = 60


def default_period(today: date | None = None) -> Period:
    """The last twelve months up to today: what a report page shows without filters."""
    today = today or local_today()
    return Period(start=add_months(today.replace(day=1), -11), end=today)


class ReportFilterForm(forms.Form):
    branch = forms.ModelChoiceField(
        label=_("Branch"),
        required=False,
        queryset=None,
        empty_label=_("All I can see"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    start = forms.CharField(
        label=_("From month"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "month",
                "class": "form-control form-control-sm",
                "placeholder": "YYYY-MM",
            }
        ),
    )
    end = forms.CharField(
        label=_("To month"),
        required=False,
        widget=forms.TextInput(
            attrs={
                "type": "month",
                "class": "form-control form-control-sm",
                "placeholder": "YYYY-MM",
            }
        ),
    )

    def __init__(self, *args, actor, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(actor).order_by("path")
        self.fields["branch"].label_from_instance = lambda b: b.display_name(_lang())

    @staticmethod
    def _month(value: str) -> date | None:
        if not value:
            return None
        if not MONTH.match(value):
            raise forms.ValidationError(_("Give a month as YYYY-MM."))
        return date.fromisoformat(value + "-01")

    def clean_start(self) -> date | None:
        return self._month(self.cleaned_data.get("start", ""))

    def clean_end(self) -> date | None:
        return self._month(self.cleaned_data.get("end", ""))

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and start > end:
            self.add_error("start", _("The first month is after the last."))
        return data

    def _clean(self) -> dict:
        return self.cleaned_data if self.is_bound and not self.errors else {}

    def chosen_branch(self):
        return self._clean().get("branch")

    def period(self) -> Period:
        data = self._clean()
        today = local_today()
        if not data.get("start") and not data.get("end"):
            return default_period(today)
        end_month = data.get("end") or today.replace(day=1)
        end_month = min(end_month, today.replace(day=1))
        if end_month == today.replace(day=1):
            end = today
        else:
            end = add_months(end_month, 1) - timedelta(days=1)
        start = data.get("start") or add_months(end_month, -11)
        start = max(start, add_months(end_month, -(MAX_MONTHS - 1)))
        start = min(start, end_month)
        return Period(start=start, end=end)

    def query(self) -> dict[str, str]:
        """The filters as given (for links and exports)."""
        data = self._clean()
        out = {}
        if data.get("branch") is not None:
            out["branch"] = str(data["branch"].pk)
        if data.get("start"):
            out["start"] = data["start"].strftime("%Y-%m")
        if data.get("end"):
            out["end"] = data["end"].strftime("%Y-%m")
        return out


def _lang() -> str:
    from django.utils.translation import get_language

    return get_language() or "zh-hans"
