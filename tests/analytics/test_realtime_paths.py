"""The real-time push's fast paths: the in-memory account map and the live-balance upsert."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bankcrm.analytics import live
from bankcrm.analytics.ingest import account_keys
from bankcrm.analytics.models import AccountBalance, LakeFile
from bankcrm.analytics.snapshots import snapshot_append
from bankcrm.integration import accounts as account_map
from bankcrm.integration.services import warehouse_sync
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT
from tests.api_support import Api

pytestmark = pytest.mark.django_db

NEW_ACCOUNT = "6222020000000077"


def _row(**row) -> dict:
    base = {
        "booked_at": "2024-06-01T10:00:00+08:00",
        "channel": "third_party",
        "category": "consumption",
        "amount": "-1.00",
    }
    return base | row


def _push(api: Api, key: str, *rows: dict) -> dict:
    response = api.client.post(
        "/api/v1/ingest/transactions",
        data=json.dumps({"transactions": list(rows)}),
        content_type="application/json",
        headers={"Idempotency-Key": key},
    )
    assert response.status_code == 200, response.content
    return response.json()


def _holdings(rows: list[tuple[str, int, datetime]]) -> None:
    """Append a holdings snapshot file: (account number, customer id, synced_at) per row."""
    keys = account_keys([number for number, _, _ in rows])
    n = len(rows)
    snapshot_append(
        table="holdings",
        rows=pa.table(
            {
                "holding_id": pa.array([int(number[-6:]) for number, _, _ in rows], pa.int64()),
                "account_key": keys,
                "customer_id": pa.array([owner for _, owner, _ in rows], pa.int64()),
                "product_code": ["DD01"] * n,
                "product_type": ["demand_deposit"] * n,
                "currency": ["CNY"] * n,
                "balance": pa.nulls(n, pa.decimal128(18, 2)),
                "status": ["active"] * n,
                "opened_on": pa.array([date(2020, 1, 1)] * n, pa.date32()),
                "matures_on": pa.nulls(n, pa.date32()),
                "branch_id": pa.array([1] * n, pa.int64()),
                "updated_at": pa.array([at for _, _, at in rows], pa.timestamp("us", "UTC")),
                "synced_at": pa.array([at for _, _, at in rows], pa.timestamp("us", "UTC")),
            }
        ),
    )


def _owners(*numbers: str) -> list[int | None]:
    return account_map.current().owner(account_keys(list(numbers)))


def test_live_balances_follow_the_newest_transaction_whatever_the_arrival_order(bank, accounts):
    # given a pushed transaction that left Alice's current account at 900.00
    api = Api(bank.admin)
    alice = accounts["alice"].pk
    _push(api, "k1", _row(id="N2", account=ALICE_CURRENT, balance_after="900.00"))

    # when an older transaction arrives late, then a newer one, then one at the same instant
    # with a greater id
    _push(
        api,
        "k2",
        _row(
            id="N1",
            account=ALICE_CURRENT,
            booked_at="2024-06-01T09:00:00+08:00",
            balance_after="950.00",
        ),
    )
    late = [b.balance for b in live.live_balances(customer_id=alice)]
    _push(
        api,
        "k3",
        _row(
            id="N3",
            account=ALICE_CURRENT,
            booked_at="2024-06-01T11:00:00+08:00",
            balance_after="880.00",
        ),
    )
    newer = [b.balance for b in live.live_balances(customer_id=alice)]
    _push(
        api,
        "k4",
        _row(
            id="N4",
            account=ALICE_CURRENT,
            booked_at="2024-06-01T11:00:00+08:00",
            balance_after="870.00",
        ),
    )

    # then the late one changed nothing, and each newer one replaced the balance
    assert late == [Decimal("900.00")]
    assert newer == [Decimal("880.00")]
    balance = AccountBalance.objects.get(customer_id=alice)
    assert (balance.balance, balance.transaction_id) == (Decimal("870.00"), "N4")
    assert balance.as_of == datetime(2024, 6, 1, 3, 0, tzinfo=UTC)


def test_an_account_opened_after_a_push_is_known_to_the_next_push(bank, accounts):
    # given a push that did not know an account (the map is loaded by then)
    api = Api(bank.admin)
    first = _push(api, "k1", _row(id="A1", account=NEW_ACCOUNT))

    # when the account is opened and synced into the snapshot, and the payment system pushes
    holding_create(
        actor=bank.rm,
        customer=accounts["bob"],
        product=factories.product(type=ProductType.DEMAND_DEPOSIT),
        account_number=NEW_ACCOUNT,
        balance=Decimal("0.00"),
        opened_on=date(2024, 6, 1),
    )
    warehouse_sync()
    second = _push(api, "k2", _row(id="A1", account=NEW_ACCOUNT, balance_after="5.00"))

    # then the first was refused as unknown, the second loaded, from the map merged in place
    assert first["rejected"] == [{"index": 0, "field": "account", "reason": "unknown_account"}]
    assert second == {"received": 1, "loaded": 1, "duplicates": 0, "rejected": []}
    assert account_keys([NEW_ACCOUNT])[0] in account_map.current().merged
    assert live.live_balances(customer_id=accounts["bob"].pk)[0].balance == Decimal("5.00")


def test_the_map_keeps_the_newest_synced_version_of_each_account(lake):
    # given a snapshot file, then one moving an account to customer 8, then a sync that
    # committed late with an older version of the same account
    now = datetime(2026, 1, 1, tzinfo=UTC)
    _holdings([(ALICE_CURRENT, 1, now), (BOB_CURRENT, 2, now)])
    loaded = _owners(ALICE_CURRENT, BOB_CURRENT, ALICE_SAVINGS)
    _holdings([(ALICE_CURRENT, 8, now + timedelta(minutes=2))])
    _holdings([(ALICE_CURRENT, 5, now + timedelta(minutes=1)), (ALICE_SAVINGS, 1, now)])

    # when the map is asked after the later files were committed
    merged = _owners(ALICE_CURRENT, BOB_CURRENT, ALICE_SAVINGS)

    # then each account has its newest version's owner, as a read of the snapshot would give
    assert loaded == [1, 2, None]
    assert merged == [8, 2, 1]
    assert len(account_map.current().merged) == 2  # merged, not reloaded


def test_the_map_reloads_when_files_leave_the_snapshot(lake):
    # given a loaded map of two accounts
    now = datetime(2026, 1, 1, tzinfo=UTC)
    _holdings([(ALICE_CURRENT, 1, now), (BOB_CURRENT, 2, now)])
    before = _owners(ALICE_CURRENT, BOB_CURRENT)

    # when the snapshot is rebuilt from scratch (its files removed, one new file committed)
    LakeFile.objects.filter(table="holdings").delete()
    _holdings([(BOB_CURRENT, 3, now)])

    # then the map is the new snapshot's alone
    assert before == [1, 2]
    assert _owners(ALICE_CURRENT, BOB_CURRENT) == [None, 3]
    assert account_map.current().merged == {}


def test_a_push_runs_a_bounded_number_of_database_queries(bank, accounts):
    # given a warmed-up endpoint (the account map loaded, the hook cursor created)
    api = Api(bank.admin)
    _push(api, "warm", _row(id="W", account=BOB_CURRENT))
    numbers = (ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT)

    def batch(size: int, prefix: str) -> list[dict]:
        return [
            _row(id=f"{prefix}{i}", account=numbers[i % 3], balance_after=f"{i}.00")
            for i in range(size)
        ]

    # when a batch of 5 rows and one of 200 rows are pushed
    with CaptureQueriesContext(connection) as small:
        _push(api, "k5", *batch(5, "S"))
    with CaptureQueriesContext(connection) as large:
        _push(api, "k200", *batch(200, "L"))

    # then both take the same few queries: nothing is done per row
    assert len(large.captured_queries) == len(small.captured_queries) <= 30
