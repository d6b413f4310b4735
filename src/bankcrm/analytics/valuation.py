"""Customer value and the standard segmentations, computed for every customer.

For each customer, as of a day: age and age group (青年 / 中年 / 老年), AUM and wealth tier
(mass / affluent 贵宾 / private banking), RFM (recency, frequency and monetary value of the
transactions the customer starts over a year; scores 1-5 by rank among active customers, named
cells), yearly contribution (margin on balances by product type plus fees charged; rank and
gold / growth / standard / low-value tier) and lifetime value (contribution x r / (1 + d - r),
r the yearly retention of the RFM cell, d the discount rate). Thresholds, spreads and
retention rates are settings (config/settings.py, VALUE_*); docs/segmentation.md explains
each figure and its assumptions.

A refresh runs in two steps: per-customer base figures for ranges of customer ids (one Parquet
part per range: the unit of progress and of resumption), then the scores over all parts (ranks
need every customer), written as one versioned set of rows (`run_id`) of the lake table
`customer_values`. Everything is Ibis over the warehouse: DuckDB or Spark.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
from django.conf import settings

from bankcrm.analytics import lake, schema, tables
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.segments import (
    CUSTOMERS,
    HOLDINGS,
    TRANSACTIONS,
    age_group_expr,
    wealth_tier_expr,
)
from bankcrm.analytics.tables import latest

LIABILITY_TYPES = ("personal_loan", "mortgage", "credit_card")
WORK = dt.Decimal(28, 8)  # arithmetic on money and rates (one type: Ibis mixes no others)

# The base figures of one range of customers (step 1), read back for scoring (step 2).
BASE_SCHEMA = ibis.schema(
    {
        "customer_id": dt.Int64(nullable=False),
        "branch_id": dt.Int64(),
        "rm_id": dt.Int64(),
        "age": dt.Int64(),
        "aum": schema.MONEY,
        "last_day": dt.Date(),
        "frequency": dt.Int64(),
        "monetary": schema.MONEY,
        "deposit_margin": schema.MONEY,
        "loan_margin": schema.MONEY,
        "fee_income": schema.MONEY,
    }
)
BASE = ibis.table(BASE_SCHEMA, name="value_base")


def _rate(value: str | Decimal) -> ibis.Value:
    return ibis.literal(Decimal(value), type=WORK)


def base_expression(*, as_of: date, low: int | None = None, high: int | None = None) -> ibis.Table:
    """Step 1: per customer (ids from `low` to `high`), the raw figures the scores need."""
    c = latest(CUSTOMERS, "customers")
    h = latest(HOLDINGS, "holdings")
    t = TRANSACTIONS
    if low is not None:
        c = c.filter(c.customer_id.between(low, high))
        h = h.filter(h.customer_id.between(low, high))
        t = t.filter(t.customer_id.between(low, high))
    since = ibis.literal(as_of - timedelta(days=settings.VALUE_RFM_WINDOW_DAYS - 1))
    t = t.filter((t.booking_date >= since) & (t.booking_date <= ibis.literal(as_of)))
    started = t.category.isin(list(settings.VALUE_RFM_CATEGORIES))
    activity = t.group_by(t_key=t.customer_id).aggregate(
        last_day=t.booking_date.max(where=started),
        frequency=t.count(where=started),
        monetary=t.amount.abs().sum(where=started),
        fee_income=(-t.amount).sum(where=t.category == "fee"),
    )
    h = h.filter(h.status == "active")
    spread = ibis.cases(
        *[(h.product_type == kind, _rate(value)) for kind, value in settings.VALUE_SPREADS.items()],
        else_=_rate(0),
    )
    margin = h.balance.abs().cast(WORK) * spread
    liability = h.product_type.isin(list(LIABILITY_TYPES))
    margins = h.group_by(h_key=h.customer_id).aggregate(
        deposit_margin=margin.sum(where=~liability),
        loan_margin=margin.sum(where=liability),
    )
    j = c.left_join(activity, c.customer_id == activity.t_key).left_join(
        margins, c.customer_id == margins.h_key
    )
    money = schema.MONEY
    return j.select(
        customer_id=j.customer_id,
        branch_id=j.branch_id,
        rm_id=j.rm_id,
        age=(ibis.literal(as_of.year) - j.birth_year.cast("int64")),
        aum=j.aum.cast(money),
        last_day=j.last_day,
        frequency=j.frequency.fill_null(0).cast("int64"),
        monetary=j.monetary.fill_null(0).cast(money),
        deposit_margin=j.deposit_margin.fill_null(0).round(2).cast(money),
        loan_margin=j.loan_margin.fill_null(0).round(2).cast(money),
        fee_income=j.fee_income.fill_null(0).cast(money),
    )


def _score(rank: ibis.Value) -> ibis.Value:
    """A percent rank (0..1) as a score 1..5; ties share a score."""
    return ibis.least((rank * 5).floor().cast("int64") + 1, 5)


RFM_RULES = (
    # (cell, R condition, FM condition), first match wins; every (R, FM) pair is covered.
    ("champions", lambda r: r >= 4, lambda fm: fm >= 4),
    ("loyal", lambda r: r >= 3, lambda fm: fm >= 3),
    ("cannot_lose", lambda r: r <= 2, lambda fm: fm >= 4),
    ("at_risk", lambda r: r <= 2, lambda fm: fm == 3),
    ("potential_loyalists", lambda r: r >= 4, lambda fm: fm == 2),
    ("new", lambda r: r == 5, lambda fm: fm == 1),
    ("promising", lambda r: r == 4, lambda fm: fm == 1),
    ("need_attention", lambda r: r == 3, lambda fm: fm == 2),
    ("about_to_sleep", lambda r: r == 3, lambda fm: fm == 1),
    ("hibernating", lambda r: r == 2, lambda fm: fm <= 2),
    ("lost", lambda r: r == 1, lambda fm: fm <= 2),
)


def rfm_cell(r: ibis.Value, f: ibis.Value, m: ibis.Value) -> ibis.Value:
    fm = (f + m + 1) // 2  # the mean of F and M, halves rounded up
    return ibis.cases(*[(when_r(r) & when_fm(fm), cell) for cell, when_r, when_fm in RFM_RULES])


def scores_expression(*, as_of: date, run_id: str) -> ibis.Table:
    """Step 2: scores, cells, ranks, tiers and lifetime value over every customer's base."""
    b = BASE
    active = b.frequency > 0
    b = b.mutate(
        _active=active,
        recency_days=ibis.cases(
            (active, ibis.literal(as_of).epoch_days() - b.last_day.epoch_days()),
            else_=ibis.null(dt.int64),
        ).cast("int64"),
    )
    in_active = {"group_by": b._active}
    r_rank = ibis.percent_rank().over(order_by=ibis.desc(b.recency_days), **in_active)
    f_rank = ibis.percent_rank().over(order_by=b.frequency, **in_active)
    m_rank = ibis.percent_rank().over(order_by=b.monetary, **in_active)
    b = b.mutate(
        r_score=ibis.cases((b._active, _score(r_rank)), else_=1),
        f_score=ibis.cases((b._active, _score(f_rank)), else_=1),
        m_score=ibis.cases((b._active, _score(m_rank)), else_=1),
        contribution=(b.deposit_margin + b.loan_margin + b.fee_income).cast(schema.MONEY),
    )
    b = b.mutate(
        rfm_cell=rfm_cell(b.r_score, b.f_score, b.m_score),
        contribution_rank=ibis.row_number().over(
            order_by=[ibis.desc(b.contribution), b.customer_id]
        )
        + 1,
        _share=ibis.cume_dist().over(order_by=[ibis.desc(b.contribution), b.customer_id]),
    )
    gold, growth, standard = (Decimal(v) for v in settings.VALUE_TIER_SHARES)
    positive = b.contribution > 0
    retention = ibis.cases(
        *[(b.rfm_cell == cell, _rate(r)) for cell, r in settings.VALUE_RETENTION.items()],
        else_=_rate(0),
    )
    d = _rate(settings.VALUE_DISCOUNT_RATE)
    b = b.mutate(
        value_tier=ibis.cases(
            (positive & (b._share <= float(gold)), "gold"),
            (positive & (b._share <= float(growth)), "growth"),
            (positive & (b._share <= float(standard)), "standard"),
            else_="low",
        ),
        retention=retention,
        clv=(b.contribution.cast(WORK) * retention / (_rate(1) + d - retention)).round(2),
    )
    clv_rank = ibis.percent_rank().over(order_by=b.clv)
    b = b.mutate(
        clv_band=ibis.cases(
            (clv_rank >= 0.8, "very_high"),
            (clv_rank >= 0.6, "high"),
            (clv_rank >= 0.4, "medium"),
            (clv_rank >= 0.2, "low"),
            else_="very_low",
        ),
        age_group=age_group_expr(b.age),
        wealth_tier=wealth_tier_expr(b.aum),
        run_id=ibis.literal(run_id),
        as_of=ibis.literal(as_of),
    )
    return warehouse().conform(b, schema.CUSTOMER_VALUES)


