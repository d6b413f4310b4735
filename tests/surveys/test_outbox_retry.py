"""The issue's outbox test: the SMTP server is down when a case closes. The case still saves and
the survey's message waits in the outbox with its attempt counted and the next one scheduled;
when the server is back, the survey goes out exactly once (the server receives one message),
however many times the worker and the sweep run."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bankcrm.interactions.models import Interaction
from bankcrm.interactions.services import interaction_create
from bankcrm.messaging.models import Message
from bankcrm.surveys.models import Survey
from bankcrm.surveys.services import survey_request
from tests.messaging.conftest import consent
from tests.worker import run_worker

DELIVER = "bankcrm.messaging.tasks.message_deliver"


def _close_the_case(bank, customer) -> Survey:
    """What the service app does when a case closes: its records and the survey, one
    transaction (an interaction stands for the case's own rows here)."""
    with transaction.atomic():
        interaction_create(
            actor=bank.agent, customer=customer, channel="call", subject="案件已办结"
        )
        return survey_request(
            actor=bank.agent,
            customer=customer,
            about_type="case",
            about_id=42,
            staff=bank.agent,
            branch=bank.beijing,
        )


@pytest.mark.django_db(transaction=True)
def test_smtp_down_then_back_delivers_the_survey_exactly_once(bank, customer, settings, smtp):
    # given: e-mail consent for service messages; the SMTP server is down
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    consent(bank, customer, "email")
    # when: the case closes and the worker tries to send
    survey = _close_the_case(bank, customer)
    started = timezone.now()
    run_worker()
    # then: the case and the survey are saved; the message waits, attempt counted, retry set
    assert Interaction.objects.filter(customer=customer, subject="案件已办结").count() == 1
    message = Message.objects.get(pk=Survey.objects.get(pk=survey.pk).message_id)
    assert (message.status, message.channel, message.attempts) == ("queued", "email", 1)
    assert message.last_error.startswith("SMTP: ConnectionRefusedError")
    wait = message.next_attempt_at - started
    assert timedelta(seconds=50) < wait <= timedelta(seconds=61)
    retry = DBTaskResult.objects.get(task_path=DELIVER, status="READY")
    assert abs(retry.run_after - message.next_attempt_at) < timedelta(seconds=1)
    assert smtp.received == []

    # when: the server is back and the retry falls due; the worker, the sweep and the worker
    # again all run
    smtp.start()
    Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    DBTaskResult.objects.filter(pk=retry.pk).update(run_after=timezone.now())
    call_command("dispatch_outbox", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115
    run_worker()
    call_command("dispatch_outbox", verbosity=0, stdout=open("/dev/null", "w"))  # noqa: SIM115

    # then: exactly one message reached the server, to the customer, with the survey link
    assert [to for to, _text in smtp.received] == [["sanfeng@example.cn"]]
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sent", 2)
    assert message.sent_at is not None
    assert f"Message-ID: {message.provider_message_id}" in smtp.received[0][1]
    assert "/surveys/r/" in smtp.received[0][1]


@pytest.mark.django_db(transaction=True)
def test_a_case_that_fails_to_save_sends_nothing(bank, customer, smtp):
    # given
    smtp.start()
    consent(bank, customer, "email")
    # when: the case's transaction rolls back after the survey was requested
    with pytest.raises(RuntimeError), transaction.atomic():
        survey_request(
            actor=bank.agent,
            customer=customer,
            about_type="case",
            about_id=43,
            staff=bank.agent,
            branch=bank.beijing,
        )
        raise RuntimeError("the case could not be closed")
    run_worker()
    # then
    assert (Survey.objects.count(), Message.objects.count()) == (0, 0)
    assert smtp.received == []
