"""`bankcrm return_to_pool` and its self-renewing background run."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone, translation

from bankcrm.sales import services
from bankcrm.sales.models import Lead, PoolSchedule, PoolSetting
from bankcrm.sales.tasks import pool_schedule_start
from tests import factories
from tests.sales.conftest import prospect
from tests.worker import run_worker


@pytest.mark.django_db
def test_the_command_returns_idle_leads_counting_days_to_now(bank):
    # given
    PoolSetting.objects.create(branch=None, return_after_days=10, lead_cap=50, customer_cap=500)
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    later = (timezone.now() + timedelta(days=11)).isoformat()
    out = StringIO()
    # when
    with translation.override("en"):
        call_command("return_to_pool", "--now", later, stdout=out)
    # then
    lead.refresh_from_db()
    assert lead.assignee is None
    assert out.getvalue().strip() == "1 leads and 0 customers returned to the pool."


@pytest.mark.django_db
def test_the_command_refuses_a_naive_time():
    with pytest.raises(CommandError):
        call_command("return_to_pool", "--now", "2026-01-01T00:00:00")


@pytest.mark.django_db(transaction=True)
def test_the_scheduled_run_returns_idle_leads_and_renews_itself():
    # given: a lead assigned 40 days ago, 30 days allowed
    bank = factories.Bank()
    lead = services.lead_create(
        actor=bank.rm,
        data=prospect(bank),
        assignee=bank.rm,
        now=timezone.now() - timedelta(days=40),
    )
    # when
    schedule = pool_schedule_start(interval_seconds=3600)
    run_worker()
    # then
    lead.refresh_from_db()
    schedule = PoolSchedule.objects.get(pk=schedule.pk)
    assert lead.assignee is None
    assert schedule.last_result == {"leads": 1, "customers": 0}
    assert schedule.next_run_at > timezone.now() + timedelta(minutes=50)
    assert Lead.objects.filter(assignee__isnull=True).count() == 1
