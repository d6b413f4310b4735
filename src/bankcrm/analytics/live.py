"""Live balances: a subscriber of the transaction hook keeps each account's latest balance.

The customer 360 shows these figures, so a transaction pushed in real time appears there as
soon as it is committed and delivered (the push endpoint delivers before it answers).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import connection

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


_COLUMNS = ("account_key", "customer_id", "currency", "balance", "as_of", "transaction_id")


def _upsert_sql() -> str:
    """One statement per row, run as a batch: insert the account's balance, or replace it
    if this transaction is newer than the one it shows (booked_at, then id, as the query
    orders them). INSERT … ON CONFLICT … DO UPDATE … WHERE runs on SQLite and PostgreSQL."""
    quote = connection.ops.quote_name
    table = quote(AccountBalance._meta.db_table)
    names = ", ".join(quote(c) for c in _COLUMNS)
    updates = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in _COLUMNS[1:])
    # Ids compare byte-wise, as DuckDB and Python compare them (not by the locale's collation).
    binary = ' COLLATE "C"' if connection.vendor == "postgresql" else ""
    as_of, tx = quote("as_of"), quote("transaction_id")
    newer = (
        f"excluded.{as_of} > {table}.{as_of} OR (excluded.{as_of} = {table}.{as_of} "
        f"AND excluded.{tx}{binary} > {table}.{tx}{binary})"
    )
    return (
        f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(_COLUMNS))}) "  # noqa: S608 - names from the model
        f"ON CONFLICT ({quote('account_key')}) DO UPDATE SET {updates} WHERE {newer}"
    )


def _apply(rows: list[dict]) -> None:
    """Upsert the batch's newest balance per account in one round of statements (no read
    first, no CASE-per-row UPDATE built by the ORM: bulk_update took ~0.5 s per 500 accounts)."""
    ops = connection.ops
    money = AccountBalance._meta.get_field("balance")
    digits, places = money.max_digits, money.decimal_places
    params = [
        (
            r["account_key"],
            r["customer_id"],
            r["currency"],
            ops.adapt_decimalfield_value(r["balance_after"], digits, places),
            ops.adapt_datetimefield_value(r["booked_at"]),
            r["id"],
        )
        for r in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(_upsert_sql(), params)


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
