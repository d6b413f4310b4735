"""The outbox page: who sees it, scoping, masking, retry from the page, constant queries; and
messages on the customer 360 timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.timeline import customer_timeline
from bankcrm.messaging.models import Message
from bankcrm.messaging.services import message_enqueue
from tests import factories
from tests.messaging.conftest import consent


def _message(bank, customer, key="m1", **fields):
    consent(bank, customer, "email")
    message = message_enqueue(
        customer=customer, purpose="service", subject="业务办结通知", body="正文", dedupe_key=key
    )
    if fields:
        Message.objects.filter(pk=message.pk).update(**fields)
        message.refresh_from_db()
    return message


def test_a_branch_manager_sees_the_outbox_of_the_branch_masked(client, bank, customer):
    # given
    message = _message(bank, customer, status="failed", last_error="SMTP 554")
    client.force_login(bank.bj_manager)
    # when
    response = client.get("/messaging/")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert f"/messaging/{message.pk}/" in page
    assert "s***@example.cn" in page
    assert "sanfeng@example.cn" not in page
    assert "SMTP 554" in page
    assert response.context["counts"].by_status["failed"] == 1
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("who", "status"),
    [("bj_manager", 200), ("admin", 200), ("sh_manager", 404), ("rm", 403), ("agent", 403)],
)
def test_a_message_page_is_scoped(client, bank, customer, who, status):
    # given
    message = _message(bank, customer)
    client.force_login(getattr(bank, who))
    # when
    response = client.get(f"/messaging/{message.pk}/")
    # then
    assert response.status_code == status
    if status == 200:
        assert "s***@example.cn" in response.content.decode()
        assert "正文" not in response.content.decode()  # the text (it may hold a link) is not shown


def test_another_branch_neither_lists_nor_counts_the_message(client, bank, customer):
    # given
    _message(bank, customer)
    client.force_login(bank.sh_manager)
    # when
    response = client.get("/messaging/")
    # then
    assert response.context["rows"] == []
    assert response.context["counts"].total == 0


def test_retry_from_the_page(client, bank, customer):
    # given
    message = _message(bank, customer, status="failed", attempts=6, next_attempt_at=None)
    client.force_login(bank.bj_manager)
    # when
    response = client.post(f"/messaging/{message.pk}/retry/")
    # then
    assert response.status_code == 302
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("queued", 0)
    assert AuditEvent.objects.filter(action="message.retry", actor=bank.bj_manager).count() == 1


def test_retry_out_of_scope_is_404_and_changes_nothing(client, bank, customer):
    # given
    message = _message(bank, customer, status="failed", attempts=6, next_attempt_at=None)
    client.force_login(bank.sh_manager)
    # when
    response = client.post(f"/messaging/{message.pk}/retry/")
    # then
    assert response.status_code == 404
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", 6)


def test_retrying_a_sent_message_says_why_not(client, bank, customer):
    # given
    message = _message(bank, customer, status="sent", sent_at=timezone.now())
    client.force_login(bank.bj_manager)
    # when
    with translation.override("en"):
        response = client.post(f"/messaging/{message.pk}/retry/", follow=True)
    # then
    assert "Only a failed message can be retried." in response.content.decode()
    message.refresh_from_db()
    assert message.status == "sent"


def test_the_outbox_page_costs_the_same_queries_for_more_messages(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    for n in range(3):
        _message(bank, customer, key=f"a{n}")
    client.get("/messaging/")
    with CaptureQueriesContext(connection) as few:
        client.get("/messaging/")
    for n in range(12):
        other = factories.customer(actor=bank.rm)
        _message(bank, other, key=f"b{n}", status="failed", last_error="x")
    # when
    with CaptureQueriesContext(connection) as many:
        client.get("/messaging/")
    # then
    assert len(many) == len(few)


def test_sent_and_suppressed_messages_are_on_the_timeline(bank, customer):
    # given
    sent = _message(bank, customer, key="s", status="sent", sent_at=timezone.now())
    consent(bank, customer, "email", granted=False)
    message_enqueue(
        customer=customer, purpose="service", subject="另一条", body="x", dedupe_key="held"
    )
    # when
    with translation.override("en"):
        entries = [
            e for e in customer_timeline(actor=bank.rm, customer=customer) if e.kind == "message"
        ]
    # then: the RM sees them (no link: the outbox page is not theirs)
    assert [(e.kind_label, e.title, e.url) for e in entries] == [
        ("Message suppressed", "另一条", ""),
        ("Message sent", "业务办结通知", ""),
    ]
    manager_entries = customer_timeline(actor=bank.bj_manager, customer=customer)
    assert f"/messaging/{sent.pk}/" in [e.url for e in manager_entries]


def test_the_customer_page_shows_system_events_of_the_outbox(client, bank, customer, smtp):
    # given: a message sent by the worker and a survey answered by the customer (no staff actor)
    from bankcrm.messaging.services import message_attempt
    from bankcrm.surveys.services import survey_answer
    from tests.surveys.support import request_survey

    smtp.start()
    consent(bank, customer, "email")
    survey = request_survey(bank, customer)
    message_attempt(message_id=survey.message_id)
    survey_answer(survey=survey, csat=5, nps=10)
    client.force_login(bank.rm)
    # when
    response = client.get(f"/customers/{customer.pk}/")
    # then
    assert response.status_code == 200
    assert (
        AuditEvent.objects.filter(
            customer_id=customer.pk, actor=None, action__in=["message.send", "survey.answer"]
        ).count()
        == 2
    )
