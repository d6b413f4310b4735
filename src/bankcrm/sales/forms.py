"""Forms of the sales pages. They only parse input: the services validate and decide."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bankcrm.customers.forms import BootstrapMixin, DisplayNameChoiceField, StaffChoiceField
from bankcrm.customers.selectors import customers_visible_to
from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role, Scope
from bankcrm.org.selectors import branches_visible_to, staff_visible_to
from bankcrm.products.models import Product
from bankcrm.sales.models import BusinessLine, Lead, Opportunity, ProductLine, Quote, Stage

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ProductChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name(get_language() or '')} ({obj.code})"


class _Form(BootstrapMixin, forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_bootstrap()


class CustomerNumberField(forms.CharField):
    """A customer chosen by their 12-digit number, among those the actor may see."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 12)
        super().__init__(*args, **kwargs)
        self.actor = None

    def clean(self, value):
        value = (super().clean(value) or "").strip()
        if not value:
            return None
        customer = customers_visible_to(self.actor).filter(number=value).first()
        if customer is None:
            raise forms.ValidationError(_("No customer with this number that you may see."))
        return customer


class LeadForm(_Form):
    source = forms.ChoiceField(label=_("Source"), choices=Lead.Source.choices)
    source_detail = forms.CharField(label=_("Event or campaign"), required=False, max_length=100)
    customer = CustomerNumberField(
        label=_("Existing customer (number)"),
        required=False,
        help_text=_("Leave empty for a prospect, and give their name and mobile."),
    )
    prospect_name = forms.CharField(label=_("Prospect's name"), required=False, max_length=100)
    prospect_mobile = forms.CharField(label=_("Prospect's mobile"), required=False, max_length=20)
    branch = DisplayNameChoiceField(label=_("Branch"), queryset=None)
    product_line = DisplayNameChoiceField(
        label=_("Product line"), queryset=None, required=False, empty_label=_("Not known yet")
    )
    product = ProductChoiceField(
        label=_("Product"), queryset=None, required=False, empty_label=_("Not known yet")
    )
    expected_amount = forms.DecimalField(
        label=_("Expected amount (¥)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    referrer = StaffChoiceField(
        label=_("Referred by"), queryset=None, required=False, empty_label=_("Nobody")
    )
    referrer_line = forms.ChoiceField(
        label=_("Referrer's business line"),
        choices=[("", "—"), *BusinessLine.choices],
        required=False,
    )
    assignee = StaffChoiceField(
        label=_("Assign to"),
        queryset=None,
        required=False,
        empty_label=_("By the assignment rules"),
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].actor = actor
        # Any branch: a referral often goes to another branch's team.
        self.fields["branch"].queryset = Branch.objects.all()
        self.fields["branch"].initial = actor.branch_id
        self.fields["product_line"].queryset = ProductLine.objects.filter(active=True)
        self.fields["product"].queryset = Product.objects.filter(active=True)
        # Any active colleague may have referred the lead (cross-line referrals included).
        self.fields["referrer"].queryset = Staff.objects.filter(is_active=True).order_by("username")
        if actor.role == Role.RELATIONSHIP_MANAGER:
            self.fields["referrer"].initial = None
        rms = staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER)
        if not actor.has_perm("sales.assign_lead"):
            rms = rms.filter(pk=actor.pk)
        self.fields["assignee"].queryset = rms.order_by("username")


class LeadImportForm(_Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV (UTF-8 or GB18030) or Excel .xlsx, at most 5 MB.")
    )


class FollowUpForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("What was done or agreed"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Unchanged"))]
        + [(v, label) for v, label in Lead.Status.choices if v != Lead.Status.CONVERTED],
    )


class AssignForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    assignee = StaffChoiceField(label=_("Relationship manager"), queryset=None)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = (
            staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER).order_by("username")
        )


class RevealForm(_Form):
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)


