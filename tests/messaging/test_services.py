"""The outbox: contact policy, deduplication, the transactional guarantee, claiming, backoff,
giving up, the lease sweep, retry and cancel."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.models import Customer
from bankcrm.messaging import services
from bankcrm.messaging.models import Message
from bankcrm.messaging.services import backoff, message_enqueue
from tests import factories
from tests.messaging.conftest import consent


def _enqueue(customer, key="k1", **kwargs):
    return message_enqueue(
        customer=customer,
        purpose=kwargs.pop("purpose", "service"),
        subject="您的业务已办结",
        body="感谢您的耐心等待。",
        dedupe_key=key,
        **kwargs,
    )


def _deliveries() -> int:
    return DBTaskResult.objects.filter(task_path="bankcrm.messaging.tasks.message_deliver").count()


def test_the_first_consented_channel_with_an_address_is_chosen(bank, customer):
    # given: consent for SMS and e-mail (service); the default order tries e-mail first
    consent(bank, customer, "sms")
    consent(bank, customer, "email")
    # when
    message = _enqueue(customer)
    # then
    message.refresh_from_db()
    assert (message.status, message.channel, message.recipient) == (
        "queued",
        "email",
        "sanfeng@example.cn",
    )
    assert message.recipient_masked == "s***@example.cn"
    assert message.attempts == 0
    assert message.next_attempt_at is not None


def test_the_customers_preferred_channel_comes_first(bank, customer):
    # given
    consent(bank, customer, "sms")
    consent(bank, customer, "email")
    Customer.objects.filter(pk=customer.pk).update(preferred_channels=["sms"])
    customer.refresh_from_db()
    # when
    message = _enqueue(customer)
    # then
    assert (message.channel, message.recipient) == ("sms", "+8613800138000")
    assert message.recipient_masked == "138****8000"


def test_the_callers_channels_are_tried_in_their_order(bank, customer):
    # given
    consent(bank, customer, "sms")
    consent(bank, customer, "email")
    # when
    message = _enqueue(customer, channels=["wechat", "sms", "email"])
    # then: no WeChat address on record, so SMS
    assert message.channel == "sms"


def test_the_address_and_text_are_encrypted_at_rest(bank, customer):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    # when
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT recipient, subject, body FROM messaging_message WHERE id = %s", [message.pk]
        )
        raw = " ".join(cursor.fetchone())
    # then
    assert "sanfeng" not in raw
    assert "办结" not in raw
    assert "耐心" not in raw


def test_a_withdrawn_consent_suppresses_the_message_and_audits_why(
    bank, customer, django_capture_on_commit_callbacks
):
    # given: e-mail consent granted, then withdrawn
    consent(bank, customer, "email")
    consent(bank, customer, "email", granted=False)
    # when
    with django_capture_on_commit_callbacks(execute=True):
        message = _enqueue(customer, related_type="case", related_id=42)
    # then: stored as suppressed, nothing queued for delivery
    assert (message.status, message.channel, message.recipient) == ("suppressed", "", "")
    assert message.suppressed_reason == "no_consent"
    assert _deliveries() == 0
    event = AuditEvent.objects.get(action="message.suppress")
    assert (event.object_id, event.customer_id) == (str(message.pk), customer.pk)
    assert event.changes == {
        "purpose": "service",
        "channel": "",
        "related": "case:42",
        "reason": "no_consent",
    }


def test_marketing_needs_a_marketing_consent(bank, customer):
    # given: consent for service messages only
    consent(bank, customer, "email", purpose="service")
    # when
    message = _enqueue(customer, purpose="marketing")
    # then
    assert (message.status, message.suppressed_reason) == ("suppressed", "no_consent")


def test_a_consented_channel_without_an_address_is_suppressed_as_such(bank):
    # given: consent for e-mail, but no e-mail address on record
    customer = factories.customer(actor=bank.rm, email="")
    consent(bank, customer, "email")
    # when
    message = _enqueue(customer)
    # then
    assert (message.status, message.suppressed_reason) == ("suppressed", "no_address")


def test_the_same_dedupe_key_returns_the_message_already_stored(
    bank, customer, django_capture_on_commit_callbacks
):
    # given
    consent(bank, customer, "email")
    with django_capture_on_commit_callbacks(execute=True):
        first = _enqueue(customer, key="case:42:closed")
    # when
    with django_capture_on_commit_callbacks(execute=True):
        second = _enqueue(customer, key="case:42:closed")
    # then
    assert second.pk == first.pk
    assert Message.objects.count() == 1
    assert _deliveries() == 1
    assert AuditEvent.objects.filter(action="message.enqueue").count() == 1


def test_no_message_for_a_change_that_rolled_back(
    bank, customer, django_capture_on_commit_callbacks
):
    # given
    consent(bank, customer, "email")
    # when: the caller's transaction fails after enqueuing
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            _enqueue(customer)
            raise RuntimeError("the case could not be saved")
    # then
    assert Message.objects.count() == 0
    assert callbacks == []
    assert _deliveries() == 0


def test_bad_input_names_the_field(bank, customer):
    # when
    with pytest.raises(ValidationError) as caught:
        message_enqueue(
            customer=customer,
            purpose="gossip",
            subject="x",
            body="",
            dedupe_key="",
            channels=["pigeon"],
        )
    # then
    assert set(caught.value.message_dict) == {"purpose", "body", "dedupe_key", "channels"}
    assert Message.objects.count() == 0


def test_the_backoff_doubles_up_to_the_cap(settings):
    # given
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    settings.MESSAGING_RETRY_MAX_SECONDS = 3600
    # when
    waits = [backoff(n).total_seconds() for n in range(1, 9)]
    # then
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600]


def test_only_one_of_two_claims_gets_the_message(bank, customer):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    # when
    first = services.message_claim(message_id=message.pk)
    second = services.message_claim(message_id=message.pk)
    # then
    assert (first, second) == (True, False)
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("sending", 1)


def test_a_message_not_yet_due_is_not_claimed(bank, customer):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    Message.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5)
    )
    # when
    claimed = services.message_claim(message_id=message.pk)
    # then
    assert claimed is False


def test_failed_attempts_back_off_then_give_up(bank, customer, settings, smtp):
    # given: the SMTP server is down; three attempts at most
    settings.MESSAGING_MAX_ATTEMPTS = 3
    settings.MESSAGING_RETRY_BASE_SECONDS = 60
    consent(bank, customer, "email")
    message = _enqueue(customer)
    outcomes, waits = [], []
    # when
    for _ in range(3):
        before = timezone.now()
        outcomes.append(services.message_attempt(message_id=message.pk))
        message.refresh_from_db()
        if message.next_attempt_at:
            waits.append(round((message.next_attempt_at - before).total_seconds() / 60))
            Message.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now())
    # then
    assert outcomes == ["retry", "retry", "failed"]
    assert waits == [1, 2]
    assert (message.status, message.attempts, message.next_attempt_at) == ("failed", 3, None)
    assert message.last_error.startswith("SMTP: ConnectionRefusedError")
    event = AuditEvent.objects.get(action="message.fail")
    assert event.changes["attempts"] == 3


def test_the_sweep_returns_a_dead_workers_message_after_the_lease(bank, customer, settings, smtp):
    # given: two messages claimed by workers; one worker died 10 minutes ago, one is at work
    settings.MESSAGING_LEASE_SECONDS = 300
    smtp.start()
    consent(bank, customer, "email")
    stale = _enqueue(customer, key="stale")
    busy = _enqueue(customer, key="busy")
    services.message_claim(message_id=stale.pk)
    services.message_claim(message_id=busy.pk)
    Message.objects.filter(pk=stale.pk).update(claimed_at=timezone.now() - timedelta(minutes=10))
    # when
    result = services.outbox_dispatch()
    # then: the stale one is delivered (its second attempt), the busy one left alone
    assert result == {"requeued": 1, "sent": 1, "retry": 0, "failed": 0}
    stale.refresh_from_db()
    busy.refresh_from_db()
    assert (stale.status, stale.attempts) == ("sent", 2)
    assert (busy.status, busy.attempts) == ("sending", 1)
    assert [to for to, _text in smtp.received] == [["sanfeng@example.cn"]]


def test_the_dispatch_command_delivers_what_is_due(bank, customer, smtp):
    # given
    from io import StringIO

    from django.core.management import call_command

    smtp.start()
    consent(bank, customer, "email")
    _enqueue(customer)
    out = StringIO()
    # when
    call_command("dispatch_outbox", stdout=out)
    # then
    assert out.getvalue().strip() == "requeued 0, sent 1, retry later 0, failed 0"
    assert len(smtp.received) == 1


def test_retry_queues_a_failed_message_again_and_is_audited(
    bank, customer, django_capture_on_commit_callbacks
):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    Message.objects.filter(pk=message.pk).update(
        status="failed", attempts=6, last_error="SMTP 554", next_attempt_at=None
    )
    message.refresh_from_db()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        retried = services.message_retry(actor=bank.bj_manager, message=message)
    # then
    assert (retried.status, retried.attempts) == ("queued", 0)
    assert retried.next_attempt_at is not None
    assert _deliveries() == 1
    event = AuditEvent.objects.get(action="message.retry")
    assert (event.actor_id, event.changes["last_error"]) == (bank.bj_manager.pk, "SMTP 554")


def test_only_a_failed_message_can_be_retried(bank, customer):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    # when / then
    with pytest.raises(ValidationError):
        services.message_retry(actor=bank.bj_manager, message=message)


def test_retry_needs_the_permission(bank, customer):
    # given
    consent(bank, customer, "email")
    message = _enqueue(customer)
    # when / then
    with pytest.raises(PermissionDenied):
        services.message_retry(actor=bank.rm, message=message)
    assert not AuditEvent.objects.filter(action="message.retry").exists()


def test_a_cancelled_message_is_never_sent(bank, customer, smtp):
    # given
    smtp.start()
    consent(bank, customer, "email")
    message = _enqueue(customer)
    # when
    services.message_cancel(actor=bank.bj_manager, message=message)
    outcome = services.message_attempt(message_id=message.pk)
    # then
    assert outcome == "not_claimed"
    message.refresh_from_db()
    assert message.status == "cancelled"
    assert smtp.received == []


def test_a_slow_attempt_overtaken_by_the_sweep_is_still_recorded_as_sent(
    bank, customer, monkeypatch, settings
):
    # given: an attempt so slow that the sweep, meanwhile, returns its row to the queue
    from bankcrm.messaging import channels

    consent(bank, customer, "email")
    message = _enqueue(customer)
    handed_over = []

    def slow_delivery(outgoing):
        services.outbox_requeue_stale(now=timezone.now() + timedelta(hours=1))
        handed_over.append(outgoing.id)
        return "<slow@bank>"

    monkeypatch.setattr(channels, "deliver", slow_delivery)
    # when: the attempt finishes, then the sweep runs
    outcome = services.message_attempt(message_id=message.pk)
    later = services.outbox_dispatch()
    # then: recorded as sent, and not handed over a second time
    message.refresh_from_db()
    assert (outcome, message.status, message.provider_message_id) == ("sent", "sent", "<slow@bank>")
    assert later["sent"] == 0
    assert handed_over == [message.pk]
