from django import template

from bankcrm.common import masking

register = template.Library()


@register.filter
def masked_name(name: str) -> str:
    """A name as bulk lists show it: the surname and stars (common.masking)."""
    return masking.mask("name", name)
