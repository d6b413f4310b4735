"""Forms of the customer pages. They only parse input: the services validate and decide."""

import json
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bankcrm.customers.models import (
    Channel,
    Consent,
    Customer,
    IdType,
    Kind,
    LifecycleStage,
    Tag,
)
from bankcrm.customers.selectors import CustomerFilters
from bankcrm.customers.services import EDITABLE_FIELDS, REVEALABLE_FIELDS
from bankcrm.org.roles import Scope
from bankcrm.org.selectors import branches_visible_to, relationship_managers_visible_to

# Which ID documents fit which kind of customer (the page's script narrows the choice).
ID_TYPES_BY_KIND = {
    Kind.INDIVIDUAL.value: [IdType.RESIDENT_ID.value, IdType.PASSPORT.value],
    Kind.CORPORATE.value: [IdType.SOCIAL_CREDIT_CODE.value],
}
# Fields that describe a person, hidden for a corporate customer.
INDIVIDUAL_ONLY = (
    "gender",
    "birth_date",
    "occupation",
    "employer",
    "education",
    "income_band",
    "family_status",
)


class DisplayNameChoiceField(forms.ModelChoiceField):
    """Branches, tags: shown in the staff member's language."""

    def label_from_instance(self, obj) -> str:
        return obj.display_name(get_language() or "")


class DisplayNameMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.display_name(get_language() or "")


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name or obj.username} ({obj.username})"


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, so templates can render fields as they are."""

    def apply_bootstrap(self) -> None:
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def apply_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Put a service's ValidationError on the form, field by field (messages already translated)."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


class CustomerFilterForm(BootstrapMixin, forms.Form):
    """The list page's search and filters. Sent by POST: the query may be a mobile or ID number."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    branch = DisplayNameChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All branches")
    )
    rm = StaffChoiceField(
        label=_("Relationship manager"), queryset=None, required=False, empty_label=_("All RMs")
    )
    stage = forms.ChoiceField(
        label=_("Lifecycle stage"),
        choices=[("", _("All stages")), *LifecycleStage.choices],
        required=False,
    )
    tag = DisplayNameChoiceField(
        label=_("Tag"), queryset=Tag.objects.all(), required=False, empty_label=_("All tags")
    )
    aum_min = forms.DecimalField(
        label=_("AUM from"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    aum_max = forms.DecimalField(
        label=_("AUM to"), required=False, min_value=0, max_digits=18, decimal_places=2
    )
    after = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    before = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    # Filters that carry no personal data and may appear in a URL (bookmarks, links).
    URL_SAFE = ("branch", "rm", "stage", "tag", "aum_min", "aum_max", "after", "before")

    def _rm_choices(self, actor):
        """RMs of the chosen branch's subtree, else of the actor's own branch if it is not head
        office: a bank has thousands of RMs, too many for one list (and for one page)."""
        branches = self.fields["branch"].queryset
        chosen = self.data.get(self.add_prefix("branch")) or self.initial.get("branch")
        branch = branches.filter(pk=chosen).first() if str(chosen or "").isdigit() else None
        branch = branch or (actor.branch if actor.branch.parent_id else None)
        if branch is None:
            self.fields["rm"].empty_label = _("Choose a branch to filter by RM")
            return relationship_managers_visible_to(actor).none()
        return relationship_managers_visible_to(actor).filter(branch__path__startswith=branch.path)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(actor)
        if actor.scope == Scope.OWN_BOOK:
            del self.fields["rm"]
        else:
            self.fields["rm"].queryset = self._rm_choices(actor)
        self.fields["q"].widget.attrs.update(
            {
                "placeholder": _("Name, pinyin or initials, customer number, mobile, ID, email"),
                "autocomplete": "off",
                "autofocus": True,
            }
        )
        for name in ("aum_min", "aum_max"):
            self.fields[name].widget.attrs.update({"placeholder": "¥", "step": "any"})
        self.apply_bootstrap()

    def filters(self) -> CustomerFilters:
        data = self.cleaned_data
        return CustomerFilters(
            query=data.get("q") or "",
            branch_id=data["branch"].pk if data.get("branch") else None,
            rm_id=data["rm"].pk if data.get("rm") else None,
            lifecycle_stage=data.get("stage") or "",
            tag_id=data["tag"].pk if data.get("tag") else None,
            aum_min=data.get("aum_min"),
            aum_max=data.get("aum_max"),
        )

    def paging_fields(self) -> list[tuple[str, str]]:
        """The current search as hidden POST fields for the next/previous buttons."""
        out = []
        for name in ("q", "branch", "rm", "stage", "tag", "aum_min", "aum_max"):
            if name in self.fields:
                value = self.data.get(name, "")
                if value:
                    out.append((name, value))
        return out


class CustomerForm(BootstrapMixin, forms.Form):
    """Create or edit a customer. Every rule lives in the services; errors come back from them.

    On edit, ID number, mobile and email are never sent to the browser in clear: the fields
    start empty (the masked value as a hint) and an empty field keeps the stored value.
    """

    kind = forms.ChoiceField(label=_("Kind"), choices=Kind.choices, initial=Kind.INDIVIDUAL)
    name = forms.CharField(label=_("Name"), required=False, max_length=100)
    id_type = forms.ChoiceField(
        label=_("ID type"), choices=[("", "---------"), *IdType.choices], required=False
    )
    id_number = forms.CharField(label=_("ID number"), required=False, max_length=40)
    mobile = forms.CharField(label=_("Mobile"), required=False, max_length=20)
    email = forms.CharField(label=_("Email"), required=False, max_length=254)
    gender = Customer._meta.get_field("gender").formfield(required=False)
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    province = forms.CharField(label=_("Province"), required=False, max_length=20)
    city = forms.CharField(label=_("City"), required=False, max_length=30)
    address = forms.CharField(label=_("Address"), required=False, max_length=255)
    occupation = Customer._meta.get_field("occupation").formfield(required=False)
    industry = Customer._meta.get_field("industry").formfield(required=False)
    employer = forms.CharField(label=_("Employer"), required=False, max_length=100)
    education = Customer._meta.get_field("education").formfield(required=False)
    income_band = Customer._meta.get_field("income_band").formfield(required=False)
    family_status = Customer._meta.get_field("family_status").formfield(required=False)
    risk_tolerance = Customer._meta.get_field("risk_tolerance").formfield(required=False)
    kyc_status = Customer._meta.get_field("kyc_status").formfield(required=False)
    preferred_channels = forms.MultipleChoiceField(
        label=_("Preferred channels"),
        choices=Channel.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    preferred_contact_time = Customer._meta.get_field("preferred_contact_time").formfield(
        required=False
    )
    tags = DisplayNameMultipleChoiceField(
        label=_("Tags"),
        queryset=Tag.objects.all(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, actor, customer: Customer | None = None, **kwargs):
        self.actor = actor
        self.customer = customer
        if customer is not None and "initial" not in kwargs:
            kwargs["initial"] = self.initial_from(customer)
        super().__init__(*args, **kwargs)
        self.fields["id_type"].widget.attrs["data-id-types-by-kind"] = _json(ID_TYPES_BY_KIND)
        for name in INDIVIDUAL_ONLY:
            self.fields[name].individual_only = True
        if customer is None:
            self.fields["branch"] = DisplayNameChoiceField(
                label=_("Branch"),
                queryset=branches_visible_to(actor),
                initial=actor.branch_id,
                required=False,
                empty_label=None,
            )
            if actor.scope != Scope.OWN_BOOK:
                self.fields["rm"] = StaffChoiceField(
                    label=_("Relationship manager"),
                    queryset=relationship_managers_visible_to(actor),
                    required=False,
                    empty_label=_("Not assigned yet"),
                )
        else:
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput)
            for name in REVEALABLE_FIELDS:
                masked = getattr(customer, f"{name}_masked")
                if masked:
                    self.fields[name].widget.attrs["placeholder"] = masked
                    self.fields[name].help_text = _(
                        "Stored value hidden; leave empty to keep it, or type a new one."
                    )
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["mobile"].widget.attrs.update({"autocomplete": "off", "inputmode": "tel"})
        self.fields["email"].widget.attrs.update({"autocomplete": "off", "inputmode": "email"})
        self.apply_bootstrap()

    @staticmethod
    def initial_from(customer: Customer) -> dict[str, Any]:
        initial = {
            name: getattr(customer, name)
            for name in EDITABLE_FIELDS
            if name not in REVEALABLE_FIELDS
        }
        initial["tags"] = list(customer.tags.all())
        initial["version"] = customer.version
        return initial

    def service_fields(self) -> dict[str, Any]:
        """What to hand to customer_create / customer_update (EDITABLE_FIELDS only)."""
        data = self.cleaned_data
        values = {name: data.get(name) for name in EDITABLE_FIELDS if name in data}
        for name in ("gender", "occupation", "industry", "education", "income_band"):
            values[name] = values.get(name) or ""
        if self.customer is not None:
            for name in REVEALABLE_FIELDS:
                if not (values.get(name) or "").strip():
                    values.pop(name, None)
        values["preferred_channels"] = list(values.get("preferred_channels") or [])
        return values


def _json(value) -> str:
    return json.dumps(value, separators=(",", ":"))


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[(f, f) for f in REVEALABLE_FIELDS])
    reason = forms.CharField(required=False, max_length=500)


class ConsentForm(forms.Form):
    channel = forms.ChoiceField(choices=Channel.choices)
    purpose = forms.ChoiceField(choices=Consent.Purpose.choices)
    granted = forms.TypedChoiceField(choices=[("1", "1"), ("0", "0")], coerce=lambda v: v == "1")


class LifecycleForm(BootstrapMixin, forms.Form):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=LifecycleStage.choices)
    reason = forms.CharField(label=_("Reason"), required=False, max_length=255)

    def __init__(self, *args, next_stages: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if next_stages is not None:
            self.limit_to(next_stages)
        self.apply_bootstrap()

    def limit_to(self, next_stages: list[str]) -> None:
        """Offer only the stages the customer may move to next."""
        self.fields["to_stage"].choices = [
            (value, label) for value, label in LifecycleStage.choices if value in next_stages
        ]


class AssignForm(BootstrapMixin, forms.Form):
    rm = StaffChoiceField(label=_("Relationship manager"), queryset=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rm"].queryset = relationship_managers_visible_to(actor)
        self.apply_bootstrap()
