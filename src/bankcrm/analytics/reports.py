"""The 7P reports and the dashboards: compiled Ibis queries over the segment inputs.

Every figure is an Ibis expression over the four placeholder inputs of `segments.py`
(customers, holdings and transactions of the warehouse, and one run of the standard values),
so the same code runs on DuckDB and on Spark; only `backends.py` knows which. Every figure is
restricted to a viewer's `Scope` (whole bank, a set of branches, one RM's book) before anything
is counted, and every chart bar that stands for customers has a drill-down (`drill`) that
applies the very same expression, so the list behind a bar has exactly the bar's count.

Results are plain dataclasses holding codes (branch and RM ids, product types, tier codes);
the views turn codes into names.

Definitions used throughout (docs/reports.md says the same for staff):
- a customer "joined" on the bank's calendar day of `created_at` (the customer master's
  creation); tenure counts from that day;
- a customer is "lost" when their lifecycle stage is churned, in the month of the customer
  record's last change (`updated_at`: the lifecycle move writes it);
- the "source" of a customer is the product type of their first holding (the product that
  brought them to the bank);
- "active" in a month (cohort retention) means at least one customer-initiated transaction
  (settings.VALUE_RFM_CATEGORIES) booked that month;
- product depth counts the distinct product types of a customer's active holdings.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import ibis
import ibis.expr.datatypes as dt
from django.conf import settings

from bankcrm.analytics import schema
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.segments import (
    CUSTOMERS,
    HOLDINGS,
    TRANSACTIONS,
    VALUES,
    Scope,
    age_group_expr,
    live_inputs,
    wealth_tier_expr,
)
from bankcrm.analytics.tables import Query, bind_inputs, latest

ZERO = Decimal("0.00")
WORK = dt.Decimal(28, 8)
TENURE_BANDS = ((0, 1), (1, 3), (3, 5), (5, 10), (10, None))  # years, lower bound included
DEPTH_MAX = 5  # depth 5 stands for "5 or more"
COHORT_MONTHS = 12
TOP_N = 20
FORECAST_MONTHS = 12
HISTORY_MONTHS = 36  # months of customer counts the forecast learns from
PARETO_POINTS = 50


@dataclass(frozen=True)
class Period:
    """The report's period: whole months from `start`'s to `end`'s; snapshot figures are as of
    `end`."""

    start: date
    end: date

    @property
    def months(self) -> list[date]:
        return month_range(self.start.replace(day=1), self.end.replace(day=1))

    @classmethod
    def last_months(cls, end: date, months: int = 12) -> Period:
        return cls(start=add_months(end.replace(day=1), -(months - 1)), end=end)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_range(first: date, last: date) -> list[date]:
    out, month = [], first
    while month <= last:
        out.append(month)
        month = add_months(month, 1)
    return out


def _month_end(month: date) -> date:
    return add_months(month, 1) - timedelta(days=1)


# ---------------------------------------------------------------------------------------------
# Running expressions over the inputs


class Tape:
    """What a report's queries returned, in order: recorded while a report runs over the lake
    and replayed to build the same report again without the lake (analytics.report_store keeps
    them per report, scope and period). The row values are plain Python (int, float, str,
    Decimal, date, datetime, None)."""

    def __init__(self, calls: list[dict[str, list[dict]]] | None = None) -> None:
        self.replaying = calls is not None
        self.calls: list[dict[str, list[dict]]] = list(calls or [])
        self.position = 0

    def next(self, names: list[str]) -> dict[str, list[dict]]:
        if self.position >= len(self.calls) or sorted(self.calls[self.position]) != sorted(names):
            raise TapeMismatch()
        self.position += 1
        return self.calls[self.position - 1]


class TapeMismatch(Exception):
    """A stored tape does not fit the report's queries (the report code changed)."""


_tape: ContextVar[Tape | None] = ContextVar("report_tape", default=None)


def with_tape(tape: Tape, report, **kwargs):
    """Run a report function recording its queries' rows on `tape`, or replaying them."""
    token = _tape.set(tape)
    try:
        found = report(**kwargs)
    finally:
        _tape.reset(token)
    if tape.replaying and tape.position != len(tape.calls):
        raise TapeMismatch()
    return found


def _fetch(exprs: dict[str, ibis.Expr], inputs: dict | None) -> dict[str, list[dict]]:
    """Run several expressions over the inputs bound once (the lake's unless given)."""
    tape = _tape.get()
    if tape is not None and tape.replaying:
        return tape.next(list(exprs))
    found = _run(exprs, inputs)
    if tape is not None:
        tape.calls.append(found)
    return found


def _run(exprs: dict[str, ibis.Expr], inputs: dict | None) -> dict[str, list[dict]]:
    inputs = inputs if inputs is not None else live_inputs()
    w = warehouse()
    with w.lock():
        bind_inputs(**inputs)
        try:
            return {name: Query(expr).fetch().to_pylist() for name, expr in exprs.items()}
        finally:
            for name in inputs:
                w.unbind(name)


def _local_offset() -> ibis.Value:
    """The bank's zone as a fixed offset (Asia/Shanghai keeps no daylight saving time)."""
    from datetime import UTC, datetime

    offset = datetime.now(UTC).astimezone(ZoneInfo(settings.TIME_ZONE)).utcoffset()
    return ibis.interval(seconds=int(offset.total_seconds()))


def _local_day(instant: ibis.Value) -> ibis.Value:
    return (instant + _local_offset()).date()


