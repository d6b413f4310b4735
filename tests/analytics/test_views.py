"""The customer 360's transaction panel: figures, filters, pages, scope."""

import pytest
from django.test import Client

from bankcrm.integration.services import extracts_ingest
from tests.analytics.conftest import ALICE_CURRENT, BOB_CURRENT

pytestmark = pytest.mark.django_db


def _client(staff) -> Client:
    client = Client()
    client.force_login(staff)  # password and second factor are tested in tests/test_mfa.py
    return client


@pytest.fixture
def history(accounts, tmp_path):
    rows = ["id,account,booked_at,amount,balance_after,channel,category,merchant_category"]
    for i in range(20):
        rows.append(
            f"V{i:03d},{ALICE_CURRENT},2026-0{1 + i % 9}-1{i % 10} 12:00:00,-{10 + i}.00,"
            f"{1000 - i}.00,pos,consumption,dining"
        )
    rows.append(f"V900,{ALICE_CURRENT},2026-09-01 09:00:00,9000.00,9980.00,online,salary,")
    rows.append(f"V901,{BOB_CURRENT},2026-09-01 09:00:00,-5.00,995.00,atm,cash_withdrawal,")
    path = tmp_path / "h.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    extracts_ingest(feed="transactions", paths=[str(path)], rejects_path=tmp_path / "r.csv")
    from bankcrm.analytics import hooks

    hooks.deliver()
    return accounts


def test_the_360_page_includes_the_panel_that_loads_the_figures(bank, history):
    # given Alice's RM, signed in
    client = _client(bank.rm)
    alice = history["alice"]

    # when the 360 page and the panel it loads are fetched
    page = client.get(f"/customers/{alice.pk}/")
    panel = client.get(f"/customers/{alice.pk}/activity/")

    # then the page points at the panel, which has the charts' data, balances and first page
    assert page.status_code == 200
    assert f'hx-get="/customers/{alice.pk}/activity/"' in page.content.decode()
    body = panel.content.decode()
    assert panel.status_code == 200
    assert 'id="activity-charts"' in body
    for chart in ("flows", "balance", "spending", "channels"):
        assert f'data-activity-chart="{chart}"' in body
    assert "9,980.00" in body  # the live balance after the salary
    assert body.count("data-transaction=") == 15  # one page
    assert 'data-transaction="V900"' in body  # newest first
    assert "V901" not in body  # Bob's transaction is Bob's
    assert ALICE_CURRENT not in body  # the account number only masked
    # htmx drops <script> tags from swapped content (allowScriptTags is off): the charts' data
    # must travel in an attribute or the charts stay blank
    assert "<script" not in body
    assert 'id="activity-charts" data-json="{' in body


def test_filters_and_pages_of_the_transaction_list(bank, history):
    # given Alice's RM
    client = _client(bank.rm)
    url = f"/customers/{history['alice'].pk}/transactions/"

    # when the list is filtered to money in, and then paged through the money out
    money_in = client.get(url, {"direction": "in"}).content.decode()
    second = client.get(url, {"direction": "out", "page": 2}).content.decode()

    # then only the salary comes in; the second page holds the five oldest payments
    assert money_in.count("data-transaction=") == 1 and 'data-transaction="V900"' in money_in
    assert second.count("data-transaction=") == 5
    assert 'id="tx-next"' not in second and 'id="tx-prev"' in second


@pytest.mark.parametrize("path", ["activity", "transactions"])
def test_another_rms_customer_answers_404(bank, history, path):
    # given an RM of another branch
    client = _client(bank.sh_rm)

    # when they ask for Alice's panel or list
    response = client.get(f"/customers/{history['alice'].pk}/{path}/")

    # then it is not found, exactly as a missing customer
    assert response.status_code == 404
    assert client.get(f"/customers/999999/{path}/").status_code == 404
