"""POST /api/v1/ingest/transactions: the payment system's real-time feed."""

import json
from decimal import Decimal

import pytest

from bankcrm.analytics import live, queries
from bankcrm.integration.models import IdempotencyKey
from tests.analytics.conftest import ALICE_CURRENT, BOB_CURRENT
from tests.api_support import Api

pytestmark = pytest.mark.django_db


def _batch(*rows):
    base = {
        "booked_at": "2024-06-01T10:00:00+08:00",
        "currency": "CNY",
        "channel": "third_party",
        "category": "consumption",
        "merchant_category": "dining",
    }
    return {"transactions": [base | row for row in rows]}


def _push(api: Api, body: dict, key: str):
    return api.client.post(
        "/api/v1/ingest/transactions",
        data=json.dumps(body),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )


def test_a_pushed_batch_loads_good_rows_and_shows_in_the_360_at_once(bank, accounts):
    # given the payment system's token (a system administrator's)
    api = Api(bank.admin)
    body = _batch(
        {"id": "P1", "account": ALICE_CURRENT, "amount": "-58.00", "balance_after": "942.00"},
        {"id": "P2", "account": "6222020000000099", "amount": "-1.00"},
        {"id": "P3", "account": BOB_CURRENT, "amount": "0.00"},
    )

    # when it pushes a batch with one good row, an unknown account and a zero amount
    response = _push(api, body, "batch-0001")

    # then the good row is loaded, the others come back with reasons, and the 360 has it
    assert response.status_code == 200
    assert response.json() == {
        "received": 3,
        "loaded": 1,
        "duplicates": 0,
        "rejected": [
            {"index": 1, "field": "account", "reason": "unknown_account"},
            {"index": 2, "field": "amount", "reason": "zero_amount"},
        ],
    }
    alice = accounts["alice"].pk
    page = queries.transactions_page(customer_id=alice)
    assert [(r.id, r.amount, r.channel) for r in page.rows] == [
        ("P1", Decimal("-58.00"), "third_party")
    ]
    assert [b.balance for b in live.live_balances(customer_id=alice)] == [Decimal("942.00")]


def test_a_repeated_key_returns_the_first_answer_and_adds_nothing(bank, accounts):
    # given a batch already pushed
    api = Api(bank.admin)
    body = _batch({"id": "R1", "account": ALICE_CURRENT, "amount": "-10.00"})
    first = _push(api, body, "batch-r")

    # when the same request is sent again (a retry after a lost answer)
    again = _push(api, body, "batch-r")

    # then the first answer is replayed and the row is stored once
    assert first.status_code == again.status_code == 200
    assert (
        again.json()
        == first.json()
        == {
            "received": 1,
            "loaded": 1,
            "duplicates": 0,
            "rejected": [],
        }
    )
    rows = queries.transactions_page(customer_id=accounts["alice"].pk).rows
    assert [r.id for r in rows] == ["R1"]


def test_a_reused_key_with_another_body_is_refused(bank, accounts):
    # given a key already used for one batch
    api = Api(bank.admin)
    _push(api, _batch({"id": "U1", "account": ALICE_CURRENT, "amount": "-10.00"}), "batch-u")

    # when it comes with a different body
    response = _push(
        api, _batch({"id": "U2", "account": ALICE_CURRENT, "amount": "-9.00"}), "batch-u"
    )

    # then it is refused with a clear code and nothing of the second body is stored
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_key_reused"
    rows = queries.transactions_page(customer_id=accounts["alice"].pk).rows
    assert [r.id for r in rows] == ["U1"]


def test_the_same_transactions_under_a_new_key_are_duplicates(bank, accounts):
    # given a batch loaded under one key
    api = Api(bank.admin)
    body = _batch({"id": "D1", "account": BOB_CURRENT, "amount": "-3.00"})
    _push(api, body, "batch-d1")

    # when the payment system resends it under a new key
    response = _push(api, body, "batch-d2")

    # then nothing is added: the transaction id is the key of the warehouse
    assert response.json() == {"received": 1, "loaded": 0, "duplicates": 1, "rejected": []}


def test_pushing_needs_the_permission_and_a_key(bank, accounts):
    # given a relationship manager's token, and the administrator's
    rm, admin = Api(bank.rm), Api(bank.admin)
    body = _batch({"id": "X1", "account": BOB_CURRENT, "amount": "-3.00"})

    # when the RM pushes, and the administrator pushes without a key
    refused = _push(rm, body, "batch-x")
    keyless = admin.post("/ingest/transactions", body)

    # then the RM is forbidden, the keyless request is invalid, and no key was recorded
    assert refused.status_code == 403
    assert keyless.status_code == 422
    assert not IdempotencyKey.objects.exists()


def test_a_push_leaves_a_batch_backlog_to_the_worker(bank, accounts, tmp_path, monkeypatch):
    # given a batch load not yet delivered to the hook, larger than a push may take on
    from bankcrm.analytics.models import AccountBalance
    from bankcrm.integration import services

    monkeypatch.setattr(services, "PUSH_DELIVERY_BACKLOG", 2)
    extract = tmp_path / "batch.csv"
    extract.write_text(
        "id,account,booked_at,amount,balance_after,channel,category\n"
        f"B1,{BOB_CURRENT},2024-05-01 09:00:00,-1.00,10.00,atm,cash_withdrawal\n"
        f"B2,{BOB_CURRENT},2024-05-02 09:00:00,-1.00,9.00,atm,cash_withdrawal\n",
        encoding="utf-8",
    )
    services.extracts_ingest(feed="transactions", paths=[str(extract)])

    # when a push arrives
    response = _push(
        Api(bank.admin),
        _batch({"id": "P9", "account": ALICE_CURRENT, "amount": "-1.00", "balance_after": "5.00"}),
        "batch-b",
    )

    # then it is loaded, but the hook waits for the worker (which delivers both in order)
    assert response.json()["loaded"] == 1
    assert not AccountBalance.objects.exists()
