"""The demo data of both apps: made through the services, idempotent, nothing left to send."""

from datetime import timedelta

from django.utils import timezone

from bankcrm.interactions.services import interaction_create
from bankcrm.messaging.demo import seed_demo as seed_messages
from bankcrm.messaging.models import Message
from bankcrm.surveys.demo import seed_demo as seed_surveys
from bankcrm.surveys.models import Survey
from tests import factories
from tests.messaging.conftest import consent


def test_the_demo_surveys_and_notices(bank):
    # given: six customers with service consent by e-mail, each visited twice in the past months
    now = timezone.now()
    for n in range(6):
        customer = factories.customer(actor=bank.rm)
        consent(bank, customer, "email")
        for months_ago in (1, 4):
            interaction_create(
                actor=bank.rm,
                customer=customer,
                channel="visit",
                subject="理财咨询",
                occurred_at=now - timedelta(days=30 * months_ago + n),
            )
    # when
    surveys = seed_surveys(seed=1)
    notices = seed_messages(seed=1)
    again = (seed_surveys(seed=1), seed_messages(seed=1))
    # then
    # (at most 5 a month from the demo RM's book: these are all `rm`'s customers)
    assert surveys.startswith("surveys: 10 requested over 2 months, ")
    assert Survey.objects.count() == 10
    assert not Survey.objects.filter(status="sent", expires_at__lt=now).exists()
    answered = Survey.objects.filter(status="answered")
    assert all(s.answered_at < now and s.csat in range(1, 6) for s in answered)
    assert notices == "messaging: 2 sent, 3 failed, 1 queued, 0 suppressed"
    assert again == ("surveys: already seeded", "messaging: already seeded")
    # nothing waits to go out but the one notice left for its next attempt
    assert Message.objects.filter(status="queued").count() == 1