def _month_of(day: ibis.Value) -> ibis.Value:
    return day.truncate("M").cast("date")


def _month_index(day: ibis.Value) -> ibis.Value:
    return day.year().cast("int64") * 12 + day.month().cast("int64")


def _scoped(c: ibis.Table, scope: Scope | None) -> ibis.Table:
    if scope is None:
        return c
    if scope.rm_id is not None:
        c = c.filter(c.rm_id == scope.rm_id)
    if scope.branch_ids is not None:
        c = c.filter(c.branch_id.isin(list(scope.branch_ids) or [-1]))
    return c


def _holdings() -> ibis.Table:
    return latest(HOLDINGS, "holdings")


def base(scope: Scope | None, as_of: date) -> ibis.Table:
    """One row per customer in scope who had joined by `as_of`, with every attribute a report
    groups by (codes; "" where unknown)."""
    c = _scoped(latest(CUSTOMERS, "customers"), scope)
    c = c.mutate(joined_on=_local_day(c.created_at))
    c = c.filter(c.joined_on <= ibis.literal(as_of))
    v = VALUES.select(
        v_key=VALUES.customer_id,
        value_tier=VALUES.value_tier,
        rfm_cell=VALUES.rfm_cell,
        contribution=VALUES.contribution,
        fee_income=VALUES.fee_income,
    )
    h = _holdings()
    active = h.filter(h.status == "active")
    depth = active.group_by(d_key=active.customer_id).aggregate(depth=active.product_type.nunique())
    first = h.mutate(
        _n=ibis.row_number().over(group_by=h.customer_id, order_by=[h.opened_on, h.holding_id])
    )
    first = first.filter(first._n == 0).select(f_key=first.customer_id, source=first.product_type)
    j = (
        c.left_join(v, c.customer_id == v.v_key)
        .left_join(depth, c.customer_id == depth.d_key)
        .left_join(first, c.customer_id == first.f_key)
    )
    churned = j.lifecycle_stage == "churned"
    return j.select(
        customer_id=j.customer_id,
        branch_id=j.branch_id,
        rm_id=j.rm_id,
        lifecycle_stage=j.lifecycle_stage.fill_null(""),
        age_group=age_group_expr(ibis.literal(as_of.year) - j.birth_year.cast("int64")).fill_null(
            ""
        ),
        wealth_tier=wealth_tier_expr(j.aum.fill_null(0)),
        value_tier=j.value_tier.fill_null(""),
        rfm_cell=j.rfm_cell.fill_null(""),
        occupation=j.occupation.fill_null(""),
        province=j.province.fill_null(""),
        city=j.city.fill_null(""),
        gender=j.gender.fill_null(""),
        aum=j.aum.fill_null(0).cast(schema.MONEY),
        contribution=j.contribution.fill_null(0).cast(schema.MONEY),
        fee_income=j.fee_income.fill_null(0).cast(schema.MONEY),
        depth=ibis.least(j.depth.fill_null(0).cast("int64"), DEPTH_MAX),
        source=j.source.fill_null(""),
        joined_on=j.joined_on,
        joined_month=_month_of(j.joined_on),
        tenure=_tenure_band(j.joined_on, as_of),
        churned=churned,
        lost_month=ibis.cases(
            (churned, _month_of(_local_day(j.updated_at))), else_=ibis.null(dt.date)
        ),
    )


def _tenure_band(joined: ibis.Value, as_of: date) -> ibis.Value:
    years = ibis.literal(as_of).epoch_days() - joined.epoch_days()
    cases = []
    for low, high in TENURE_BANDS:
        if high is not None:
            cases.append((years < high * 365, tenure_key(low, high)))
    return ibis.cases(*cases, else_=tenure_key(TENURE_BANDS[-1][0], None))


def tenure_key(low: int, high: int | None) -> str:
    return f"{low}-{high}" if high is not None else f"{low}+"


TENURE_KEYS = [tenure_key(low, high) for low, high in TENURE_BANDS]


def _active_holdings(b: ibis.Table) -> ibis.Table:
    """Active holdings of the customers of `b` (a base table)."""
    h = _holdings()
    h = h.filter(h.status == "active")
    ids = b.select(s_key=b.customer_id, c_branch=b.branch_id, c_rm=b.rm_id)
    return h.inner_join(ids, h.customer_id == ids.s_key)


def _all_holdings(b: ibis.Table) -> ibis.Table:
    h = _holdings()
    ids = b.select(s_key=b.customer_id, c_branch=b.branch_id, c_rm=b.rm_id)
    return h.inner_join(ids, h.customer_id == ids.s_key)


def _distribution(b: ibis.Table, attributes: list[str]) -> ibis.Table:
    """Customers and AUM by the value of each attribute, in one query (a union)."""
    parts = [
        b.group_by(attribute=ibis.literal(name), key=b[name].cast("string")).aggregate(
            customers=b.count(), aum=b.aum.sum()
        )
        for name in attributes
    ]
    return ibis.union(*parts)


# ---------------------------------------------------------------------------------------------
# Results


@dataclass(frozen=True)
class Bucket:
    key: str
    customers: int
    amount: Decimal = ZERO


def _buckets(rows: list[dict], attribute: str, amount: str = "aum") -> list[Bucket]:
    found = [
        Bucket(key=r["key"], customers=int(r["customers"]), amount=_money(r.get(amount)))
        for r in rows
        if r["attribute"] == attribute
    ]
    return sorted(found, key=lambda b: (-b.customers, b.key))


def _money(value) -> Decimal:
    return Decimal(value).quantize(ZERO) if value is not None else ZERO


