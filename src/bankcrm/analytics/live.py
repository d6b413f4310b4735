"""Live balances: a subscriber of the transaction hook keeps each account's latest balance.

The customer 360 shows these figures, so a transaction pushed in real time appears there as
soon as it is committed and delivered (the push endpoint delivers before it answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from bankcrm.analytics import hooks
from bankcrm.analytics.models import AccountBalance

_BATCH = 500


@dataclass(frozen=True)
class LiveBalance:
    account_key: str
    currency: str
    balance: Decimal
    as_of: datetime


_LATEST = None


def _latest_query():
    """Per account in the batch: the balance its newest transaction left (compiled once)."""
    global _LATEST
    if _LATEST is None:
        import ibis

        from bankcrm.analytics import schema, tables

        t = ibis.table(schema.TRANSACTIONS.schema, name="hook_rows")
        t = t.filter(t.balance_after.notnull())
        newest = ibis.row_number().over(
            group_by=t.account_key, order_by=[ibis.desc(t.booked_at), ibis.desc(t.id)]
        )
        _LATEST = tables.Query(
            t.mutate(_n=newest)
            .filter(ibis._._n == 0)
            .select("account_key", "customer_id", "currency", "balance_after", "booked_at", "id")
        )
    return _LATEST


@hooks.subscribe("live_balances", table="transactions")
def update_live_balances(batch: hooks.CommittedBatch) -> None:
    from bankcrm.analytics.backends import warehouse

    query = _latest_query()
    w = warehouse()
    with w.lock():
        w.bind_files("hook_rows", batch.files(), _schema())
        try:
            rows = query.fetch().to_pylist()
        finally:
            w.unbind("hook_rows")
    for start in range(0, len(rows), _BATCH):
        _apply(rows[start : start + _BATCH])


def _schema():
    from bankcrm.analytics import schema

    return schema.TRANSACTIONS.schema


def _apply(rows: list[dict]) -> None:
    existing = AccountBalance.objects.in_bulk([r["account_key"] for r in rows])
    create, update = [], []
    for r in rows:
        current = existing.get(r["account_key"])
        if current is None:
            create.append(
                AccountBalance(
                    account_key=r["account_key"],
                    customer_id=r["customer_id"],
                    currency=r["currency"],
                    balance=r["balance_after"],
                    as_of=r["booked_at"],
                    transaction_id=r["id"],
                )
            )
        elif (r["booked_at"], r["id"]) > (current.as_of, current.transaction_id):
            current.balance = r["balance_after"]
            current.currency = r["currency"]
            current.as_of = r["booked_at"]
            current.transaction_id = r["id"]
            current.customer_id = r["customer_id"]
            update.append(current)
    if create:
        AccountBalance.objects.bulk_create(create, batch_size=_BATCH, ignore_conflicts=False)
    if update:
        AccountBalance.objects.bulk_update(
            update, ["balance", "currency", "as_of", "transaction_id", "customer_id"], _BATCH
        )


def live_balances(*, customer_id: int) -> list[LiveBalance]:
    """The customer's accounts' latest balances known from transactions, newest first."""
    return [
        LiveBalance(
            account_key=row.account_key,
            currency=row.currency,
            balance=row.balance,
            as_of=row.as_of,
        )
        for row in AccountBalance.objects.filter(customer_id=customer_id).order_by("-as_of")
    ]
