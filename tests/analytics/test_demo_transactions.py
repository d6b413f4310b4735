"""The demo bank's transaction histories: generated as extracts, loaded by `bankcrm ingest`."""

from datetime import timedelta

import pytest
from django.utils import timezone

from bankcrm.analytics import tables
from bankcrm.customers.models import Customer, LifecycleStage
from bankcrm.demo.load import seed
from bankcrm.demo.transactions import SPRING_FESTIVAL, seed_transactions
from bankcrm.integration.models import IngestRun

pytestmark = pytest.mark.django_db


def test_demo_histories_load_through_the_ingest_command_with_their_patterns(lake):
    # given a small demo bank
    seed(customers=300, progress=False, analyze=False)

    # when its transaction histories are seeded, and seeded again
    first = seed_transactions(seed=7, progress=False)
    again = seed_transactions(seed=7, progress=False)

    # then every generated row was loaded by an ingest run, and the second run added nothing
    run = IngestRun.objects.filter(feed="transactions").order_by("started_at").first()
    assert first.rows > 10_000 and run.loaded == first.rows and run.rejected == 0
    assert again.rows == 0
    t = tables.table("transactions")
    rows = tables.to_arrow(
        t.select("customer_id", "booking_date", "amount", "category", "merchant_category")
    ).to_pylist()
    assert len(rows) == first.rows
    # salaries arrive on the 10th
    assert {r["booking_date"].day for r in rows if r["category"] == "salary"} == {10}
    # Spring Festival's month has the most gift spending of all months
    gifts: dict = {}
    for r in rows:
        if r["merchant_category"] == "gifts":
            month = r["booking_date"].replace(day=1)
            gifts[month] = gifts.get(month, 0) + 1
    festival_months = {
        d.replace(day=1) for d in SPRING_FESTIVAL.values() if d.replace(day=1) in gifts
    }
    assert festival_months and max(gifts, key=gifts.get) in festival_months
    # customers drifting to dormancy do far less in their last three months than before
    drifting = set(
        Customer.objects.filter(
            lifecycle_stage__in=[LifecycleStage.DORMANT, LifecycleStage.CHURNED]
        ).values_list("pk", flat=True)
    )
    today = timezone.localdate()
    recent = today - timedelta(days=90)
    early = today - timedelta(days=400)
    late_count = sum(
        1 for r in rows if r["customer_id"] in drifting and r["booking_date"] >= recent
    )
    early_count = sum(
        1
        for r in rows
        if r["customer_id"] in drifting and early <= r["booking_date"] < early + timedelta(days=90)
    )
    assert drifting and late_count < early_count / 3
