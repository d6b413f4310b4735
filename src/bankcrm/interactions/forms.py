"""Forms for recording interactions and tasks. Parsing only: the services validate."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bankcrm.interactions.models import Interaction
from bankcrm.org.models import Staff


class InteractionForm(forms.Form):
    channel = forms.ChoiceField(label=_("Channel"), choices=Interaction.Channel.choices)
    subject = forms.CharField(label=_("Subject"), required=False, max_length=200)
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Interaction.Outcome.choices, initial=Interaction.Outcome.INFO
    )
    occurred_at = forms.DateTimeField(
        label=_("Time"),
        required=False,
        help_text=_("Empty means now."),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    follow_up_title = forms.CharField(label=_("Follow-up task"), required=False, max_length=200)
    follow_up_due = forms.DateField(
        label=_("Follow-up due"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class AssigneeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name or obj.username


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    due_date = forms.DateField(
        label=_("Due date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    assignee = AssigneeChoiceField(label=_("Assignee"), queryset=Staff.objects.none())
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor, customer, **kwargs):
        super().__init__(*args, **kwargs)
        # Oneself, or the customer's relationship manager.
        ids = {actor.pk} | ({customer.rm_id} if customer.rm_id else set())
        self.fields["assignee"].queryset = Staff.objects.filter(pk__in=ids, is_active=True)
        self.fields["assignee"].initial = actor.pk
        self.fields["assignee"].empty_label = None


class TaskCompleteForm(forms.Form):
    version = forms.IntegerField(min_value=1)
    next = forms.CharField(required=False)
