"""Channel adapters: each sends one message and returns the provider's id for it, or raises.

- `TransientError`: try again later (server down, timeout, 4xx SMTP reply, HTTP 5xx or 429).
- `PermanentError`: retrying cannot help (address refused, 5xx SMTP reply, HTTP 4xx, a channel
  with no adapter configured); the message is given up at once with the reason.

Adapters never log the address or the text (C2 data).
"""

from __future__ import annotations

import json
import smtplib
import uuid
from dataclasses import dataclass
from email.utils import make_msgid

import requests
from django.conf import settings
from django.core.mail import EmailMessage, get_connection

from bankcrm.customers.models import Channel


class DeliveryError(Exception):
    permanent = False


class TransientError(DeliveryError):
    pass


class PermanentError(DeliveryError):
    permanent = True


@dataclass(frozen=True)
class Outgoing:
    id: int
    channel: str
    recipient: str
    subject: str
    body: str
    dedupe_key: str


def send_email(message: Outgoing) -> str:
    """SMTP through Django's mail settings (EMAIL_HOST, EMAIL_PORT, ...)."""
    domain = (settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "localhost").strip(">")
    message_id = make_msgid(idstring=f"outbox{message.id}", domain=domain)
    email = EmailMessage(
        subject=message.subject,
        body=message.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.recipient],
        headers={"Message-ID": message_id, "X-Bankcrm-Message": str(message.id)},
        connection=get_connection(fail_silently=False),
    )
    try:
        email.send()
    except smtplib.SMTPRecipientsRefused as exc:
        raise PermanentError("SMTP: the recipient address was refused") from exc
    except smtplib.SMTPResponseException as exc:
        text = f"SMTP {exc.smtp_code}"
        if 500 <= exc.smtp_code < 600:
            raise PermanentError(text) from exc
        raise TransientError(text) from exc
    except (TimeoutError, smtplib.SMTPException, OSError) as exc:
        raise TransientError(f"SMTP: {type(exc).__name__}: {_safe(exc)}") from exc
    return message_id


def send_sms(message: Outgoing) -> str:
    """A JSON POST to the bank's SMS gateway:

        POST BANKCRM_SMS_GATEWAY_URL   Authorization: Bearer BANKCRM_SMS_GATEWAY_TOKEN
        {"to": "+8613800138000", "text": "...", "sender": "...", "reference": "<dedupe key>"}

    The gateway answers 2xx with {"id": "<its message id>"}. The reference lets a gateway that
    supports it drop a repeat of the same message (the at-least-once window, docs/messaging.md).
    """
    url = settings.MESSAGING_SMS_GATEWAY_URL
    if not url:
        raise PermanentError("SMS: no gateway configured (BANKCRM_SMS_GATEWAY_URL)")
    token = settings.MESSAGING_SMS_GATEWAY_TOKEN
    payload = {
        "to": message.recipient,
        "text": f"{message.subject}\n{message.body}" if message.subject else message.body,
        "sender": settings.MESSAGING_SMS_SENDER,
        "reference": message.dedupe_key,
    }
    headers = {"Content-Type": "application/json", "Idempotency-Key": message.dedupe_key}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    try:
        response = requests.post(
            url,
            data=json.dumps(payload, ensure_ascii=False).encode(),
            headers=headers,
            timeout=settings.MESSAGING_HTTP_TIMEOUT,
        )
    except requests.RequestException as exc:
        raise TransientError(f"SMS gateway: {type(exc).__name__}") from exc
    if response.status_code == 429 or response.status_code >= 500:
        raise TransientError(f"SMS gateway: HTTP {response.status_code}")
    if response.status_code >= 400:
        raise PermanentError(f"SMS gateway: HTTP {response.status_code}")
    try:
        provider_id = str(response.json().get("id") or "")
    except (ValueError, AttributeError):
        provider_id = ""
    return provider_id or f"sms-{uuid.uuid4()}"


ADAPTERS = {Channel.EMAIL: send_email, Channel.SMS: send_sms}

# Channels that carry a message (phone is a call, made by a person: never from the outbox).
MESSAGE_CHANNELS = (Channel.EMAIL, Channel.SMS, Channel.WECHAT, Channel.APP_PUSH)


def address_of(customer, channel: str) -> str:
    """The customer's address on a channel; empty if none is on record. The customer master
    keeps no WeChat open id or app device today, so those channels have no address."""
    if channel == Channel.EMAIL:
        return customer.email or ""
    if channel == Channel.SMS:
        return customer.mobile or ""
    return ""


def deliver(message: Outgoing) -> str:
    adapter = ADAPTERS.get(message.channel)
    if adapter is None:
        raise PermanentError(f"No adapter for the channel {message.channel!r}")
    return adapter(message)


def _safe(exc: Exception) -> str:
    """An error's text without addresses (SMTP errors may quote them)."""
    text = str(exc)
    return "" if "@" in text else text[:200]
