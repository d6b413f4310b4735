"""Writes of the outbox.

`message_enqueue` is called by other services inside their transaction (the transactional
outbox: a change that rolls back leaves no message). Delivery happens after commit, in the
background worker (`messaging.tasks.message_deliver`), through one conditional update that
claims a row (queued → sending), so two workers never send the same row at once. A worker that
dies between claiming and recording the result leaves the row `sending`; after the lease
(MESSAGING_LEASE_SECONDS) the sweep puts it back in the queue. If it had already handed the
message to the server, the customer gets it twice: delivery is at-least-once in that window,
exactly once otherwise (docs/messaging.md).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.models import Channel, Consent
from bankcrm.messaging import channels as adapters
from bankcrm.messaging.models import Message

log = logging.getLogger(__name__)

RETRY = "messaging.retry_message"
# What an attempt did (message_attempt's result).
SENT, RETRY_LATER, GAVE_UP, NOT_CLAIMED = "sent", "retry", "failed", "not_claimed"


def backoff(attempts: int) -> timedelta:
    """The wait after the `attempts`-th failed attempt: BASE · 2^(attempts−1), capped."""
    base = settings.MESSAGING_RETRY_BASE_SECONDS
    cap = settings.MESSAGING_RETRY_MAX_SECONDS
    return timedelta(seconds=min(cap, base * 2 ** max(attempts - 1, 0)))


def _schedule_delivery(message_id: int, at: datetime | None = None) -> None:
    """Queue the delivery task once the current transaction commits. If queuing fails, the row
    is still `queued` and the sweep (dispatch_outbox) delivers it."""
    from bankcrm.messaging.tasks import message_deliver

    def enqueue() -> None:
        try:
            task = message_deliver.using(run_after=at) if at else message_deliver
            task.enqueue(message_id)
        except Exception:  # the sweep is the safety net; never fail the caller's commit
            log.exception("messaging: could not queue delivery of message %s", message_id)

    transaction.on_commit(enqueue)


def _consented_channels(customer, purpose: str) -> set[str]:
    return set(
        Consent.objects.filter(
            customer=customer, purpose=purpose, granted=True, withdrawn_at__isnull=True
        ).values_list("channel", flat=True)
    )


def _candidate_channels(customer, channels_: Sequence[str] | None) -> list[str]:
    if channels_:
        order = list(channels_)
    else:
        order = [*(customer.preferred_channels or []), *adapters.MESSAGE_CHANNELS]
    seen: list[str] = []
    for channel in order:
        if channel in adapters.MESSAGE_CHANNELS and channel not in seen:
            seen.append(channel)
    return seen


@transaction.atomic
def message_enqueue(
    *,
    customer,
    purpose: str,
    subject: str,
    body: str,
    dedupe_key: str,
    channels: Sequence[str] | None = None,
    related_type: str = "",
    related_id: int | None = None,
    actor=None,
    language: str | None = None,
) -> Message:
    """Put one message to a customer in the outbox, in the caller's transaction.

    Contact policy: the first channel of `channels` (default: the customer's preferred channels,
    then e-mail, SMS, WeChat, app push) with a granted, unwithdrawn consent for `purpose` and an
    address on record. None: the message is stored `suppressed` with the reason and audited;
    nothing is sent. The same `dedupe_key` returns the message already stored.
    """
    errors = {}
    if purpose not in Consent.Purpose.values:
        errors["purpose"] = _("Unknown purpose.")
    if not (dedupe_key or "").strip() or len(dedupe_key) > 200:
        errors["dedupe_key"] = _("A deduplication key of at most 200 characters is required.")
    if not (body or "").strip():
        errors["body"] = _("A message needs a text.")
    if channels is not None and not set(channels) <= set(Channel.values):
        errors["channels"] = _("Unknown channel.")
    if errors:
        raise ValidationError(errors)
    existing = Message.objects.filter(dedupe_key=dedupe_key).first()
    if existing is not None:
        return existing

    consented = _consented_channels(customer, purpose)
    chosen, address, reason = "", "", Message.Suppression.NO_CONSENT
    for channel in _candidate_channels(customer, channels):
        if channel not in consented:
            continue
        reason = Message.Suppression.NO_ADDRESS
        found = channels_address(customer, channel)
        if found:
            chosen, address = channel, found
            break
    status = Message.Status.QUEUED if chosen else Message.Status.SUPPRESSED
    now = timezone.now()
    try:
        with transaction.atomic():  # a savepoint: a concurrent duplicate key leaves the caller's
            message = Message.objects.create(  # transaction usable
                customer=customer,
                purpose=purpose,
                channel=chosen,
                recipient=address,
                subject=subject.strip(),
                body=body,
                language=language or get_language() or "zh-hans",
                related_type=related_type,
                related_id=related_id,
                dedupe_key=dedupe_key,
                status=status,
                suppressed_reason="" if chosen else reason,
                next_attempt_at=now if chosen else None,
                created_by=actor if getattr(actor, "pk", None) else None,
            )
    except IntegrityError:
        existing = Message.objects.filter(dedupe_key=dedupe_key).first()
        if existing is None:
            raise
        return existing
    audit_record(
        actor=actor,
        action="message.enqueue" if chosen else "message.suppress",
        object_type="message",
        object_id=message.pk,
        customer_id=customer.pk,
        changes={
            "purpose": purpose,
            "channel": chosen,
            "related": f"{related_type}:{related_id}" if related_type else "",
            **({} if chosen else {"reason": str(reason)}),
        },
    )
    if chosen:
        _schedule_delivery(message.pk)
    return message


def channels_address(customer, channel: str) -> str:
    return adapters.address_of(customer, channel)


def message_claim(*, message_id: int, now: datetime | None = None) -> bool:
    """Take a due queued message for one attempt (queued → sending). True if this caller got it;
    exactly one of any number of concurrent callers does."""
    now = now or timezone.now()
    claimed = Message.objects.filter(
        pk=message_id, status=Message.Status.QUEUED, next_attempt_at__lte=now
    ).update(
        status=Message.Status.SENDING,
        claimed_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return claimed == 1


def message_attempt(*, message_id: int) -> str:
    """One delivery attempt: claim, hand to the channel's adapter (outside any transaction),
    record the result. Returns SENT, RETRY_LATER, GAVE_UP or NOT_CLAIMED."""
    if not message_claim(message_id=message_id):
        return NOT_CLAIMED
    row = Message.objects.get(pk=message_id)
    outgoing = adapters.Outgoing(
        id=row.pk,
        channel=row.channel,
        recipient=row.recipient,
        subject=row.subject,
        body=row.body,
        dedupe_key=row.dedupe_key,
    )
    try:
        provider_id = adapters.deliver(outgoing)
    except adapters.DeliveryError as exc:
        return _attempt_failed(row, str(exc), permanent=exc.permanent)
    except Exception as exc:  # an adapter bug must not leave the row `sending` until the lease
        # no traceback: an unexpected error's text may quote the address (C2, never logged)
        log.error("messaging: adapter for %s raised %s", row.channel, type(exc).__name__)
        return _attempt_failed(row, f"{type(exc).__name__}", permanent=False)
    now = timezone.now()
    with transaction.atomic():
        # Whatever happened to the row meanwhile (a slow attempt whose lease ran out and was
        # requeued by the sweep), it has been handed over: record it, so it is not sent again.
        Message.objects.filter(pk=row.pk).exclude(status=Message.Status.SENT).update(
            status=Message.Status.SENT,
            sent_at=now,
            provider_message_id=provider_id[:200],
            last_error="",
            next_attempt_at=None,
            claimed_at=None,
            updated_at=now,
        )
        audit_record(
            actor=None,
            action="message.send",
            object_type="message",
            object_id=row.pk,
            customer_id=row.customer_id,
            changes={"channel": row.channel, "attempts": row.attempts},
        )
    return SENT


def _attempt_failed(row: Message, error: str, *, permanent: bool) -> str:
    now = timezone.now()
    give_up = permanent or row.attempts >= settings.MESSAGING_MAX_ATTEMPTS
    log.warning(
        "messaging: attempt %s of message %s on %s failed: %s",
        row.attempts,
        row.pk,
        row.channel,
        error,
    )
    with transaction.atomic():
        if give_up:
            Message.objects.filter(pk=row.pk, status=Message.Status.SENDING).update(
                status=Message.Status.FAILED,
                last_error=error[:500],
                next_attempt_at=None,
                claimed_at=None,
                updated_at=now,
            )
            audit_record(
                actor=None,
                action="message.fail",
                object_type="message",
                object_id=row.pk,
                customer_id=row.customer_id,
                changes={"channel": row.channel, "attempts": row.attempts, "error": error[:200]},
            )
            return GAVE_UP
        next_at = now + backoff(row.attempts)
        Message.objects.filter(pk=row.pk, status=Message.Status.SENDING).update(
            status=Message.Status.QUEUED,
            last_error=error[:500],
            next_attempt_at=next_at,
            claimed_at=None,
            updated_at=now,
        )
        _schedule_delivery(row.pk, at=next_at)
    return RETRY_LATER


def outbox_requeue_stale(*, now: datetime | None = None) -> int:
    """Return to the queue the messages `sending` for longer than the lease (a worker died
    mid-attempt). Their attempt counts as made."""
    now = now or timezone.now()
    lease = timedelta(seconds=settings.MESSAGING_LEASE_SECONDS)
    return Message.objects.filter(status=Message.Status.SENDING, claimed_at__lt=now - lease).update(
        status=Message.Status.QUEUED,
        next_attempt_at=now,
        claimed_at=None,
        last_error=_("The worker stopped during an attempt; queued again."),
        updated_at=now,
    )


def outbox_dispatch(*, limit: int = 500, now: datetime | None = None) -> dict[str, int]:
    """The sweep: requeue stale leases, then attempt every due queued message (oldest first).
    Safe alongside workers: each row is claimed by a conditional update."""
    now = now or timezone.now()
    result = {"requeued": outbox_requeue_stale(now=now), SENT: 0, RETRY_LATER: 0, GAVE_UP: 0}
    due = list(
        Message.objects.filter(status=Message.Status.QUEUED, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        outcome = message_attempt(message_id=pk)
        if outcome in result:
            result[outcome] += 1
    return result


@transaction.atomic
def message_retry(*, actor, message: Message) -> Message:
    """Queue a failed message again now, with a fresh count of attempts. Audited."""
    ensure_perm(actor, RETRY)
    now = timezone.now()
    updated = Message.objects.filter(Q(status=Message.Status.FAILED), pk=message.pk).update(
        status=Message.Status.QUEUED,
        attempts=0,
        next_attempt_at=now,
        claimed_at=None,
        updated_at=now,
    )
    if updated != 1:
        raise ValidationError({"status": _("Only a failed message can be retried.")})
    audit_record(
        actor=actor,
        action="message.retry",
        object_type="message",
        object_id=message.pk,
        customer_id=message.customer_id,
        changes={"channel": message.channel, "last_error": message.last_error[:200]},
    )
    _schedule_delivery(message.pk)
    message.refresh_from_db()
    return message


@transaction.atomic
def message_cancel(*, actor, message: Message) -> Message:
    """Withdraw a message still waiting in the queue (queued → cancelled). Audited."""
    ensure_perm(actor, RETRY)
    updated = Message.objects.filter(pk=message.pk, status=Message.Status.QUEUED).update(
        status=Message.Status.CANCELLED, next_attempt_at=None, updated_at=timezone.now()
    )
    if updated != 1:
        raise ValidationError({"status": _("Only a queued message can be cancelled.")})
    audit_record(
        actor=actor,
        action="message.cancel",
        object_type="message",
        object_id=message.pk,
        customer_id=message.customer_id,
    )
    message.refresh_from_db()
    return message