def _ordered(buckets: list[Bucket], order: list[str]) -> list[Bucket]:
    """Buckets in a fixed order of keys (missing keys as zero), unknown keys last."""
    by_key = {b.key: b for b in buckets}
    out = [by_key.get(k, Bucket(key=k, customers=0)) for k in order]
    return out + [b for b in buckets if b.key not in order]


# --- Profiling --------------------------------------------------------------------------------

PROFILE_ATTRIBUTES = (
    "value_tier",
    "rfm_cell",
    "wealth_tier",
    "age_group",
    "occupation",
    "province",
    "city",
    "gender",
)


@dataclass(frozen=True)
class Profiling:
    customers: int
    aum: Decimal
    distributions: dict[str, list[Bucket]]


def profiling(*, scope: Scope | None, period: Period, inputs: dict | None = None) -> Profiling:
    """How the customers in scope spread across segments, age, occupation and region."""
    b = base(scope, period.end)
    rows = _fetch({"d": _distribution(b, list(PROFILE_ATTRIBUTES))}, inputs)["d"]
    distributions = {name: _buckets(rows, name) for name in PROFILE_ATTRIBUTES}
    first = distributions[PROFILE_ATTRIBUTES[0]]
    return Profiling(
        customers=sum(x.customers for x in first),
        aum=sum((x.amount for x in first), ZERO),
        distributions=distributions,
    )


# --- Persistency ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CohortRow:
    month: date
    size: int
    active: list[int]  # customers active in month 0, 1, ... after joining (up to as_of)

    @property
    def shares(self) -> list[Decimal]:
        if not self.size:
            return [Decimal(0) for _ in self.active]
        return [(Decimal(n) * 100 / self.size).quantize(Decimal("0.1")) for n in self.active]


@dataclass(frozen=True)
class Attrition:
    key: str
    customers: int
    churned: int
    dormant: int

    @property
    def rate(self) -> Decimal:
        if not self.customers:
            return Decimal("0.0")
        return (Decimal(self.churned) * 100 / self.customers).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Persistency:
    customers: int
    tenure: list[Bucket]
    depth: list[Bucket]
    average_depth: Decimal
    cohorts: list[CohortRow]
    attrition: dict[str, list[Attrition]]


ATTRITION_ATTRIBUTES = ("value_tier", "wealth_tier", "age_group")


def _cohort_months(period: Period) -> list[date]:
    return period.months[-COHORT_MONTHS:]


def _activity(b: ibis.Table, first_month: date, as_of: date) -> ibis.Table:
    """(customer, month) pairs with a customer-initiated transaction, from `first_month`."""
    t = TRANSACTIONS
    t = t.filter(
        (t.booking_date >= ibis.literal(first_month))
        & (t.booking_date <= ibis.literal(as_of))
        & t.category.isin(list(settings.VALUE_RFM_CATEGORIES))
    )
    ids = b.select(a_key=b.customer_id)
    t = t.inner_join(ids, t.customer_id == ids.a_key)
    t = t.select(a_customer=t.customer_id, a_month=_month_index(t.booking_date))
    return t.group_by(["a_customer", "a_month"]).aggregate(a_n=t.count()).drop("a_n")


def _cohort_cells(b: ibis.Table, months: list[date], as_of: date) -> ibis.Table:
    cohort = b.filter(b.joined_month.isin(months)).select(
        customer_id=b.customer_id,
        cohort=b.joined_month,
        cohort_index=_month_index(b.joined_month),
    )
    a = _activity(b, months[0], as_of)
    j = cohort.inner_join(a, cohort.customer_id == a.a_customer)
    j = j.mutate(offset=j.a_month - j.cohort_index)
    return j.filter(j.offset >= 0)


def persistency(*, scope: Scope | None, period: Period, inputs: dict | None = None) -> Persistency:
    """Tenure, product depth, cohort retention by month of joining, attrition by segment."""
    b = base(scope, period.end)
    months = _cohort_months(period)
    cells = _cohort_cells(b, months, period.end)
    attrition = ibis.union(
        *[
            b.group_by(attribute=ibis.literal(name), key=b[name]).aggregate(
                customers=b.count(),
                churned=b.customer_id.count(where=b.churned),
                dormant=b.customer_id.count(where=b.lifecycle_stage == "dormant"),
            )
            for name in ATTRITION_ATTRIBUTES
        ]
    )
    found = _fetch(
        {
            "d": _distribution(b.mutate(depth=b.depth.cast("string")), ["tenure", "depth"]),
            "sizes": b.filter(b.joined_month.isin(months))
            .group_by("joined_month")
            .aggregate(n=ibis._.count())
            .rename(cohort="joined_month"),
            "cells": cells.group_by(["cohort", "offset"]).aggregate(n=cells.customer_id.nunique()),
            "attrition": attrition,
        },
        inputs,
    )
    tenure = _ordered(_buckets(found["d"], "tenure"), TENURE_KEYS)
    depth = _ordered(_buckets(found["d"], "depth"), [str(i) for i in range(DEPTH_MAX + 1)])
    customers = sum(x.customers for x in tenure)
    depth_total = sum(int(x.key) * x.customers for x in depth)
    sizes = {r["cohort"]: int(r["n"]) for r in found["sizes"]}
    active = {(r["cohort"], int(r["offset"])): int(r["n"]) for r in found["cells"]}
    last = _month_index_of(period.end)
    cohorts = [
        CohortRow(
            month=m,
            size=sizes.get(m, 0),
            active=[active.get((m, k), 0) for k in range(last - _month_index_of(m) + 1)],
        )
        for m in months
    ]
    attrition_rows: dict[str, list[Attrition]] = {name: [] for name in ATTRITION_ATTRIBUTES}
    for r in found["attrition"]:
        attrition_rows[r["attribute"]].append(
            Attrition(
                key=r["key"],
                customers=int(r["customers"]),
                churned=int(r["churned"]),
                dormant=int(r["dormant"]),
            )
        )
    for rows in attrition_rows.values():
        rows.sort(key=lambda a: (-a.customers, a.key))
    return Persistency(
        customers=customers,
        tenure=tenure,
        depth=depth,
        average_depth=(
            (Decimal(depth_total) / customers).quantize(Decimal("0.01"))
            if customers
            else Decimal("0.00")
        ),
        cohorts=cohorts,
        attrition=attrition_rows,
    )


