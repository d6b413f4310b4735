"""Helpers of the survey tests."""

import re
from datetime import datetime, timedelta

from bankcrm.messaging.models import Message
from bankcrm.surveys.models import Survey
from bankcrm.surveys.services import survey_request
from tests import factories
from tests.messaging.conftest import consent


def request_survey(bank, customer, about_id: int = 42, staff=None, branch=None) -> Survey:
    return survey_request(
        actor=bank.agent,
        customer=customer,
        about_type="case",
        about_id=about_id,
        staff=staff or bank.agent,
        branch=branch or bank.beijing,
    )


def link_of(survey: Survey) -> str:
    """The answer link in the survey's message (what the customer received)."""
    body = Message.objects.get(pk=survey.message_id).body
    return re.search(r"https?://\S+(/surveys/r/\S+/)", body).group(1)


def answered(
    bank,
    *,
    csat: int | None,
    nps: int | None,
    at: datetime,
    staff=None,
    customer=None,
    branch=None,
    comment: str = "",
) -> Survey:
    """A survey answered at `at` (stored directly: the answer service stamps the present)."""
    customer = customer or factories.customer(actor=bank.rm)
    survey = Survey.objects.create(
        customer=customer,
        about_type="case",
        about_id=Survey.objects.count() + 1000,
        staff=staff or bank.agent,
        branch=branch or customer.branch,
        token_digest=f"{Survey.objects.count():064d}",
        status=Survey.Status.ANSWERED,
        expires_at=at + timedelta(days=14),
        csat=csat,
        nps=nps,
        comment=comment,
        has_comment=bool(comment),
        answered_at=at,
    )
    return survey


__all__ = ["answered", "consent", "link_of", "request_survey"]
