"""Figures of one customer for the 360 page: every one an Ibis expression over the warehouse.

Results are plain dataclasses; callers have already checked that the actor may see the
customer (customers.selectors.customer_get).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

import ibis
import pyarrow as pa
from django.conf import settings
from django.utils import timezone

from bankcrm.analytics import schema, tables
from bankcrm.analytics.backends import warehouse

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class TransactionFilters:
    date_from: date | None = None
    date_to: date | None = None
    direction: str = ""  # "in", "out" or "" for both
    category: str = ""
    channel: str = ""


@dataclass(frozen=True)
class TransactionRow:
    id: str
    account_key: str
    booked_at: datetime
    booking_date: date
    amount: Decimal
    currency: str
    balance_after: Decimal | None
    channel: str
    category: str
    merchant_category: str | None
    counterparty: str | None
    description: str | None


@dataclass(frozen=True)
class TransactionPage:
    rows: list[TransactionRow]
    page: int
    page_size: int
    has_next: bool


@dataclass(frozen=True)
class MonthFlow:
    month: date
    inflow: Decimal
    outflow: Decimal  # a positive figure


@dataclass(frozen=True)
class BalancePoint:
    day: date
    balance: Decimal


@dataclass(frozen=True)
class Share:
    key: str
    amount: Decimal
    count: int


@dataclass(frozen=True)
class CustomerFigures:
    monthly_flows: list[MonthFlow]
    balance_trend: list[BalancePoint]
    spending: list[Share]
    channels: list[Share]
    transactions: int
    last_transaction_at: datetime | None


def local_today() -> date:
    return timezone.localdate(timezone.now(), timezone=_zone())


def _zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo(settings.TIME_ZONE)


# Every figure is a compiled query (tables.Query) over three inputs: the transactions' files,
# the daily balances' files, and one row of parameters; so a page view runs SQL, not the Ibis
# compiler. Empty parameters mean "no filter".
_PARAMS = ibis.table(
    {
        "customer_id": "int64",
        "first_day": "date",
        "date_from": "date",
        "date_to": "date",
        "direction": "string",
        "category": "string",
        "channel": "string",
        "start": "int64",
        "stop": "int64",
    },
    name="figure_params",
)
_TX = ibis.table(schema.TRANSACTIONS.schema, name="tx_files")
_DB = ibis.table(schema.DAILY_BALANCES.schema, name="db_files")


def _of_customer(t: ibis.Table, since_first_day: bool = True) -> ibis.Table:
    p = _PARAMS
    joined = t.cross_join(p)
    condition = joined.customer_id == joined.customer_id_right
    if since_first_day:
        date_column = "booking_date" if "booking_date" in t.columns else "balance_date"
        condition &= joined[date_column] >= joined.first_day
    return joined.filter(condition).select(*t.columns)


def _page_query() -> ibis.Table:
    t = _TX.cross_join(_PARAMS)
    keep = (
        (t.customer_id == t.customer_id_right)
        & (t.date_from.isnull() | (t.booking_date >= t.date_from))
        & (t.date_to.isnull() | (t.booking_date <= t.date_to))
        & (
            t.direction.isnull()
            | ((t.direction == "in") & (t.amount > 0))
            | ((t.direction == "out") & (t.amount < 0))
        )
        & (t.category_right.isnull() | (t.category == t.category_right))
        & (t.channel_right.isnull() | (t.channel == t.channel_right))
    )
    t = t.filter(keep)
    # Numbered rows rather than LIMIT/OFFSET: the same plan on every backend.
    rank = ibis.row_number().over(order_by=[ibis.desc(t.booked_at), ibis.desc(t.id)])
    numbered = t.mutate(_rank=rank)
    wanted = numbered.filter((numbered._rank >= numbered.start) & (numbered._rank <= numbered.stop))
    return wanted.order_by("_rank").select(*[c for c in _TX.columns if c != "customer_id"])


def _flows_query() -> ibis.Table:
    t = _of_customer(_TX)
    month = t.booking_date.truncate("M").cast("date")
    return t.group_by(month=month).aggregate(
        inflow=t.amount.sum(where=t.amount > 0),
        outflow=(-t.amount).sum(where=t.amount < 0),
    )


def _daily_balances_query() -> ibis.Table:
    b = _of_customer(_DB)
    b = b.filter(b.currency == "CNY")
    return b.group_by(day=b.balance_date).aggregate(balance=b.balance.sum()).order_by("day")


def _day_ends_query() -> ibis.Table:
    w = _of_customer(_TX)
    w = w.filter(w.balance_after.notnull() & (w.currency == "CNY"))
    last = ibis.row_number().over(
        group_by=[w.account_key, w.booking_date],
        order_by=[ibis.desc(w.booked_at), ibis.desc(w.id)],
    )
    return (
        w.mutate(_n=last)
        .filter(ibis._._n == 0)
        .select("account_key", "booking_date", "balance_after")
        .order_by("booking_date")
    )


def _spending_query() -> ibis.Table:
    """Outflows by what they bought: merchant category for consumption, else the category."""
    t = _of_customer(_TX)
    out = t.filter(t.amount < 0)
    key = ibis.cases(
        (out.category == "consumption", out.merchant_category.fill_null("other")),
        else_=out.category,
    )
    return out.group_by(key=key).aggregate(amount=(-out.amount).sum(), count=out.count())


def _channels_query() -> ibis.Table:
    t = _of_customer(_TX)
    return t.group_by(key=t.channel).aggregate(amount=t.amount.abs().sum(), count=t.count())


def _totals_query() -> ibis.Table:
    t = _of_customer(_TX, since_first_day=False)
    return t.aggregate(n=t.count(), last=t.booked_at.max())


_QUERIES: dict[str, tables.Query] = {}


def _query(name: str) -> tables.Query:
    found = _QUERIES.get(name)
    if found is None:
        found = _QUERIES[name] = tables.Query(globals()[f"_{name}_query"]())
    return found


def _run(params: dict, names: list[str]) -> dict[str, list[dict]]:
    row = {
        "customer_id": None,
        "first_day": None,
        "date_from": None,
        "date_to": None,
        "direction": None,
        "category": None,
        "channel": None,
        "start": 0,
        "stop": 0,
    } | params
    arrow = pa.Table.from_pylist([row], schema=_PARAMS.schema().to_pyarrow())
    w = warehouse()
    with w.lock():
        # The customer's rows are read once (the filter reaches the Parquet scan); every
        # figure then runs over those few rows.
        customer = ("customer_id", int(row["customer_id"]))
        tables.bind_inputs(
            figure_params=arrow,
            tx_files=tables.live_input("transactions", equals=customer),
            db_files=tables.live_input("daily_balances", equals=customer),
        )
        try:
            return {name: _query(name).fetch().to_pylist() for name in names}
        finally:
            for name in ("figure_params", "tx_files", "db_files"):
                w.unbind(name)


def transactions_page(
    *,
    customer_id: int,
    filters: TransactionFilters | None = None,
    page: int = 1,
    page_size: int = 20,
) -> TransactionPage:
    """The customer's transactions, newest first, filtered, one page at a time."""
    filters = filters or TransactionFilters()
    page = max(page, 1)
    start = (page - 1) * page_size
    found = _run(
        {
            "customer_id": customer_id,
            "date_from": filters.date_from,
            "date_to": filters.date_to,
            "direction": filters.direction or None,
            "category": filters.category or None,
            "channel": filters.channel or None,
            "start": start,
            "stop": start + page_size,
        },
        ["page"],
    )["page"]
    rows = [TransactionRow(**r) for r in found]
    return TransactionPage(
        rows=rows[:page_size], page=page, page_size=page_size, has_next=len(rows) > page_size
    )