def _month_index_of(day: date) -> int:
    return day.year * 12 + day.month


# --- Profitability ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TopCustomer:
    customer_id: int
    contribution: Decimal
    value_tier: str
    branch_id: int | None
    rm_id: int | None


@dataclass(frozen=True)
class ParetoPoint:
    customers_share: Decimal  # percent of customers, best first
    contribution_share: Decimal  # percent of the total contribution they make
    customers: int


@dataclass(frozen=True)
class Profitability:
    customers: int
    contribution: Decimal
    top: list[TopCustomer]
    by_product: list[Bucket]  # key: product type, or "fees"; amount: margin
    by_branch: list[Bucket]  # key: branch id
    by_rm: list[Bucket]  # key: RM id ("" for none)
    pareto: list[ParetoPoint]
    customers_for_80: int  # the fewest customers whose contribution reaches 80% of the total
    share_for_80: Decimal  # the same as a percent of all customers


def _spread(product_type: ibis.Value) -> ibis.Value:
    return ibis.cases(
        *[
            (product_type == kind, ibis.literal(Decimal(rate), type=WORK))
            for kind, rate in settings.VALUE_SPREADS.items()
        ],
        else_=ibis.literal(Decimal(0), type=WORK),
    )


def _ranked(b: ibis.Table) -> ibis.Table:
    """Customers best first by contribution (ties by id), with their rank from 1."""
    return b.mutate(
        rank=ibis.row_number().over(order_by=[ibis.desc(b.contribution), b.customer_id]) + 1
    )


def profitability(
    *, scope: Scope | None, period: Period, inputs: dict | None = None, top: int = TOP_N
) -> Profitability:
    """Contribution (of the current value run) by customer, product type, branch and RM, and
    how concentrated it is (the Pareto curve)."""
    b = base(scope, period.end)
    ranked = _ranked(b)
    h = _active_holdings(b)
    margin = (h.balance.abs().cast(WORK) * _spread(h.product_type)).round(2).cast(schema.MONEY)
    by_product = h.group_by(key=h.product_type).aggregate(
        customers=h.customer_id.nunique(), amount=margin.sum()
    )
    fees = b.filter(b.fee_income != 0)
    fees = fees.aggregate(customers=fees.count(), amount=fees.fee_income.sum()).mutate(
        key=ibis.literal("fees")
    )
    grouped = ibis.union(
        b.group_by(attribute=ibis.literal("branch"), key=b.branch_id.cast("string")).aggregate(
            customers=b.count(), amount=b.contribution.sum()
        ),
        b.group_by(attribute=ibis.literal("rm"), key=b.rm_id.cast("string")).aggregate(
            customers=b.count(), amount=b.contribution.sum()
        ),
    )
    running = ranked.mutate(
        running=ranked.contribution.sum().over(
            ibis.cumulative_window(order_by=[ibis.desc(ranked.contribution), ranked.customer_id])
        )
    )
    found = _fetch(
        {
            "top": ranked.filter(ranked.rank <= top)
            .order_by("rank")
            .select("customer_id", "contribution", "value_tier", "branch_id", "rm_id"),
            "products": ibis.union(by_product, fees.select("key", "customers", "amount")),
            "grouped": grouped.mutate(key=grouped.key.fill_null("")),
            "running": running.select("rank", "running").order_by("rank"),
        },
        inputs,
    )
    running_rows = found["running"]
    n = len(running_rows)
    total = _money(running_rows[-1]["running"]) if running_rows else ZERO
    customers_for_80 = 0
    if total > 0:
        target = total * Decimal("0.8")
        customers_for_80 = next(
            (int(r["rank"]) for r in running_rows if _money(r["running"]) >= target), n
        )
    pareto = [ParetoPoint(Decimal(0), Decimal(0), 0)]
    if n and total:
        step = max(1, math.ceil(n / PARETO_POINTS))
        for index in sorted({*range(step - 1, n, step), n - 1}):
            row = running_rows[index]
            pareto.append(
                ParetoPoint(
                    customers_share=(Decimal(index + 1) * 100 / n).quantize(Decimal("0.1")),
                    contribution_share=(_money(row["running"]) * 100 / total).quantize(
                        Decimal("0.1")
                    ),
                    customers=index + 1,
                )
            )

    def grouped_buckets(attribute: str) -> list[Bucket]:
        rows = [r for r in found["grouped"] if r["attribute"] == attribute]
        out = [Bucket(r["key"], int(r["customers"]), _money(r["amount"])) for r in rows]
        return sorted(out, key=lambda x: (-x.amount, x.key))

    products = [
        Bucket(r["key"], int(r["customers"]), _money(r["amount"]))
        for r in found["products"]
        if r["customers"]  # no fees charged: no bar
    ]
    return Profitability(
        customers=n,
        contribution=total,
        top=[
            TopCustomer(
                customer_id=r["customer_id"],
                contribution=_money(r["contribution"]),
                value_tier=r["value_tier"],
                branch_id=r["branch_id"],
                rm_id=r["rm_id"],
            )
            for r in found["top"]
        ],
        by_product=sorted(products, key=lambda x: (-x.amount, x.key)),
        by_branch=grouped_buckets("branch"),
        by_rm=grouped_buckets("rm"),
        pareto=pareto,
        customers_for_80=customers_for_80,
        share_for_80=(
            (Decimal(customers_for_80) * 100 / n).quantize(Decimal("0.1")) if n else Decimal(0)
        ),
    )


