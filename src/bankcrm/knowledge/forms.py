"""Forms of the knowledge pages. They only parse input: the services validate and decide."""

from __future__ import annotations

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bankcrm.customers.forms import BootstrapMixin, StaffChoiceField
from bankcrm.knowledge.selectors import EDITOR_FILTERS
from bankcrm.knowledge.services import APPROVE, EDIT
from bankcrm.org.models import Staff
from bankcrm.org.roles import PERMISSIONS


def _category_choices() -> list[tuple[int, str]]:
    from bankcrm.service.selectors import category_choices

    return category_choices(get_language() or "zh-hans")


class SearchForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200)
    category = forms.TypedChoiceField(
        label=_("Category"), required=False, coerce=int, empty_value=None
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), ("zh", _("Chinese")), ("en", _("English"))],
    )
    all_dates = forms.BooleanField(label=_("Include expired and future articles"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All categories")), *_category_choices()]
        self.apply_bootstrap()


class PanelForm(forms.Form):
    q = forms.CharField(required=False, max_length=500)
    category = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    # The language of the answers to copy (the customer's); default: the staff member's.
    lang = forms.ChoiceField(required=False, choices=[("", ""), ("zh", "zh"), ("en", "en")])


def editors() -> forms.models.QuerySet:
    roles = [role for role, perms in PERMISSIONS.items() if EDIT in perms or APPROVE in perms]
    return Staff.objects.filter(is_active=True, role__in=roles).order_by("username")


class ArticleForm(BootstrapMixin, forms.Form):
    title_zh = forms.CharField(label=_("Chinese title"), required=False, max_length=200)
    title_en = forms.CharField(label=_("English title"), required=False, max_length=200)
    summary_zh = forms.CharField(
        label=_("Chinese answer summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What an agent tells the customer; the panel's “copy answer” copies it."),
    )
    summary_en = forms.CharField(
        label=_("English answer summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body_zh = forms.CharField(
        label=_("Chinese body"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    body_en = forms.CharField(
        label=_("English body"),
        required=False,
        max_length=50000,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    tags = forms.CharField(
        label=_("Keywords"),
        required=False,
        max_length=500,
        help_text=_("Words agents may search with, comma separated (丢卡, lost card)."),
    )
    categories = forms.TypedMultipleChoiceField(
        label=_("Categories"), required=False, coerce=int, widget=forms.SelectMultiple
    )
    valid_from = forms.DateField(
        label=_("Valid from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    owner = StaffChoiceField(label=_("Owner"), queryset=Staff.objects.none())
    review_interval_days = forms.IntegerField(
        label=_("Review every (days)"), min_value=7, max_value=1095, initial=180
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["categories"].choices = _category_choices()
        self.fields["categories"].widget.attrs["size"] = 10
        self.fields["owner"].queryset = editors()
        self.apply_bootstrap()


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class SubmitForm(VersionForm):
    change_note = forms.CharField(required=False, max_length=300)


class RejectForm(VersionForm):
    comment = forms.CharField(required=False, max_length=2000)


class RetireForm(VersionForm):
    reason = forms.CharField(required=False, max_length=500)


class FeedbackForm(forms.Form):
    helpful = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")
    comment = forms.CharField(required=False, max_length=500)


class EditorFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[(s, s) for s in EDITOR_FILTERS], required=False)
    text = forms.CharField(required=False, max_length=100)
    after = forms.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
