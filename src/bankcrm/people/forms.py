"""Forms of the people pages. They only parse input: the services validate and decide."""

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from bankcrm.customers.forms import BootstrapMixin
from bankcrm.people.models import Material
from bankcrm.people.services import ALLOWED_FILES
from bankcrm.products.models import Product

CHOICE_ROWS = 4


class CourseForm(BootstrapMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=20)
    title = forms.CharField(label=_("Title (Chinese)"), max_length=150)
    title_en = forms.CharField(label=_("Title (English)"), max_length=150, required=False)
    summary = forms.CharField(
        label=_("Summary (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    summary_en = forms.CharField(
        label=_("Summary (English)"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    pass_mark = forms.IntegerField(label=_("Pass mark (%)"), min_value=1, max_value=100)
    products = forms.ModelMultipleChoiceField(
        label=_("About the products"),
        queryset=Product.objects.order_by("type", "code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )
    required_for = forms.ModelMultipleChoiceField(
        label=_("Required before selling"),
        queryset=Product.objects.order_by("type", "code"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("Staff cannot open an opportunity for these products until they pass."),
    )
    active = forms.BooleanField(label=_("Published"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    field_order = [
        "code",
        "title",
        "title_en",
        "summary",
        "summary_en",
        "products",
        "required_for",
        "pass_mark",
        "active",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("products", "required_for"):
            self.fields[name].label_from_instance = lambda p: (
                f"{p.code} · {p.display_name(get_language())}"
            )
        self.apply_bootstrap()


class MaterialForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=Material.Kind.choices)
    title = forms.CharField(label=_("Title (Chinese)"), max_length=150)
    title_en = forms.CharField(label=_("Title (English)"), max_length=150, required=False)
    body = forms.CharField(
        label=_("Text (Chinese)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    body_en = forms.CharField(
        label=_("Text (English)"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    file = forms.FileField(
        label=_("File"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ALLOWED_FILES)}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.apply_bootstrap()


class QuestionForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Question (Chinese)"), widget=forms.Textarea(attrs={"rows": 2}))
    text_en = forms.CharField(
        label=_("Question (English)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(1, CHOICE_ROWS + 1):
            self.fields[f"choice{i}"] = forms.CharField(
                label=_("Answer %(n)s (Chinese)") % {"n": i}, max_length=300, required=False
            )
            self.fields[f"choice{i}_en"] = forms.CharField(
                label=_("Answer %(n)s (English)") % {"n": i}, max_length=300, required=False
            )
            self.fields[f"choice{i}_correct"] = forms.BooleanField(
                label=_("Correct"), required=False
            )
        self.apply_bootstrap()

    def choice_rows(self):
        return [
            (self[f"choice{i}"], self[f"choice{i}_en"], self[f"choice{i}_correct"])
            for i in range(1, CHOICE_ROWS + 1)
        ]

    def choices(self) -> list[dict]:
        return [
            {
                "text": self.cleaned_data.get(f"choice{i}") or "",
                "text_en": self.cleaned_data.get(f"choice{i}_en") or "",
                "correct": bool(self.cleaned_data.get(f"choice{i}_correct")),
            }
            for i in range(1, CHOICE_ROWS + 1)
        ]


class AssignForm(BootstrapMixin, forms.Form):
    WHO = [
        ("staff", _("Individual staff")),
        ("team", _("A team")),
        ("branch", _("The RMs of a branch")),
    ]
    who = forms.ChoiceField(
        label=_("Assign to"), choices=WHO, widget=forms.RadioSelect, initial="staff"
    )
    staff = forms.ModelMultipleChoiceField(
        label=_("Staff"),
        queryset=None,
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 8}),
    )
    team = forms.ModelChoiceField(label=_("Team"), queryset=None, required=False)
    branch = forms.ModelChoiceField(label=_("Branch"), queryset=None, required=False)
    due_on = forms.DateField(label=_("Due date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, staff_qs, team_qs, branch_qs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_qs
        self.fields["staff"].label_from_instance = lambda s: (
            f"{s.display_name or s.username} · {s.get_role_display()} · "
            f"{s.branch.display_name(get_language())}"
        )
        self.fields["team"].queryset = team_qs
        self.fields["team"].label_from_instance = lambda t: (
            f"{t.name} · {t.branch.display_name(get_language())}"
        )
        self.fields["branch"].queryset = branch_qs
        self.fields["branch"].label_from_instance = lambda b: b.display_name(get_language())
        self.apply_bootstrap()
        self.fields["who"].widget.attrs["class"] = "form-check-input"