# --- Performance ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthValue:
    month: date
    key: str
    count: int
    amount: Decimal = ZERO
    customers: int = 0


@dataclass(frozen=True)
class Performance:
    months: list[date]
    sales: list[MonthValue]  # new holdings by month and product type
    sales_by_branch: list[Bucket]  # holdings opened in the period, by the customer's branch
    sales_by_rm: list[Bucket]
    branch_months: list[MonthValue]  # holdings opened by month and the customer's branch
    channels: list[MonthValue]  # transactions by month and channel (count, amount)
    balances: list[Bucket]  # current balances of active holdings by product type
    balance_trend: list[MonthValue]  # month-end balances by product type
    balance_by_branch: list[MonthValue]  # month-end balances by the customer's branch
    balance_by_rm: list[MonthValue]  # month-end balances by the customer's RM ("" for none)


def _opened(b: ibis.Table, period: Period) -> ibis.Table:
    h = _all_holdings(b)
    h = h.filter(
        (h.opened_on >= ibis.literal(period.months[0])) & (h.opened_on <= ibis.literal(period.end))
    )
    return h.mutate(month=_month_of(h.opened_on))


def _channel_tx(b: ibis.Table, period: Period) -> ibis.Table:
    t = TRANSACTIONS
    t = t.filter(
        (t.booking_date >= ibis.literal(period.months[0]))
        & (t.booking_date <= ibis.literal(period.end))
    )
    ids = b.select(s_key=b.customer_id, s_branch=b.branch_id, s_rm=b.rm_id)
    t = t.inner_join(ids, t.customer_id == ids.s_key)
    return t.mutate(month=_month_of(t.booking_date))


def _month_ends(b: ibis.Table, period: Period) -> ibis.Table:
    """Each account's month-end balance (CNY): the balance its last transaction of the month
    left, with the product type and the customer's branch and RM."""
    tx = _channel_tx(b, period)
    last = tx.filter(tx.balance_after.notnull() & (tx.currency == "CNY"))
    last = last.mutate(
        _n=ibis.row_number().over(
            group_by=[last.account_key, last.month],
            order_by=[ibis.desc(last.booked_at), ibis.desc(last.id)],
        )
    )
    last = last.filter(last._n == 0)
    accounts = _holdings().select(k_account=ibis._.account_key, k_type=ibis._.product_type)
    return last.inner_join(accounts, last.account_key == accounts.k_account)


def performance(*, scope: Scope | None, period: Period, inputs: dict | None = None) -> Performance:
    """Product sales (holdings opened) by product, branch and RM; transactions by channel;
    balances by product, over the period's months."""
    b = base(scope, period.end)
    opened = _opened(b, period)
    tx = _channel_tx(b, period)
    active = _active_holdings(b)
    ends = _month_ends(b, period)

    def month_end_by(key: ibis.Value) -> ibis.Table:
        return ends.group_by(["month", key.name("key")]).aggregate(
            count=ends.count(), amount=ends.balance_after.sum(), customers=ends.s_key.nunique()
        )

    found = _fetch(
        {
            "sales": opened.group_by(["month", opened.product_type.name("key")]).aggregate(
                count=opened.count(), customers=opened.customer_id.nunique()
            ),
            "by_branch": opened.group_by(key=opened.c_branch.cast("string")).aggregate(
                customers=opened.customer_id.nunique(), n=opened.count()
            ),
            "branch_months": opened.group_by(
                ["month", opened.c_branch.cast("string").fill_null("").name("key")]
            ).aggregate(count=opened.count(), customers=opened.customer_id.nunique()),
            "by_rm": opened.group_by(key=opened.c_rm.cast("string").fill_null("")).aggregate(
                customers=opened.customer_id.nunique(), n=opened.count()
            ),
            "channels": tx.group_by(["month", tx.channel.name("key")]).aggregate(
                count=tx.count(),
                amount=tx.amount.abs().sum(),
                customers=tx.customer_id.nunique(),
            ),
            "balances": active.group_by(key=active.product_type).aggregate(
                customers=active.customer_id.nunique(), amount=active.balance.sum()
            ),
            "ends": month_end_by(ends.k_type),
            "ends_branch": month_end_by(ends.s_branch.cast("string").fill_null("")),
            "ends_rm": month_end_by(ends.s_rm.cast("string").fill_null("")),
        },
        inputs,
    )

    def monthly(rows: list[dict]) -> list[MonthValue]:
        out = [
            MonthValue(
                month=r["month"],
                key=r["key"] or "",
                count=int(r["count"]),
                amount=_money(r.get("amount")),
                customers=int(r.get("customers") or 0),
            )
            for r in rows
        ]
        return sorted(out, key=lambda x: (x.month, x.key))

    def counted(rows: list[dict]) -> list[Bucket]:
        out = [Bucket(r["key"] or "", int(r["customers"]), Decimal(int(r["n"]))) for r in rows]
        return sorted(out, key=lambda x: (-x.amount, x.key))

    return Performance(
        months=period.months,
        sales=monthly(found["sales"]),
        sales_by_branch=counted(found["by_branch"]),
        sales_by_rm=counted(found["by_rm"]),
        branch_months=monthly(found["branch_months"]),
        channels=monthly(found["channels"]),
        balances=sorted(
            [Bucket(r["key"], int(r["customers"]), _money(r["amount"])) for r in found["balances"]],
            key=lambda x: (-x.amount, x.key),
        ),
        balance_trend=monthly(found["ends"]),
        balance_by_branch=monthly(found["ends_branch"]),
        balance_by_rm=monthly(found["ends_rm"]),
    )


