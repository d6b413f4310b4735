"""The issue's outbox test through the real service workflow: a complaint closes while the SMTP
server is down. The case is closed and saved, the survey's message waits with its attempt
counted; once the server is back the survey reaches the customer exactly once."""

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bankcrm.messaging.models import Message
from bankcrm.service.models import Case
from bankcrm.service.services import case_transition
from bankcrm.surveys.models import Survey
from tests.messaging.conftest import consent, smtp  # noqa: F401 - fixture
from tests.service.conftest import open_case
from tests.service.test_workflow import ARGS
from tests.worker import run_worker


@pytest.mark.django_db(transaction=True)
def test_a_complaint_closed_while_smtp_is_down_gets_its_survey_once_the_server_is_back(
    bank,
    customer,
    smtp,  # noqa: F811
):
    # given: e-mail consent for service messages; the SMTP server is down
    consent(bank, customer, "email")
    case = open_case(bank.agent, customer)
    # when: the complaint is worked to closure and the worker tries to send
    for action in ["acknowledge", "investigate", "resolve", "visit", "close"]:
        case.refresh_from_db()
        case_transition(
            actor=bank.agent, case=case, action=action, version=case.version,
            **ARGS.get(action, {}),
        )  # fmt: skip
    run_worker()
    # then: the case is closed; the survey's message waits with one attempt counted
    assert Case.objects.get(pk=case.pk).status == "closed"
    survey = Survey.objects.get(about_type="case", about_id=case.pk)
    message = Message.objects.get(pk=survey.message_id)
    assert (message.status, message.channel, message.attempts) == ("queued", "email", 1)
    assert message.next_attempt_at > timezone.now()
    assert smtp.received == []
    # when: the server is back and the retry falls due; the worker and the sweep both run
    smtp.start()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now())
    run_worker()
    call_command("dispatch_outbox", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_worker()
    # then: exactly one message, to the customer, with the survey's link
    assert [to for to, _text in smtp.received] == [["sanfeng@example.cn"]]
    assert "/surveys/r/" in smtp.received[0][1]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
