from django import template

from bankcrm.service.models import Case

register = template.Library()

_STATUS = dict(Case.Status.choices)


@register.filter
def case_status(code: str) -> str:
    """A case status code as its translated label."""
    return str(_STATUS.get(code, code))