# --- Prospecting ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonthFlow:
    month: date
    acquired: int
    lost: int
    customers: int  # on the books at the month's end


@dataclass(frozen=True)
class ForecastPoint:
    month: date
    customers: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True)
class Prospecting:
    customers: int  # on the books at the period's end
    months: list[MonthFlow]
    by_source: list[MonthValue]  # acquisitions by month and source (first product type)
    forecast: list[ForecastPoint]
    forecast_model: str


def prospecting(
    *,
    scope: Scope | None,
    period: Period,
    inputs: dict | None = None,
    forecast: bool = True,
) -> Prospecting:
    """Customer counts, acquisition and loss by month and source; a 12-month forecast of the
    customer count (statsforecast AutoETS on the month-end counts)."""
    b = base(scope, period.end)
    history = month_range(add_months(period.end.replace(day=1), -(HISTORY_MONTHS - 1)), period.end)
    first = min(history[0], period.months[0])
    joined = b.mutate(
        j_month=ibis.cases(
            (b.joined_month < ibis.literal(first), ibis.null(dt.date)), else_=b.joined_month
        )
    )
    found = _fetch(
        {
            "before": b.aggregate(
                joined=b.customer_id.count(where=b.joined_month < ibis.literal(first)),
                lost=b.customer_id.count(where=b.churned & (b.lost_month < ibis.literal(first))),
            ),
            "acquired": joined.filter(joined.j_month.notnull())
            .group_by(month=ibis._.j_month)
            .aggregate(n=ibis._.count()),
            "lost": b.filter(b.churned & (b.lost_month >= ibis.literal(first)))
            .group_by(month=ibis._.lost_month)
            .aggregate(n=ibis._.count()),
            "sources": b.filter(b.joined_month.isin(period.months))
            .group_by(month=ibis._.joined_month, key=ibis._.source)
            .aggregate(count=ibis._.count()),
        },
        inputs,
    )
    before = found["before"][0]
    acquired = {r["month"]: int(r["n"]) for r in found["acquired"]}
    lost = {r["month"]: int(r["n"]) for r in found["lost"]}
    count = int(before["joined"] or 0) - int(before["lost"] or 0)
    flows = []
    for month in month_range(first, period.end.replace(day=1)):
        count += acquired.get(month, 0) - lost.get(month, 0)
        flows.append(MonthFlow(month, acquired.get(month, 0), lost.get(month, 0), count))
    in_period = [f for f in flows if f.month >= period.months[0]]
    fitted = [f for f in flows if f.month >= history[0]]
    points, model = forecast_counts(fitted) if forecast else ([], "")
    return Prospecting(
        customers=flows[-1].customers if flows else 0,
        months=in_period,
        by_source=sorted(
            [MonthValue(r["month"], r["key"], int(r["count"])) for r in found["sources"]],
            key=lambda x: (x.month, x.key),
        ),
        forecast=points,
        forecast_model=model,
    )


def forecast_counts(flows: list[MonthFlow]) -> tuple[list[ForecastPoint], str]:
    """12 months of customer counts ahead, with an 80% interval: statsforecast's AutoETS
    (exponential smoothing, the model chosen by AICc) on the month-end counts."""
    if len(flows) < 6:
        return [], ""
    import numpy as np
    import pandas as pd
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frame = pd.DataFrame(
        {
            "unique_id": "customers",
            "ds": pd.to_datetime([f.month for f in flows]),
            "y": np.array([f.customers for f in flows], dtype="float64"),
        }
    )
    model = StatsForecast(models=[AutoETS(season_length=1)], freq="MS")
    found = model.forecast(df=frame, h=FORECAST_MONTHS, level=[80])
    points = []
    for _index, row in found.iterrows():
        points.append(
            ForecastPoint(
                month=row["ds"].date(),
                customers=_round(row["AutoETS"]),
                low=_round(row["AutoETS-lo-80"]),
                high=_round(row["AutoETS-hi-80"]),
            )
        )
    return points, "AutoETS"


def _round(value: float) -> Decimal:
    return Decimal(str(round(max(float(value), 0.0), 1)))


# --- Product ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PairCount:
    x: str
    y: str
    customers: int  # holding both (x == y: holding x)
    later: int  # of those, customers whose first y was opened after their first x


@dataclass(frozen=True)
class Rule:
    x: str
    y: str
    customers: int
    support: Decimal  # share of all customers holding x and y (percent)
    confidence: Decimal  # share of x holders who also hold y (percent)
    lift: Decimal  # confidence / share of customers holding y
    later: int  # customers who took y after x


