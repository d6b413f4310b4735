"""The sales demo data: made through the services, every stage of every line, idempotent."""

import pytest

from bankcrm.sales.demo import seed_demo
from bankcrm.sales.models import Contract, Lead, Opportunity, Stage
from tests import factories

pytestmark = pytest.mark.django_db


def test_seed_demo_fills_every_stage_and_runs_once(bank):
    # given: two RMs with a few customers each
    for rm in (bank.rm, bank.other_rm, bank.sh_rm):
        for _ in range(3):
            factories.customer(actor=rm)
    # when
    first = seed_demo(seed=7)
    second = seed_demo(seed=7)
    # then
    assert first.startswith("sales: 18 leads")
    assert second == "sales: already seeded"
    reached = set(Opportunity.objects.values_list("stage_id", flat=True))
    # (no corporate customers here: the corporate loan line stays empty)
    terminal = set(
        Stage.objects.exclude(kind="open")
        .exclude(line__code="corporate_loan")
        .values_list("pk", flat=True)
    )
    assert terminal <= reached
    assert Lead.objects.filter(assignee__isnull=True).exists()
    assert Lead.objects.filter(referrer__isnull=False).exists()
    assert Contract.objects.exists()