# ---------------------------------------------------------------------------------------------
# Running a refresh (the service in analytics/services.py records it; this does the work)

Progress = Callable[[int, int], object]  # (parts done, parts in all)


def run_dir(run_id: str) -> Path:
    return lake.root() / "_values" / run_id


def customer_id_ranges(part_rows: int) -> list[tuple[int, int]]:
    """Ranges of customer ids of about `part_rows` customers each (from the snapshot)."""
    c = latest(CUSTOMERS, "customers")
    w = warehouse()
    with w.lock():
        tables.bind_inputs(seg_customers=tables.live_input("customers"))
        try:
            found = (
                tables.Query(
                    c.aggregate(low=c.customer_id.min(), high=c.customer_id.max(), n=c.count())
                )
                .fetch()
                .to_pylist()[0]
            )
        finally:
            w.unbind("seg_customers")
    if not found["n"]:
        return []
    parts = max(1, -(-found["n"] // part_rows))
    low, high = found["low"], found["high"]
    step = -(-(high - low + 1) // parts)
    return [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]


def _write(expr: ibis.Table, target: Path, **inputs) -> None:
    """Write an expression's rows to `target` atomically (a part left half-written by a killed
    run is never taken as done)."""
    w = warehouse()
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True) if partial.is_dir() else partial.unlink(
        missing_ok=True
    )
    with w.lock():
        tables.bind_inputs(**inputs)
        try:
            w.run_parquet(w.compile(expr), partial)
        finally:
            for name in inputs:
                w.unbind(name)
    os.replace(partial, target)


def compute_parts(
    *, run_id: str, as_of: date, ranges: list[tuple[int, int]], progress: Progress | None = None
) -> list[Path]:
    """Step 1 for every range whose part is not written yet (a re-run resumes here)."""
    folder = run_dir(run_id)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    inputs = {
        "seg_customers": tables.live_input("customers"),
        "seg_holdings": tables.live_input("holdings"),
        "seg_transactions": tables.live_input("transactions"),
    }
    for index, (low, high) in enumerate(ranges):
        target = folder / f"part-{index:05d}.parquet"
        if not target.exists():
            _write(base_expression(as_of=as_of, low=low, high=high), target, **inputs)
        paths.append(target)
        if progress is not None:
            progress(index + 1, len(ranges))
    return paths


def publish(*, run_id: str, as_of: date, parts: list[Path]) -> lake.LakeObject | None:
    """Step 2: score every customer and commit the run's rows to `customer_values`."""
    from bankcrm.analytics.models import LakeFile

    existing = lake.live_files("customer_values", run=run_id)
    if existing:
        return existing[0]  # committed before a crash: nothing to redo
    staged = lake.staging_path()
    w = warehouse()
    with w.lock():
        w.bind_files("value_base", parts, BASE_SCHEMA)
        try:
            w.run_parquet(w.compile(scores_expression(as_of=as_of, run_id=run_id)), staged)
        finally:
            w.unbind("value_base")
    rows = lake.object_rows(staged)
    committed = lake.commit(
        table="customer_values",
        staged=staged,
        rows=rows,
        source=LakeFile.Source.DERIVED,
        run=run_id,
    )
    shutil.rmtree(run_dir(run_id), ignore_errors=True)
    return committed


# ---------------------------------------------------------------------------------------------
# Reading one customer's values (the customer 360)

VALUES_OF = ibis.table(schema.CUSTOMER_VALUES.schema, name="values_of")


def customer_values(*, customer_id: int) -> tuple[dict | None, dict | None]:
    """The customer's values in the current run and in the run before it (None where the
    customer or the run is missing)."""
    from bankcrm.analytics.models import ValueRun

    runs = list(
        ValueRun.objects.filter(status=ValueRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .values_list("run_id", flat=True)[:2]
    )
    files = [f for run_id in runs for f in lake.live_files("customer_values", run=run_id)]
    if not files:
        return None, None
    w = warehouse()
    with w.lock():
        w.bind_files(
            "values_of",
            [f.path for f in files],
            schema.CUSTOMER_VALUES.schema,
            ("customer_id", int(customer_id)),
        )
        try:
            rows = tables.Query(VALUES_OF).fetch().to_pylist()
        finally:
            w.unbind("values_of")
    by_run = {row["run_id"]: row for row in rows}
    found = [by_run.get(run_id) for run_id in runs] + [None, None]
    return found[0], found[1]


def assumptions() -> dict:
    """What the lifetime value assumes, to show beside it."""
    return {
        "discount_rate": Decimal(settings.VALUE_DISCOUNT_RATE),
        "retention": {cell: Decimal(r) for cell, r in settings.VALUE_RETENTION.items()},
        "rfm_window_days": settings.VALUE_RFM_WINDOW_DAYS,
        "tier_shares": tuple(Decimal(v) for v in settings.VALUE_TIER_SHARES),
    }