@dataclass(frozen=True)
class ProductReport:
    customers: int
    types: list[str]  # product types held, most held first
    holders: dict[str, int]
    pairs: list[PairCount]
    rules: list[Rule]


def _pairs(b: ibis.Table) -> ibis.Table:
    h = _active_holdings(b)
    held = h.group_by([h.customer_id, h.product_type]).aggregate(first_open=h.opened_on.min())
    x = held.select(x_customer=held.customer_id, x=held.product_type, x_open=held.first_open)
    y = held.select(y_customer=held.customer_id, y=held.product_type, y_open=held.first_open)
    return x.inner_join(y, x.x_customer == y.y_customer)


def product(
    *, scope: Scope | None, period: Period, inputs: dict | None = None, min_customers: int = 1
) -> ProductReport:
    """The cross-holding matrix and the product-affinity rules "customers who hold X also hold
    Y" with support, confidence and lift, from the active holdings of the customers in scope."""
    b = base(scope, period.end)
    p = _pairs(b)
    found = _fetch(
        {
            "n": b.aggregate(n=b.count()),
            "pairs": p.group_by(["x", "y"]).aggregate(
                customers=p.count(), later=p.x_customer.count(where=p.y_open > p.x_open)
            ),
        },
        inputs,
    )
    n = int(found["n"][0]["n"] or 0)
    pairs = sorted(
        [PairCount(r["x"], r["y"], int(r["customers"]), int(r["later"])) for r in found["pairs"]],
        key=lambda p: (p.x, p.y),
    )
    holders = {p.x: p.customers for p in pairs if p.x == p.y}
    types = sorted(holders, key=lambda t: (-holders[t], t))
    rules = []
    for pair in pairs:
        if pair.x == pair.y or pair.customers < min_customers or not n:
            continue
        confidence = Decimal(pair.customers) / holders[pair.x]
        y_share = Decimal(holders[pair.y]) / n
        rules.append(
            Rule(
                x=pair.x,
                y=pair.y,
                customers=pair.customers,
                support=(Decimal(pair.customers) * 100 / n).quantize(Decimal("0.1")),
                confidence=(confidence * 100).quantize(Decimal("0.1")),
                lift=(confidence / y_share).quantize(Decimal("0.01")),
                later=pair.later,
            )
        )
    rules.sort(key=lambda r: (-r.lift, -r.confidence, r.x, r.y))
    return ProductReport(customers=n, types=types, holders=holders, pairs=pairs, rules=rules)


# --- Dashboard --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Dashboard:
    customers: int
    aum: Decimal
    contribution: Decimal
    gold: int
    share_for_80: Decimal
    average_depth: Decimal
    acquired: int  # in the period
    lost: int  # in the period
    value_tiers: list[Bucket]
    months: list[MonthFlow]
    by_branch: list[Bucket]
    by_rm: list[Bucket]
    depth: list[Bucket]
    top: list[TopCustomer]


def dashboard(*, scope: Scope | None, period: Period, inputs: dict | None = None) -> Dashboard:
    """A few key figures of the other reports, for the head-office or branch home page."""
    # one listing of the lake for the four reports: fewer catalogue reads, one snapshot
    inputs = inputs if inputs is not None else live_inputs()
    profile = profiling(scope=scope, period=period, inputs=inputs)
    profit = profitability(scope=scope, period=period, inputs=inputs, top=10)
    persist = persistency(scope=scope, period=period, inputs=inputs)
    prospects = prospecting(scope=scope, period=period, inputs=inputs, forecast=False)
    tiers = _ordered(profile.distributions["value_tier"], ["gold", "growth", "standard", "low"])
    return Dashboard(
        customers=profile.customers,
        aum=profile.aum,
        contribution=profit.contribution,
        gold=next((b.customers for b in tiers if b.key == "gold"), 0),
        share_for_80=profit.share_for_80,
        average_depth=persist.average_depth,
        acquired=sum(m.acquired for m in prospects.months),
        lost=sum(m.lost for m in prospects.months),
        value_tiers=[t for t in tiers if t.customers],
        months=prospects.months,
        by_branch=profit.by_branch,
        by_rm=profit.by_rm,
        depth=persist.depth,
        top=profit.top,
    )


# ---------------------------------------------------------------------------------------------
# Drill-down: the customers a bar or point stands for


@dataclass(frozen=True)
class DrillSpec:
    report: str
    key_parts: int = 1  # keys of several parts are joined with "|"
    extra: dict = field(default_factory=dict)


class DrillError(ValueError):
    """An unknown drill-down or a malformed key."""


def _ids(t: ibis.Table) -> ibis.Table:
    """The distinct customer ids of `t`, as a GROUP BY: for Spark, Ibis 12 compiled
    `select("customer_id").distinct()` of a filtered join as a DISTINCT over the filter's
    columns too, which listed a customer once per holding."""
    return t.group_by("customer_id").aggregate(_rows=t.count()).select("customer_id")


def _key_month(text: str) -> date:
    try:
        return date.fromisoformat(text[:7] + "-01")
    except ValueError as exc:
        raise DrillError(text) from exc


