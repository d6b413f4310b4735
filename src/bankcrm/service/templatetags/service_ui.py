from django import template

from bankcrm.service.models import Case

register = template.Library()

_STATUS = dict(Case.Status.choices)


@register.filter
def case_status(code: str) -> str:
    """A case status code as its translated label."""
    return str(_STATUS.get(code, code))


@register.filter
def event_detail(event) -> str:
    """What a case event says, in the reader's language: system escalations and priority changes
    are rendered from their data, staff-written text is shown as written."""
    from django.utils.translation import gettext as _

    from bankcrm.service.models import CaseEvent, Priority
    from bankcrm.service.sla import AT_RISK

    data = event.data or {}
    if event.kind == CaseEvent.Kind.PRIORITY and data.get("priority") in Priority.values:
        return str(Priority(data["priority"]).label)
    if event.kind == CaseEvent.Kind.ESCALATED and event.actor_id is None:
        messages = {
            "at_risk": _("Resolution target at risk: %(pct)s%% of the time used.")
            % {"pct": int(AT_RISK * 100)},
            "resolution_breach": _("Resolution target missed."),
            "response_breach": _("First response target missed: reassigned."),
        }
        return messages.get(data.get("trigger"), event.detail)
    if event.kind in (CaseEvent.Kind.SLA_WARNING, CaseEvent.Kind.SLA_BREACH):
        targets = {"resolution": _("Resolution"), "first_response": _("First response")}
        return str(targets.get(data.get("target"), ""))
    return event.detail
