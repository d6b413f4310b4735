from django import forms
from django.utils.translation import gettext_lazy as _

from bankcrm.analytics import labels


class TransactionFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    direction = forms.ChoiceField(
        label=_("Direction"),
        required=False,
        choices=[("", _("In and out")), ("in", _("Money in")), ("out", _("Money out"))],
    )
    category = forms.ChoiceField(
        label=_("Category"),
        required=False,
        choices=[("", _("All categories")), *labels.CATEGORIES.items()],
    )
    channel = forms.ChoiceField(
        label=_("Channel"),
        required=False,
        choices=[("", _("All channels")), *labels.CHANNELS.items()],
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10_000)