def _key_int(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise DrillError(text) from exc


def _attribute_drill(name: str):
    def select(b: ibis.Table, key: list[str], period: Period) -> ibis.Table:
        column = b[name].cast("string") if name == "depth" else b[name]
        return b.filter(column == key[0])

    return select


def _attrition_drill(b, key, period):
    attribute, value = key
    if attribute not in ATTRITION_ATTRIBUTES:
        raise DrillError(attribute)
    return b.filter((b[attribute] == value) & b.churned)


def _cohort_drill(b, key, period):
    month, offset = _key_month(key[0]), _key_int(key[1])
    months = _cohort_months(period)
    if month not in months:
        raise DrillError(key[0])
    cells = _cohort_cells(b, months, period.end)
    cells = cells.filter((cells.cohort == ibis.literal(month)) & (cells.offset == offset))
    return cells.pipe(_ids)


def _cohort_size_drill(b, key, period):
    return b.filter(b.joined_month == ibis.literal(_key_month(key[0])))


def _holds_drill(b, key, period):
    h = _active_holdings(b)
    return h.filter(h.product_type == key[0]).pipe(_ids)


def _branch_drill(b, key, period):
    return b.filter(b.branch_id == _key_int(key[0]))


def _rm_drill(b, key, period):
    if key[0] == "":
        return b.filter(b.rm_id.isnull())
    return b.filter(b.rm_id == _key_int(key[0]))


def _pareto_drill(b, key, period):
    """The best customers by contribution, as many as the point's count."""
    ranked = _ranked(b)
    return ranked.filter(ranked.rank <= _key_int(key[0]))


def _fees_or_holds_drill(b, key, period):
    if key[0] == "fees":
        return b.filter(b.fee_income != 0)
    return _holds_drill(b, key, period)


def _sales_drill(b, key, period):
    month = _key_month(key[0])
    h = _opened(b, period)
    return h.filter((h.month == ibis.literal(month)) & (h.product_type == key[1])).pipe(_ids)


def _sales_branch_drill(b, key, period):
    h = _opened(b, period)
    return h.filter(h.c_branch == _key_int(key[0])).pipe(_ids)


def _sales_branch_month_drill(b, key, period):
    month = _key_month(key[0])
    h = _opened(b, period)
    return h.filter((h.month == ibis.literal(month)) & (h.c_branch == _key_int(key[1]))).pipe(_ids)


def _sales_rm_drill(b, key, period):
    h = _opened(b, period)
    keep = h.c_rm.isnull() if key[0] == "" else h.c_rm == _key_int(key[0])
    return h.filter(keep).pipe(_ids)


def _channel_drill(b, key, period):
    month = _key_month(key[0])
    t = _channel_tx(b, period)
    return t.filter((t.month == ibis.literal(month)) & (t.channel == key[1])).pipe(_ids)


def _balance_drill(column: str):
    """Customers with a month-end balance that month in one branch or with one RM."""

    def select(b, key, period):
        e = _month_ends(b, period)
        owner = e[column]
        keep = owner.isnull() if key[1] == "" else owner == _key_int(key[1])
        return e.filter((e.month == ibis.literal(_key_month(key[0]))) & keep).pipe(_ids)

    return select


def _acquired_drill(b, key, period):
    return b.filter(b.joined_month == ibis.literal(_key_month(key[0])))


def _lost_drill(b, key, period):
    return b.filter(b.churned & (b.lost_month == ibis.literal(_key_month(key[0]))))


def _source_drill(b, key, period):
    month = _key_month(key[0])
    return b.filter((b.joined_month == ibis.literal(month)) & (b.source == key[1]))


def _pair_drill(b, key, period):
    p = _pairs(b)
    return p.filter((p.x == key[0]) & (p.y == key[1])).select(customer_id=p.x_customer)


def _later_drill(b, key, period):
    p = _pairs(b)
    return p.filter((p.x == key[0]) & (p.y == key[1]) & (p.y_open > p.x_open)).select(
        customer_id=p.x_customer
    )


# name -> (number of key parts, selection)
DRILLS = {
    **{f"attr:{name}": (1, _attribute_drill(name)) for name in PROFILE_ATTRIBUTES},
    "attr:tenure": (1, _attribute_drill("tenure")),
    "attr:depth": (1, _attribute_drill("depth")),
    "attrition": (2, _attrition_drill),
    "cohort": (2, _cohort_drill),
    "cohort_size": (1, _cohort_size_drill),
    "holds": (1, _holds_drill),
    "product_margin": (1, _fees_or_holds_drill),
    "branch": (1, _branch_drill),
    "rm": (1, _rm_drill),
    "pareto": (1, _pareto_drill),
    "sales": (2, _sales_drill),
    "sales_branch": (1, _sales_branch_drill),
    "sales_rm": (1, _sales_rm_drill),
    "sales_branch_month": (2, _sales_branch_month_drill),
    "channel": (2, _channel_drill),
    "balance_branch_month": (2, _balance_drill("s_branch")),
    "balance_rm_month": (2, _balance_drill("s_rm")),
    "acquired": (1, _acquired_drill),
    "lost": (1, _lost_drill),
    "source": (2, _source_drill),
    "pair": (2, _pair_drill),
    "later": (2, _later_drill),
}


def drill(
    *, name: str, key: str, scope: Scope | None, period: Period, inputs: dict | None = None
) -> list[int]:
    """The ids (ascending) of the customers behind one bar or point of a chart."""
    found = DRILLS.get(name)
    if found is None:
        raise DrillError(name)
    parts, select = found
    key_parts = key.split("|")
    if len(key_parts) != parts:
        raise DrillError(key)
    b = base(scope, period.end)
    ids = select(b, key_parts, period).pipe(_ids).order_by("customer_id")
    rows = _fetch({"ids": ids}, inputs)["ids"]
    return [r["customer_id"] for r in rows]