def customer_figures(
    *, customer_id: int, months: int = 12, today: date | None = None
) -> CustomerFigures:
    """Monthly inflow/outflow, balance trend, spending by category and channel mix."""
    today = today or local_today()
    first_month = (today.replace(day=1) - timedelta(days=31 * (months - 1))).replace(day=1)
    found = _run(
        {"customer_id": customer_id, "first_day": first_month},
        ["flows", "daily_balances", "day_ends", "spending", "channels", "totals"],
    )
    flows = {r["month"]: r for r in found["flows"]}
    totals = found["totals"][0]
    return CustomerFigures(
        monthly_flows=[
            MonthFlow(
                month=m,
                inflow=_money(flows.get(m, {}).get("inflow")),
                outflow=_money(flows.get(m, {}).get("outflow")),
            )
            for m in _months(first_month, today)
        ],
        balance_trend=_balance_trend(found["daily_balances"], found["day_ends"], today),
        spending=_shares(found["spending"], by_count=False),
        channels=_shares(found["channels"], by_count=True),
        transactions=int(totals["n"] or 0),
        last_transaction_at=totals["last"],
    )


def _shares(rows: list[dict], *, by_count: bool) -> list[Share]:
    shares = [Share(key=r["key"], amount=_money(r["amount"]), count=int(r["count"])) for r in rows]
    if by_count:
        return sorted(shares, key=lambda s: (-s.count, s.key))
    return sorted(shares, key=lambda s: (-s.amount, s.key))


def _months(first: date, today: date) -> list[date]:
    out, month = [], first
    while month <= today:
        out.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return out


def _money(value) -> Decimal:
    return Decimal(value).quantize(ZERO) if value is not None else ZERO


def _balance_trend(daily: list[dict], ends: list[dict], today: date) -> list[BalancePoint]:
    """End-of-day balance over all the customer's CNY accounts.

    From the daily balances extract where loaded; otherwise from the balance each transaction
    left, carried forward over days without transactions.
    """
    if daily:
        return [BalancePoint(day=r["day"], balance=_money(r["balance"])) for r in daily]
    if not ends:
        return []
    per_account: dict[str, Decimal] = {}
    by_day: dict[date, list[dict]] = {}
    for r in ends:
        by_day.setdefault(r["booking_date"], []).append(r)
    points = []
    day = ends[0]["booking_date"]
    while day <= today:
        for r in by_day.get(day, []):
            per_account[r["account_key"]] = r["balance_after"]
        points.append(BalancePoint(day=day, balance=_money(sum(per_account.values(), ZERO))))
        day += timedelta(days=1)
    return points


def customers_with_transactions() -> set[int]:
    """Customers that have at least one transaction in the warehouse."""
    t = tables.table("transactions")
    found = tables.to_arrow(t.select("customer_id").distinct())
    return set(found.column("customer_id").to_pylist())
