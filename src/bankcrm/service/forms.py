"""Forms of the case pages: shape and types only; the rules are in services.py."""

from django import forms
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from bankcrm.service.models import Case, CaseComment, Priority
from bankcrm.service.selectors import SLA_STATES, category_choices

SLA_LABELS = {
    "on_track": pgettext_lazy("SLA", "On track"),
    "at_risk": pgettext_lazy("SLA", "At risk"),
    "breached": pgettext_lazy("SLA", "Breached"),
    "met": pgettext_lazy("SLA", "Met"),
}


def _category_field(required: bool) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(
        label=_("Category"),
        coerce=int,
        required=required,
        empty_value=None,
        choices=[("", "—")],
    )


class CaseForm(forms.Form):
    customer_number = forms.CharField(
        label=_("Customer number"),
        max_length=12,
        min_length=12,
        help_text=_("The customer's 12-digit number (from the customer page)."),
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=Case.Kind.choices)
    channel = forms.ChoiceField(label=_("Channel"), choices=Case.Channel.choices)
    category = _category_field(required=True)
    priority = forms.TypedChoiceField(
        label=_("Priority"), choices=Priority.choices, coerce=int, initial=Priority.NORMAL
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, max_length=5000, widget=forms.Textarea({"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", "—"), *category_choices(get_language() or "")]

    def clean_customer_number(self) -> str:
        value = "".join(self.cleaned_data["customer_number"].split())
        if not value.isdigit():
            raise forms.ValidationError(_("A customer number has 12 digits."))
        return value


class TransitionForm(forms.Form):
    action = forms.CharField(max_length=20)
    version = forms.IntegerField(min_value=0)
    resolution = forms.CharField(label=_("Resolution"), required=False, max_length=5000)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)
    visit_outcome = forms.ChoiceField(
        label=_("Return visit outcome"),
        required=False,
        choices=[("", "—"), *Case.VisitOutcome.choices],
    )
    visit_notes = forms.CharField(label=_("Return visit notes"), required=False, max_length=5000)


class CommentForm(forms.Form):
    visibility = forms.ChoiceField(choices=CaseComment.Visibility.choices)
    body = forms.CharField(label=_("Text"), max_length=5000, widget=forms.Textarea({"rows": 3}))


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))


class EscalateForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AssignForm(forms.Form):
    version = forms.IntegerField(min_value=0)
    assignee = forms.TypedChoiceField(label=_("Assignee"), coerce=int, choices=[])
    reason = forms.CharField(label=_("Reason"), required=False, max_length=500)


class CaseFilterForm(forms.Form):
    q = forms.CharField(label=_("Number or subject"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("active", _("Not closed")),
            ("unresolved", _("Not resolved")),
            ("all", _("All")),
            *Case.Status.choices,
        ],
    )
    sla = forms.ChoiceField(
        label=_("SLA"),
        required=False,
        choices=[("", _("All")), *[(s, SLA_LABELS[s]) for s in SLA_STATES]],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("All")), *Case.Kind.choices]
    )
    category = _category_field(required=False)
    priority = forms.TypedChoiceField(
        label=_("Priority"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("All")), *Priority.choices],
    )
    assignee = forms.TypedChoiceField(
        label=_("Assignee"), required=False, coerce=int, empty_value=None, choices=[]
    )
    branch = forms.TypedChoiceField(
        label=_("Branch"), required=False, coerce=int, empty_value=None, choices=[]
    )
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    escalated = forms.BooleanField(label=_("Escalated to me"), required=False)

    def __init__(self, *args, assignees=(), branches=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("All")), *category_choices(get_language() or "")]
        self.fields["assignee"].choices = [("", _("All")), *assignees]
        self.fields["branch"].choices = [("", _("All")), *branches]
