"""Channel adapters against real local servers: SMTP (aiosmtpd) and a fake SMS gateway."""

from bankcrm.messaging import services
from bankcrm.messaging.models import Message
from bankcrm.messaging.services import message_enqueue
from tests.messaging.conftest import consent


def _sms(bank, customer, key="sms-1"):
    consent(bank, customer, "sms")
    return message_enqueue(
        customer=customer,
        purpose="service",
        subject="满意度调查",
        body="请为我们的服务打分。",
        dedupe_key=key,
        channels=["sms"],
    )


def test_an_sms_goes_to_the_gateway_as_json_with_the_token(bank, customer, sms_gateway):
    # given
    message = _sms(bank, customer)
    # when
    outcome = services.message_attempt(message_id=message.pk)
    # then
    assert outcome == "sent"
    [request] = sms_gateway.requests
    assert request["body"] == {
        "to": "+8613800138000",
        "text": "满意度调查\n请为我们的服务打分。",
        "sender": "BANKCRM",
        "reference": "sms-1",
    }
    assert request["headers"]["Authorization"] == "Bearer gw-secret"
    assert request["headers"]["Idempotency-Key"] == "sms-1"
    message.refresh_from_db()
    assert (message.status, message.provider_message_id) == ("sent", "GW1")


def test_a_gateway_error_5xx_is_retried_later(bank, customer, sms_gateway):
    # given
    sms_gateway.status = 503
    message = _sms(bank, customer)
    # when
    outcome = services.message_attempt(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert outcome == "retry"
    assert (message.status, message.attempts, message.last_error) == (
        "queued",
        1,
        "SMS gateway: HTTP 503",
    )


def test_a_gateway_refusal_4xx_gives_up_at_once(bank, customer, sms_gateway):
    # given
    sms_gateway.status = 400
    message = _sms(bank, customer)
    # when
    outcome = services.message_attempt(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert outcome == "failed"
    assert (message.status, message.attempts, message.last_error) == (
        "failed",
        1,
        "SMS gateway: HTTP 400",
    )


def test_an_sms_without_a_configured_gateway_fails_clearly(bank, customer, settings):
    # given
    settings.MESSAGING_SMS_GATEWAY_URL = ""
    message = _sms(bank, customer)
    # when
    outcome = services.message_attempt(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert outcome == "failed"
    assert message.last_error == "SMS: no gateway configured (BANKCRM_SMS_GATEWAY_URL)"


def test_a_channel_without_an_adapter_fails_clearly(bank, customer):
    # given: a message stored for a channel that has no adapter
    message = _sms(bank, customer)
    Message.objects.filter(pk=message.pk).update(channel="wechat")
    # when
    outcome = services.message_attempt(message_id=message.pk)
    # then
    message.refresh_from_db()
    assert (outcome, message.status) == ("failed", "failed")
    assert message.last_error == "No adapter for the channel 'wechat'"


def test_an_email_carries_subject_body_and_a_message_id(bank, customer, smtp):
    # given
    smtp.start()
    consent(bank, customer, "email")
    message = message_enqueue(
        customer=customer,
        purpose="service",
        subject="业务办结通知",
        body="您的业务已办结。",
        dedupe_key="mail-1",
    )
    # when
    services.message_attempt(message_id=message.pk)
    # then
    message.refresh_from_db()
    [(to, text)] = smtp.received
    assert to == ["sanfeng@example.cn"]
    assert f"Message-ID: {message.provider_message_id}" in text
    assert f"X-Bankcrm-Message: {message.pk}" in text
