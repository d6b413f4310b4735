"""Forms of the segment pages, and the field catalogue as the builder's script reads it."""

from __future__ import annotations

import json
import re
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from bankcrm.analytics import labels, schema
from bankcrm.analytics import segments as analytics
from bankcrm.customers.forms import BootstrapMixin
from bankcrm.segments.models import Segment

EXAMPLE = {"op": "and", "conditions": [{"field": "age", "op": "between", "value": [30, 45]}]}


def condition_number(path: str) -> str:
    """ "conditions[1].conditions[0]" → "2.1": how the builder numbers conditions."""
    return ".".join(str(int(n) + 1) for n in re.findall(r"\[(\d+)\]", path))


class SegmentForm(BootstrapMixin, forms.Form):
    name = forms.CharField(label=pgettext_lazy("segment", "Name"), max_length=100)
    description = forms.CharField(
        label=gettext_lazy("Description"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Save as"),
        choices=Segment.Kind.choices,
        initial=Segment.Kind.DYNAMIC,
        widget=forms.RadioSelect,
    )
    definition = forms.CharField(
        label=gettext_lazy("Definition (JSON)"),
        widget=forms.Textarea(attrs={"rows": 6, "spellcheck": "false"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.apply_bootstrap()
        self.fields["kind"].widget.attrs["class"] = "form-check-input"
        self.fields["definition"].widget.attrs["class"] += " font-monospace small"
        self.error_path: str | None = None

    def clean_definition(self) -> Any:
        return parse_json(self.cleaned_data["definition"])

    def definition_json(self) -> str:
        """The definition as the page holds it (the bound text, else the initial document)."""
        value = self["definition"].value()
        if isinstance(value, dict | list):
            return json.dumps(value, ensure_ascii=False)
        return value or json.dumps(EXAMPLE)


def parse_json(text: str) -> Any:
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        raise forms.ValidationError(_("The definition is not valid JSON.")) from None


class PreviewForm(forms.Form):
    definition = forms.CharField(max_length=100_000)

    def clean_definition(self) -> Any:
        return parse_json(self.cleaned_data["definition"])


OPERATOR_LABELS = {
    "eq": "=",
    "ne": "≠",
    "gt": ">",
    "gte": "≥",
    "lt": "<",
    "lte": "≤",
    "between": gettext_lazy("between"),
    "in": gettext_lazy("is one of"),
    "not_in": gettext_lazy("is none of"),
    "is": gettext_lazy("is"),
}


def builder_catalogue() -> dict:
    """What the builder's script needs: fields by group, their operators and choices."""
    groups = []
    for key, label in analytics.GROUPS:
        fields = []
        for spec in analytics.FIELDS.values():
            if spec.group != key:
                continue
            fields.append(
                {
                    "name": spec.name,
                    "label": str(spec.label),
                    "kind": spec.kind,
                    "operators": list(spec.operators),
                    "choices": spec.choices() if spec.choices and not spec.open_choices else None,
                    "windowed": spec.windowed,
                    "filters": list(spec.filters),
                }
            )
        groups.append({"key": key, "label": str(label), "fields": fields})
    categories = [(c, str(labels.CATEGORIES.get(c, c))) for c in schema.CATEGORIES] + [
        (c, str(labels.MERCHANT_CATEGORIES.get(c, c))) for c in schema.MERCHANT_CATEGORIES
    ]
    return {
        "groups": groups,
        "operators": {k: str(v) for k, v in OPERATOR_LABELS.items()},
        "categories": categories,
        "channels": [(c, str(labels.CHANNELS.get(c, c))) for c in schema.CHANNELS],
        "labels": {
            "and": _("All of these (AND)"),
            "or": _("Any of these (OR)"),
            "add_condition": _("Add condition"),
            "add_group": _("Add group"),
            "remove": _("Remove"),
            "window": _("in the last"),
            "days": _("days"),
            "category": _("Category"),
            "channel": _("Channel"),
            "any": _("any"),
            "yes": _("Yes"),
            "no": _("No"),
            "value": _("Value"),
            "to": _("to"),
            "field": _("Field"),
            "operator": _("Operator"),
            "comma": _("Separate several values with commas"),
            "condition": _("Condition"),
        },
        "max_depth": analytics.MAX_DEPTH,
    }
