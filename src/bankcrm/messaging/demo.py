"""Demo data of the outbox: service notices to a few customers of the demo bank, most sent, a
few given up with the errors a real gateway returns, one waiting for its next attempt. (The
survey invitations of surveys.demo fill the rest of the outbox.)

Notices are queued through message_enqueue (contact policy, audit); then their outcome is set
as history, before the transaction commits, so nothing goes out to the demo addresses except
the one left waiting, which the worker delivers through the configured mail backend."""

from __future__ import annotations

import random
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from bankcrm.customers.models import Consent, Customer
from bankcrm.messaging.models import Message
from bankcrm.messaging.services import _schedule_delivery, message_enqueue
from bankcrm.org.models import Branch

KEY = "demo:notice:"
DEMO_BRANCH = "110"  # the demo manager's branch (demo.bank.DEMO_LOGINS)
NOTICES = [
    ("理财产品到期提醒", "尊敬的客户：您持有的理财产品将于近日到期，如需续作请联系您的客户经理。"),
    ("定期存款到期提醒", "尊敬的客户：您的定期存款即将到期，到期后将按约定自动转存。"),
    ("业务办理结果通知", "尊敬的客户：您申请的业务已办理完成，感谢您的耐心等待。"),
]
FAILURES = {
    "email": "SMTP 550",
    "sms": "SMS gateway: HTTP 400",
}


def seed_demo(*, seed: int) -> str:
    if Message.objects.filter(dedupe_key__startswith=KEY).exists():
        return "messaging: already seeded"
    rng = random.Random(seed)  # noqa: S311 - demo figures, not secrets
    consenting = (
        Consent.objects.filter(purpose=Consent.Purpose.SERVICE, granted=True)
        .values_list("customer_id", flat=True)
        .order_by("customer_id")
        .distinct()[:400]
    )
    customers = list(
        Customer.objects.filter(pk__in=list(consenting)).select_related("branch").order_by("pk")
    )
    if not customers:
        return "messaging: no customer with a service consent"
    # The demo manager's branch first (their outbox page shows the failures and the wait).
    beijing = Branch.objects.filter(code=DEMO_BRANCH).values_list("path", flat=True).first() or "-"
    near = [c for c in customers if c.branch.path.startswith(beijing)]
    far = [c for c in customers if not c.branch.path.startswith(beijing)]
    chosen = rng.sample(near, min(18, len(near))) + rng.sample(far, min(12, len(far)))
    now = timezone.now()
    counts = {"sent": 0, "failed": 0, "queued": 0, "suppressed": 0}
    with transaction.atomic():
        for n, customer in enumerate(chosen):
            subject, body = NOTICES[n % len(NOTICES)]
            message = message_enqueue(
                customer=customer,
                purpose=Consent.Purpose.SERVICE,
                subject=subject,
                body=body,
                dedupe_key=f"{KEY}{customer.pk}:{n}",
                related_type="notice",
            )
            created = now - timedelta(days=29 - n, minutes=rng.randint(0, 600))
            Message.objects.filter(pk=message.pk).update(created_at=created)
            if message.status != Message.Status.QUEUED:
                counts[message.status] += 1
                continue
            if n < 3:  # given up: the address was refused
                Message.objects.filter(pk=message.pk).update(
                    status=Message.Status.FAILED,
                    attempts=1,
                    last_error=FAILURES.get(message.channel, "SMTP 550"),
                    next_attempt_at=None,
                )
                counts["failed"] += 1
            elif n == 3:  # the mail server was down: the next attempt is scheduled
                Message.objects.filter(pk=message.pk).update(
                    attempts=2,
                    last_error="SMTP: ConnectionRefusedError: [Errno 111] Connection refused",
                    next_attempt_at=now + timedelta(minutes=2),
                    created_at=now - timedelta(minutes=5),
                )
                _schedule_delivery(message.pk, at=now + timedelta(minutes=2))
                counts["queued"] += 1
            else:
                Message.objects.filter(pk=message.pk).update(
                    status=Message.Status.SENT,
                    attempts=1,
                    sent_at=created + timedelta(seconds=rng.randint(2, 90)),
                    next_attempt_at=None,
                    provider_message_id=f"demo-{message.pk}",
                )
                counts["sent"] += 1
    return "messaging: " + ", ".join(f"{v} {k}" for k, v in counts.items())
