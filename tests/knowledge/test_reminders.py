"""Review-due reminders: one digest per owner, through the worker's outbox, at most weekly."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from bankcrm.knowledge.models import Article
from bankcrm.knowledge.services import article_review_reminders_send
from tests import factories
from tests.knowledge.conftest import publish
from tests.worker import run_worker


@pytest.mark.django_db(transaction=True)
def test_owners_get_one_digest_of_what_needs_attention(mailoutbox):
    # given: the Beijing manager owns one overdue article, one expiring soon, one fine
    bank = factories.Bank()
    bank.bj_manager.email = "bjmgr@bank.example"
    bank.bj_manager.save(update_fields=["email"])
    today = timezone.localdate()
    overdue = publish(author=bank.bj_manager, approver=bank.admin, title_en="Fees", body_en="x")
    Article.objects.filter(pk=overdue.pk).update(review_due=today - timedelta(days=2))
    expiring = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_en="Holiday hours",
        body_en="y",
        valid_until=today + timedelta(days=10),
    )
    publish(author=bank.bj_manager, approver=bank.admin, title_en="Fine", body_en="z")
    # when
    owners = article_review_reminders_send(today=today)
    again = article_review_reminders_send(today=today + timedelta(days=1))
    run_worker()
    # then: one message, in the owner's language, listing the two articles
    assert (owners, again) == (1, 0)
    [message] = mailoutbox
    assert message.to == ["bjmgr@bank.example"]
    assert message.subject == "Knowledge base: 2 of your articles need attention"
    assert f"- Fees (review overdue since {today - timedelta(days=2)})" in message.body
    assert f"- Holiday hours (valid until {today + timedelta(days=10)})" in message.body
    assert f"/knowledge/{expiring.pk}/" in message.body
    assert "Fine" not in message.body


@pytest.mark.django_db(transaction=True)
def test_the_command_reminds_again_after_a_week(mailoutbox):
    # given
    bank = factories.Bank()
    bank.bj_manager.email = "bjmgr@bank.example"
    bank.bj_manager.save(update_fields=["email"])
    article = publish(author=bank.bj_manager, approver=bank.admin, title_en="Fees", body_en="x")
    Article.objects.filter(pk=article.pk).update(
        review_due=timezone.localdate() - timedelta(days=1),
        reminded_on=timezone.localdate() - timedelta(days=7),
    )
    # when
    call_command("knowledge_review_reminders", verbosity=0)
    run_worker()
    # then
    assert len(mailoutbox) == 1
    article.refresh_from_db()
    assert article.reminded_on == timezone.localdate()
