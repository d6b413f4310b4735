"""How the people pages show a metric's figure: money, a count or a percentage."""

from decimal import Decimal

from django import template

from bankcrm.org.templatetags.bankcrm_ui import money_short
from bankcrm.people.models import Metric

register = template.Library()

MONEY = {Metric.AUM_GROWTH, Metric.SALES_AMOUNT}
PERCENT = {Metric.SLA_MET_SHARE, Metric.CSAT}


@register.filter
def metric_value(value, metric: str) -> str:
    if value is None or value == "":
        return "—"
    value = Decimal(value)
    if metric in MONEY:
        return money_short(value)
    if metric in PERCENT:
        return f"{value.quantize(Decimal('0.1'))}%"
    return f"{value.quantize(Decimal('1')):,}"


@register.filter
def percent(value) -> str:
    if value is None:
        return "—"
    return f"{Decimal(value).quantize(Decimal('0.1'))}%"


@register.filter
def attainment_class(value) -> str:
    """Bootstrap colour of a progress bar: reached, near, far."""
    if value is None:
        return "bg-secondary"
    if value >= 100:
        return "bg-success"
    if value >= 70:
        return "bg-primary"
    return "bg-warning"


@register.filter
def get_item(mapping, key):
    return mapping.get(key) if mapping else None


@register.filter
def get_value(actuals, metric: str):
    """An RM's actual figure for one metric."""
    return actuals.value(metric) if actuals is not None else None


def _lang() -> str:
    from django.utils.translation import get_language

    return get_language() or ""


@register.filter
def display_title(obj) -> str:
    """A course's or material's title in the staff member's language (Chinese as fallback)."""
    return obj.display_title(_lang())


@register.filter
def display_summary(obj) -> str:
    return obj.display_summary(_lang())


@register.filter
def display_body(obj) -> str:
    return obj.display_body(_lang())


@register.filter
def display_text(obj) -> str:
    """A question's or answer's text in the staff member's language."""
    return obj.display_text(_lang())