class OpportunityForm(_Form):
    customer = CustomerNumberField(label=_("Customer number"), required=True)
    line = DisplayNameChoiceField(label=_("Product line"), queryset=None, empty_label=None)
    name = forms.CharField(label=_("Opportunity name"), required=False, max_length=200)
    product = ProductChoiceField(
        label=_("Product"), queryset=None, required=False, empty_label=_("Not chosen yet")
    )
    amount = forms.DecimalField(
        label=_("Amount (¥)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    expected_close = forms.DateField(label=_("Expected close"), required=False, widget=DATE)
    owner = StaffChoiceField(
        label=_("Opportunity owner"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["customer"].actor = actor
        self.fields["line"].queryset = ProductLine.objects.filter(active=True)
        self.fields["product"].queryset = Product.objects.filter(active=True)
        owners = staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER)
        if not actor.has_perm("sales.assign_lead"):
            owners = Staff.objects.filter(pk=actor.pk)
        self.fields["owner"].queryset = owners.order_by("username")
        self.fields["owner"].initial = actor.pk


class ConvertForm(OpportunityForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, actor, lead, **kwargs):
        super().__init__(*args, actor=actor, **kwargs)
        del self.fields["owner"]
        if lead.customer_id:
            del self.fields["customer"]
        else:
            self.fields["customer"].help_text = _(
                "Open the prospect's customer record first, then give its number."
            )
        if lead.product_line_id:
            self.fields["line"].initial = lead.product_line_id


class OpportunityEditForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("Opportunity name"), required=False, max_length=200)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    probability = forms.IntegerField(
        label=_("Probability (%)"), required=False, min_value=0, max_value=100
    )
    expected_close = forms.DateField(label=_("Expected close"), required=False, widget=DATE)


class MoveForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    stage = forms.ModelChoiceField(label=_("Stage"), queryset=Stage.objects.all())
    reason = forms.CharField(label=_("Reason (if lost)"), required=False, max_length=255)

    def __init__(self, *args, opportunity: Opportunity | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if opportunity is not None:
            stages = opportunity.line.stages.exclude(pk=opportunity.stage_id).order_by("position")
            self.fields["stage"].queryset = stages
            self.fields["stage"].empty_label = None
            following = stages.filter(position__gt=opportunity.stage.position).first()
            self.fields["stage"].initial = following.pk if following else None
            self.fields["stage"].label_from_instance = lambda s: s.display_name(
                get_language() or ""
            )


class QuoteForm(_Form):
    title = forms.CharField(label=_("Title"), required=False, max_length=200)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE)
    items = forms.CharField(
        label=_("Lines"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One line each: description | quantity | unit price"),
    )


class QuoteStatusForm(_Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    status = forms.ChoiceField(choices=Quote.Status.choices)


class ContractForm(_Form):
    number = forms.CharField(label=_("Contract number"), required=False, max_length=40)
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DATE)
    amount = forms.DecimalField(
        label=_("Amount (¥)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    term_months = forms.IntegerField(label=_("Term (months)"), required=False, min_value=1)
    instalments = forms.IntegerField(
        label=_("Instalments"), required=False, min_value=1, max_value=360, initial=1
    )
    first_due = forms.DateField(label=_("First instalment due"), required=False, widget=DATE)


class PaymentForm(_Form):
    amount = forms.DecimalField(
        label=_("Amount (¥)"), required=False, max_digits=18, decimal_places=2, min_value=0
    )
    received_on = forms.DateField(label=_("Received on"), required=False, widget=DATE)
    reference = forms.CharField(label=_("Reference"), required=False, max_length=60)


class OpportunityFilterForm(_Form):
    line = DisplayNameChoiceField(
        label=_("Product line"), queryset=None, required=False, empty_label=_("All lines")
    )
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("All")), *Opportunity.Status.choices]
    )
    branch = DisplayNameChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All branches")
    )
    owner = StaffChoiceField(
        label=_("Opportunity owner"), queryset=None, required=False, empty_label=_("Everyone")
    )
    close_from = forms.DateField(label=_("Closing from"), required=False, widget=DATE)
    close_to = forms.DateField(label=_("Closing until"), required=False, widget=DATE)

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = ProductLine.objects.filter(active=True)
        self.fields["branch"].queryset = branches_visible_to(actor)
        self.fields["owner"].queryset = (
            staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER).order_by("username")
        )
        if actor.scope == Scope.OWN_BOOK:  # an RM sees their own: no branch or owner to pick
            del self.fields["branch"], self.fields["owner"]


class LeadFilterForm(_Form):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("open", _("Open")), ("", _("All")), *Lead.Status.choices],
    )
    source = forms.ChoiceField(
        label=_("Source"), required=False, choices=[("", _("All")), *Lead.Source.choices]
    )
    branch = DisplayNameChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All branches")
    )
    assignee = StaffChoiceField(
        label=_("Assigned to"), queryset=None, required=False, empty_label=_("Everyone")
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(actor)
        self.fields["assignee"].queryset = (
            staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER).order_by("username")
        )
        if actor.scope == Scope.OWN_BOOK:
            del self.fields["branch"], self.fields["assignee"]


class ReportFilterForm(_Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    branch = DisplayNameChoiceField(
        label=_("Branch"), queryset=None, required=False, empty_label=_("All branches")
    )
    line = DisplayNameChoiceField(
        label=_("Product line"), queryset=None, required=False, empty_label=None
    )

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["branch"].queryset = branches_visible_to(actor)
        self.fields["line"].queryset = ProductLine.objects.filter(active=True)
