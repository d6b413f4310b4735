"""The demo's warehouse balances reconcile with the holdings staff see."""

import io
import re

import pytest
from django.core.management import call_command
from django.test import Client

from bankcrm.analytics import live, tables
from bankcrm.analytics.ingest import account_keys
from bankcrm.customers.models import Customer, Kind
from bankcrm.products.models import Holding, ProductType

pytestmark = pytest.mark.django_db


def test_every_demo_history_ends_at_its_holding_balance_and_the_360_shows_it(lake):
    # given a small demo bank seeded with its transaction histories
    call_command(
        "seed_demo",
        "--customers",
        "150",
        "--workers",
        "1",
        "--no-progress",
        "--no-analyze",
        stdout=io.StringIO(),
    )

    # when the warehouse's last balance of each account is read
    t = tables.table("transactions")
    rows = tables.to_arrow(t.select("account_key", "booked_at", "id", "balance_after")).to_pylist()
    last: dict[str, tuple] = {}
    lowest: dict[str, object] = {}
    for r in rows:
        key = r["account_key"]
        if key not in last or (r["booked_at"], r["id"]) > last[key][:2]:
            last[key] = (r["booked_at"], r["id"], r["balance_after"])
        lowest[key] = min(lowest.get(key, r["balance_after"]), r["balance_after"])

    # then every deposit account with a history ends at its holding balance, never overdrawn
    deposits = Holding.objects.filter(
        product__type=ProductType.DEMAND_DEPOSIT, customer__kind=Kind.INDIVIDUAL
    ).select_related("customer")
    checked = 0
    for holding in deposits:
        key = account_keys([holding.account_number])[0]
        if key not in last:
            continue
        checked += 1
        assert last[key][2] == holding.balance, holding.pk
        assert lowest[key] >= 0
        # ... and the live balance the customer 360 shows is that same figure
        shown = {
            b.account_key: b.balance for b in live.live_balances(customer_id=holding.customer_id)
        }
        assert shown[key] == holding.balance
    # ... and the 360's activity panel, as the customer's RM sees it, shows that figure
    shown_on_page = 0
    for holding in deposits.filter(customer__rm__isnull=False, customer__rm__is_active=True):
        if account_keys([holding.account_number])[0] not in last or shown_on_page == 3:
            continue
        client = Client()
        client.force_login(holding.customer.rm)
        page = client.get(f"/customers/{holding.customer_id}/activity/").content.decode()
        figures = re.findall(r'live-balance">.*?fw-semibold">([^<]+)<', page, re.S)
        assert f"{holding.balance:,.2f}" in figures
        shown_on_page += 1
    assert shown_on_page == 3
    individuals = Customer.objects.filter(kind=Kind.INDIVIDUAL).count()
    assert checked > individuals // 2
    assert checked == len(last)  # every history belongs to one of these deposits
