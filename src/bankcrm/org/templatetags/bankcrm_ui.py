"""Small presentation helpers shared by the staff pages (no business logic here)."""

from decimal import Decimal, InvalidOperation

from django import template
from django.conf import settings
from django.utils.translation import get_language
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def bank_name() -> str:
    """The bank's name in the navbar: settings.BANK_NAME when set, else a neutral default."""
    return getattr(settings, "BANK_NAME", "") or _("bankcrm demo bank")


@register.filter
def display_name(obj) -> str:
    """A branch, tag or product in the staff member's language (Chinese name as fallback)."""
    if obj is None:
        return ""
    method = getattr(obj, "display_name", None)
    if callable(method):
        return method(get_language() or "")
    return str(obj)


@register.filter
def money(value, places: int = 2) -> str:
    """A Decimal amount with thousands separators: 1234567.5 → 1,234,567.50."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    return f"{amount:,.{int(places)}f}"


@register.filter
def money_short(value) -> str:
    """A compact amount for headlines: 12,345,678 → 1,234.57万 in Chinese, 12.35M in English.

    Units are part of each language's number format, so they are chosen here, not translated.
    """
    if value is None:
        return ""
    amount = Decimal(value)
    if (get_language() or "").startswith("zh"):
        if abs(amount) >= Decimal("100000000"):
            return f"{amount / Decimal('100000000'):,.2f}亿"
        if abs(amount) >= Decimal("10000"):
            return f"{amount / Decimal('10000'):,.2f}万"
        return f"{amount:,.2f}"
    for size, suffix in ((Decimal("1e9"), "B"), (Decimal("1e6"), "M"), (Decimal("1e3"), "K")):
        if abs(amount) >= size:
            return f"{amount / size:,.2f}{suffix}"
    return f"{amount:,.2f}"


@register.filter
def get_item(mapping, key):
    """mapping[key] in a template, or None."""
    try:
        return mapping.get(key)
    except AttributeError:
        return None


STAGE_BADGES = {
    "prospect": "text-bg-secondary",
    "onboarding": "text-bg-info",
    "active": "text-bg-success",
    "dormant": "text-bg-warning",
    "churned": "text-bg-dark",
    "won_back": "text-bg-primary",
}


@register.filter
def stage_badge(stage: str) -> str:
    """The Bootstrap badge class for a lifecycle stage."""
    return STAGE_BADGES.get(stage, "text-bg-light")


@register.filter
def widget(bound_field):
    """Render a bound field's widget, marked invalid (Bootstrap) when it has errors."""
    if not bound_field.errors:
        return bound_field.as_widget()
    css = bound_field.field.widget.attrs.get("class", "")
    attrs = {"class": f"{css} is-invalid".strip(), "aria-invalid": "true"}
    return bound_field.as_widget(attrs=attrs)


CHANNEL_ICONS = {
    "call": "bi-telephone",
    "phone": "bi-telephone",
    "visit": "bi-shop",
    "meeting": "bi-people",
    "email": "bi-envelope",
    "sms": "bi-chat-dots",
    "wechat": "bi-wechat",
    "app_push": "bi-phone",
    "note": "bi-journal-text",
}


@register.filter
def channel_icon(channel: str) -> str:
    """The Bootstrap Icons class for an interaction or consent channel."""
    return CHANNEL_ICONS.get(channel, "bi-dot")
