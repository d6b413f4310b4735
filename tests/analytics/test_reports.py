"""The 7P reports: figures worked out by hand on a bank of six customers, on DuckDB and on
Spark (-m spark), within each viewer's scope; every drill-down lists exactly a bar's count."""

from datetime import UTC, date, datetime
from decimal import Decimal as D

import pyarrow as pa
import pytest

from bankcrm.analytics import reports, schema
from bankcrm.analytics.reports import Bucket, Period
from bankcrm.analytics.segments import Scope
from tests.analytics.conftest import BACKENDS

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
PERIOD = Period(start=date(2026, 1, 1), end=AS_OF)
OLD, NOW = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 30, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _table(spec: schema.TableSpec, rows: list[dict]) -> pa.Table:
    arrow = spec.schema.to_pyarrow()
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in arrow.names} for row in rows], schema=arrow
    )


def _at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 2, tzinfo=UTC)  # 10:00 in Shanghai


def _customer(customer_id, birth_year, aum, created, stage="active", *, synced_at=NOW, **extra):
    return {
        "customer_id": customer_id,
        "birth_year": birth_year,
        "aum": D(aum),
        "liabilities": D(0),
        "created_at": _at(created),
        "updated_at": _at(extra.pop("updated", created)),
        "lifecycle_stage": stage,
        "synced_at": synced_at,
        "kind": "individual",
        **extra,
    }


CUSTOMERS = [
    _customer(
        1, 1990, "800000", date(2020, 3, 15), branch_id=10, rm_id=100,
        occupation="professional", province="北京", city="北京",
    ),
    _customer(
        2, 2000, "20000", date(2026, 2, 10), branch_id=11, rm_id=101,
        occupation="office_worker", province="上海", city="上海",
    ),
    # an older version of customer 2 (richer, at branch 10): only the newest version counts
    _customer(2, 2000, "9999999", date(2026, 2, 10), synced_at=OLD, branch_id=10, rm_id=100),
    _customer(
        3, 1955, "7000000", date(2010, 6, 1), "churned", updated=date(2026, 4, 20),
        branch_id=10, rm_id=100, occupation="retired", province="北京", city="北京",
    ),
    _customer(
        4, 1985, "100000", date(2026, 1, 5), branch_id=12, rm_id=102,
        province="广东", city="深圳",
    ),
    _customer(5, None, "600000", date(2025, 12, 20), "dormant", branch_id=11, rm_id=101),
    # joined after the period: in no figure
    _customer(6, 1980, "0", date(2026, 7, 5), "prospect", branch_id=10),
]  # fmt: skip


def _holding(holding_id, customer_id, product_type, opened, balance, *, status="active"):
    return {
        "holding_id": holding_id,
        "account_key": f"k{holding_id}",
        "customer_id": customer_id,
        "product_code": f"P-{product_type}",
        "product_type": product_type,
        "balance": D(balance),
        "status": status,
        "opened_on": opened,
        "synced_at": NOW,
    }


HOLDINGS = [
    _holding(1, 1, "demand_deposit", date(2020, 3, 15), "10000"),
    _holding(2, 1, "time_deposit", date(2026, 2, 1), "100000"),
    _holding(3, 2, "credit_card", date(2026, 2, 10), "-5000"),
    _holding(4, 2, "mortgage", date(2026, 3, 1), "0", status="closed"),
    _holding(5, 3, "wealth", date(2015, 1, 1), "50000"),
    _holding(6, 5, "fund", date(2025, 12, 20), "20000"),
    _holding(7, 4, "demand_deposit", date(2026, 1, 5), "3000"),
    _holding(8, 2, "demand_deposit", date(2026, 2, 10), "2000"),
    _holding(9, 5, "demand_deposit", date(2026, 5, 1), "1000"),
    _holding(10, 1, "wealth", date(2026, 4, 10), "30000"),
]


def _tx(tx_id, customer_id, account, day, amount, channel, category, balance_after=None):
    return {
        "id": tx_id,
        "account_key": account,
        "customer_id": customer_id,
        "booked_at": _at(day),
        "booking_date": day,
        "amount": D(amount),
        "currency": "CNY",
        "balance_after": D(balance_after) if balance_after is not None else None,
        "channel": channel,
        "category": category,
    }


TRANSACTIONS = [
    _tx("t1", 2, "k8", date(2026, 2, 15), "-100", "mobile", "consumption", "1900"),
    _tx("t2", 2, "k8", date(2026, 4, 15), "-50", "mobile", "transfer_out", "1850"),
    _tx("t3", 4, "k7", date(2026, 1, 20), "-30", "pos", "consumption", "2970"),
    _tx("t4", 4, "k7", date(2026, 1, 25), "10", "counter", "interest", "2980"),
    _tx("t5", 4, "k7", date(2026, 3, 2), "-20", "pos", "consumption", "2960"),
    _tx("t6", 1, "k1", date(2026, 6, 10), "15000", "counter", "salary"),
    _tx("t7", 1, "k1", date(2026, 6, 15), "-3000", "mobile", "consumption"),
    _tx("t8", 3, "k5", date(2026, 3, 1), "10", "counter", "interest"),
    _tx("t9", 1, "k1", date(2026, 7, 2), "-999", "mobile", "consumption"),  # after the period
]

VALUES = [
    {"run_id": "r1", "customer_id": 1, "value_tier": "gold", "rfm_cell": "champions",
     "contribution": D("5000")},
    {"run_id": "r1", "customer_id": 2, "value_tier": "standard", "rfm_cell": "new",
     "contribution": D("300"), "fee_income": D("25")},
    {"run_id": "r1", "customer_id": 3, "value_tier": "growth", "rfm_cell": "lost",
     "contribution": D("1200")},
    {"run_id": "r1", "customer_id": 4, "value_tier": "low", "rfm_cell": "hibernating",
     "contribution": D("-50")},
]  # fmt: skip


@pytest.fixture
def inputs(lake):
    return {
        "seg_customers": _table(schema.CUSTOMERS, CUSTOMERS),
        "seg_holdings": _table(schema.HOLDINGS, HOLDINGS),
        "seg_transactions": _table(schema.TRANSACTIONS, TRANSACTIONS),
        "seg_values": _table(schema.CUSTOMER_VALUES, VALUES),
    }


def _keys(buckets):
    return {b.key: b.customers for b in buckets}


# --- Profiling ------------------------------------------------------------------------------


def test_profiling_counts_each_segment(inputs):
    # when
    found = reports.profiling(scope=None, period=PERIOD, inputs=inputs)
    # then: customers 1-5 (6 joined after the period); customer 2 as of its newest version
    assert found.customers == 5
    assert found.aum == D("8520000.00")
    d = found.distributions
    assert _keys(d["value_tier"]) == {"gold": 1, "standard": 1, "growth": 1, "low": 1, "": 1}
    assert _keys(d["wealth_tier"]) == {"affluent": 2, "mass": 2, "private": 1}
    assert _keys(d["age_group"]) == {"middle": 2, "youth": 1, "senior": 1, "": 1}
    assert _keys(d["occupation"]) == {"professional": 1, "office_worker": 1, "retired": 1, "": 2}
    assert _keys(d["province"]) == {"北京": 2, "上海": 1, "广东": 1, "": 1}
    assert _keys(d["rfm_cell"]) == {"champions": 1, "new": 1, "lost": 1, "hibernating": 1, "": 1}
    assert d["wealth_tier"][0] == Bucket("affluent", 2, D("1400000.00"))


@pytest.mark.parametrize(
    ("scope", "customers", "tiers"),
    [
        (Scope(branch_ids=(10,)), 2, {"affluent": 1, "private": 1}),  # 1 and 3
        (Scope(branch_ids=(11, 12)), 3, {"mass": 2, "affluent": 1}),  # 2, 4 and 5
        (Scope(rm_id=101), 2, {"mass": 1, "affluent": 1}),  # 2 and 5
        (Scope(branch_ids=()), 0, {}),
    ],
)
def test_profiling_counts_only_the_viewers_customers(inputs, scope, customers, tiers):
    # when
    found = reports.profiling(scope=scope, period=PERIOD, inputs=inputs)
    # then
    assert found.customers == customers
    assert _keys(found.distributions["wealth_tier"]) == tiers


# --- Persistency ----------------------------------------------------------------------------


def test_persistency_tenure_depth_cohorts_and_attrition(inputs):
    # when
    found = reports.persistency(scope=None, period=PERIOD, inputs=inputs)
    # then: joined 2020 (6 years), 2010 (16 years), and three within the year
    assert _keys(found.tenure) == {"0-1": 3, "1-3": 0, "3-5": 0, "5-10": 1, "10+": 1}
    # product types of active holdings: 3, 2 (mortgage closed), 1, 1, 2
    assert _keys(found.depth) == {"0": 0, "1": 2, "2": 2, "3": 1, "4": 0, "5": 0}
    assert found.average_depth == D("1.80")
    # January's cohort (customer 4): consumption in January and March (interest is not activity)
    # February's (customer 2): February and April; no one joined from March to June
    assert [(c.month, c.size, c.active) for c in found.cohorts] == [
        (date(2026, 1, 1), 1, [1, 0, 1, 0, 0, 0]),
        (date(2026, 2, 1), 1, [1, 0, 1, 0, 0]),
        (date(2026, 3, 1), 0, [0, 0, 0, 0]),
        (date(2026, 4, 1), 0, [0, 0, 0]),
        (date(2026, 5, 1), 0, [0, 0]),
        (date(2026, 6, 1), 0, [0]),
    ]
    assert found.cohorts[0].shares == [
        D("100.0"),
        D("0.0"),
        D("100.0"),
        D("0.0"),
        D("0.0"),
        D("0.0"),
    ]
    tiers = {a.key: (a.customers, a.churned, a.dormant) for a in found.attrition["value_tier"]}
    assert tiers == {
        "gold": (1, 0, 0),
        "growth": (1, 1, 0),
        "standard": (1, 0, 0),
        "low": (1, 0, 0),
        "": (1, 0, 1),
    }
    wealth = {a.key: (a.customers, a.churned, a.rate) for a in found.attrition["wealth_tier"]}
    assert wealth == {
        "private": (1, 1, D("100.0")),
        "affluent": (2, 0, D("0.0")),
        "mass": (2, 0, D("0.0")),
    }


# --- Profitability --------------------------------------------------------------------------


def test_profitability_by_customer_product_branch_rm_and_pareto(inputs):
    # when
    found = reports.profitability(scope=None, period=PERIOD, inputs=inputs)
    # then: 5000 + 300 + 1200 - 50 + 0 (customer 5 has no values yet)
    assert found.contribution == D("6450.00")
    assert [t.customer_id for t in found.top] == [1, 3, 2, 5, 4]
    assert found.top[0].contribution == D("5000.00")
    # margins: |balance| x spread of active holdings; fees charged as their own bar
    assert [(b.key, b.customers, b.amount) for b in found.by_product] == [
        ("time_deposit", 1, D("600.00")),  # 100000 x 0.6%
        ("wealth", 2, D("400.00")),  # (50000 + 30000) x 0.5%
        ("demand_deposit", 4, D("288.00")),  # (10000 + 3000 + 2000 + 1000) x 1.8%
        ("credit_card", 1, D("200.00")),  # 5000 x 4%
        ("fund", 1, D("160.00")),  # 20000 x 0.8%
        ("fees", 1, D("25.00")),
    ]
    assert [(b.key, b.customers, b.amount) for b in found.by_branch] == [
        ("10", 2, D("6200.00")),
        ("11", 2, D("300.00")),
        ("12", 1, D("-50.00")),
    ]
    assert [(b.key, b.amount) for b in found.by_rm] == [
        ("100", D("6200.00")),
        ("101", D("300.00")),
        ("102", D("-50.00")),
    ]
    # 5000 + 1200 = 6200 >= 80% of 6450 (5160): two customers of five
    assert (found.customers_for_80, found.share_for_80) == (2, D("40.0"))
    assert [(p.customers_share, p.contribution_share) for p in found.pareto] == [
        (D("0"), D("0")),
        (D("20.0"), D("77.5")),
        (D("40.0"), D("96.1")),
        (D("60.0"), D("100.8")),
        (D("80.0"), D("100.8")),
        (D("100.0"), D("100.0")),
    ]


def test_profitability_of_a_branch_managers_subtree(inputs):
    # when
    found = reports.profitability(scope=Scope(branch_ids=(10,)), period=PERIOD, inputs=inputs)
    # then
    assert found.contribution == D("6200.00")
    assert [t.customer_id for t in found.top] == [1, 3]
    assert [b.key for b in found.by_branch] == ["10"]
    assert {b.key for b in found.by_product} == {"time_deposit", "wealth", "demand_deposit"}


# --- Performance ----------------------------------------------------------------------------


def test_performance_sales_channels_and_balances(inputs):
    # when
    found = reports.performance(scope=None, period=PERIOD, inputs=inputs)
    # then: holdings opened in the period (the closed mortgage too)
    assert [(m.month.month, m.key, m.count) for m in found.sales] == [
        (1, "demand_deposit", 1),
        (2, "credit_card", 1),
        (2, "demand_deposit", 1),
        (2, "time_deposit", 1),
        (3, "mortgage", 1),
        (4, "wealth", 1),
        (5, "demand_deposit", 1),
    ]
    assert [(b.key, b.customers, b.amount) for b in found.sales_by_branch] == [
        ("11", 2, D(4)),
        ("10", 1, D(2)),
        ("12", 1, D(1)),
    ]
    assert [(m.month.month, m.key, m.count, m.customers) for m in found.branch_months] == [
        (1, "12", 1, 1),
        (2, "10", 1, 1),
        (2, "11", 2, 1),  # customer 2's credit card and current account
        (3, "11", 1, 1),
        (4, "10", 1, 1),
        (5, "11", 1, 1),
    ]
    assert [(b.key, b.amount) for b in found.sales_by_rm] == [
        ("101", D(4)),
        ("100", D(2)),
        ("102", D(1)),
    ]
    assert [(m.month.month, m.key, m.count, m.amount) for m in found.channels] == [
        (1, "counter", 1, D("10.00")),
        (1, "pos", 1, D("30.00")),
        (2, "mobile", 1, D("100.00")),
        (3, "counter", 1, D("10.00")),
        (3, "pos", 1, D("20.00")),
        (4, "mobile", 1, D("50.00")),
        (6, "counter", 1, D("15000.00")),
        (6, "mobile", 1, D("3000.00")),
    ]
    assert [(b.key, b.customers, b.amount) for b in found.balances] == [
        ("time_deposit", 1, D("100000.00")),
        ("wealth", 2, D("80000.00")),
        ("fund", 1, D("20000.00")),
        ("demand_deposit", 4, D("16000.00")),
        ("credit_card", 1, D("-5000.00")),
    ]
    # month-end balances: the last balance each account's transactions left in the month
    assert [(m.month.month, m.key, m.amount) for m in found.balance_trend] == [
        (1, "demand_deposit", D("2980.00")),
        (2, "demand_deposit", D("1900.00")),
        (3, "demand_deposit", D("2960.00")),
        (4, "demand_deposit", D("1850.00")),
    ]
    # ... by the customer's current branch and RM (customer 2 moved from 10/100 to 11/101)
    assert [(m.month.month, m.key, m.amount, m.customers) for m in found.balance_by_branch] == [
        (1, "12", D("2980.00"), 1),
        (2, "11", D("1900.00"), 1),
        (3, "12", D("2960.00"), 1),
        (4, "11", D("1850.00"), 1),
    ]
    assert [(m.month.month, m.key, m.amount) for m in found.balance_by_rm] == [
        (1, "102", D("2980.00")),
        (2, "101", D("1900.00")),
        (3, "102", D("2960.00")),
        (4, "101", D("1850.00")),
    ]


def test_performance_of_an_rms_book(inputs):
    # when
    found = reports.performance(scope=Scope(rm_id=100), period=PERIOD, inputs=inputs)
    # then: customer 1 only (3 is the RM's too, but opened nothing in the period)
    assert [(m.month.month, m.key) for m in found.sales] == [(2, "time_deposit"), (4, "wealth")]
    assert [(m.month.month, m.key) for m in found.channels] == [
        (3, "counter"),
        (6, "counter"),
        (6, "mobile"),
    ]


# --- Prospecting ----------------------------------------------------------------------------


def test_prospecting_acquisition_loss_and_forecast(inputs):
    # when
    found = reports.prospecting(scope=None, period=PERIOD, inputs=inputs)
    # then: 1 and 3 joined long ago, 5 in December; 4 in January, 2 in February; 3 lost in April
    assert [(m.month.month, m.acquired, m.lost, m.customers) for m in found.months] == [
        (1, 1, 0, 4),
        (2, 1, 0, 5),
        (3, 0, 0, 5),
        (4, 0, 1, 4),
        (5, 0, 0, 4),
        (6, 0, 0, 4),
    ]
    assert found.customers == 4
    # source: the first holding's product type (2's credit card and current account opened the
    # same day: the first booked)
    assert [(m.month.month, m.key, m.count) for m in found.by_source] == [
        (1, "demand_deposit", 1),
        (2, "credit_card", 1),
    ]
    assert found.forecast_model == "AutoETS"
    assert [p.month for p in found.forecast] == [
        reports.add_months(date(2026, 7, 1), i) for i in range(12)
    ]
    assert all(p.low <= p.customers <= p.high for p in found.forecast)


# --- Product --------------------------------------------------------------------------------


def test_cross_holdings_and_affinity_rules(inputs):
    # when
    found = reports.product(scope=None, period=PERIOD, inputs=inputs)
    # then: active holdings {dd, td, wealth}, {cc, dd}, {wealth}, {dd}, {fund, dd}
    assert found.customers == 5
    assert found.holders == {
        "demand_deposit": 4,
        "wealth": 2,
        "time_deposit": 1,
        "credit_card": 1,
        "fund": 1,
    }
    assert found.types[:2] == ["demand_deposit", "wealth"]
    pairs = {(p.x, p.y): (p.customers, p.later) for p in found.pairs if p.x != p.y}
    assert pairs == {
        ("demand_deposit", "time_deposit"): (1, 1),
        ("time_deposit", "demand_deposit"): (1, 0),
        ("demand_deposit", "wealth"): (1, 1),
        ("wealth", "demand_deposit"): (1, 0),
        ("time_deposit", "wealth"): (1, 1),
        ("wealth", "time_deposit"): (1, 0),
        ("credit_card", "demand_deposit"): (1, 0),  # opened the same day
        ("demand_deposit", "credit_card"): (1, 0),
        ("fund", "demand_deposit"): (1, 1),
        ("demand_deposit", "fund"): (1, 0),
    }
    rules = {(r.x, r.y): (r.support, r.confidence, r.lift) for r in found.rules}
    assert rules[("demand_deposit", "wealth")] == (D("20.0"), D("25.0"), D("0.62"))
    assert rules[("wealth", "demand_deposit")] == (D("20.0"), D("50.0"), D("0.62"))
    assert rules[("time_deposit", "wealth")] == (D("20.0"), D("100.0"), D("2.50"))
    assert rules[("credit_card", "demand_deposit")] == (D("20.0"), D("100.0"), D("1.25"))
    assert (found.rules[0].x, found.rules[0].y) == ("time_deposit", "wealth")  # highest lift


# --- Dashboard ------------------------------------------------------------------------------


def test_dashboard_of_a_branch(inputs):
    # when
    found = reports.dashboard(scope=Scope(branch_ids=(11, 12)), period=PERIOD, inputs=inputs)
    # then: customers 2, 4 and 5
    assert (found.customers, found.aum, found.contribution) == (3, D("720000.00"), D("250.00"))
    assert (found.gold, found.acquired, found.lost) == (0, 2, 0)
    assert found.average_depth == D("1.67")
    assert [b.key for b in found.value_tiers] == ["standard", "low", ""]  # 5: not valued yet


# --- Drill-down -----------------------------------------------------------------------------

DRILLS = [
    # (drill, key, scope, customers)
    ("attr:value_tier", "gold", None, [1]),
    ("attr:wealth_tier", "affluent", None, [1, 5]),
    ("attr:age_group", "", None, [5]),
    ("attr:tenure", "0-1", None, [2, 4, 5]),
    ("attr:depth", "2", None, [2, 5]),
    ("attrition", "value_tier|growth", None, [3]),
    ("cohort", "2026-01|2", None, [4]),
    ("cohort_size", "2026-02", None, [2]),
    ("holds", "demand_deposit", None, [1, 2, 4, 5]),
    ("holds", "demand_deposit", Scope(rm_id=101), [2, 5]),
    ("product_margin", "fees", None, [2]),
    ("branch", "10", None, [1, 3]),
    ("rm", "101", None, [2, 5]),
    ("pareto", "2", None, [1, 3]),
    ("pareto", "2", Scope(branch_ids=(11, 12)), [2, 5]),
    ("sales", "2026-02|demand_deposit", None, [2]),
    ("sales_branch", "11", None, [2, 5]),
    ("sales_branch_month", "2026-02|11", None, [2]),
    ("channel", "2026-06|mobile", None, [1]),
    ("balance_branch_month", "2026-03|12", None, [4]),
    ("balance_rm_month", "2026-02|101", None, [2]),
    ("balance_rm_month", "2026-02|101", Scope(rm_id=102), []),
    ("acquired", "2026-01", None, [4]),
    ("lost", "2026-04", None, [3]),
    ("source", "2026-02|credit_card", None, [2]),
    ("pair", "demand_deposit|wealth", None, [1]),
    ("later", "fund|demand_deposit", None, [5]),
    ("attr:value_tier", "gold", Scope(branch_ids=(11,)), []),
]


@pytest.mark.parametrize(("name", "key", "scope", "expected"), DRILLS)
def test_drill_down_lists_the_customers_of_a_bar(inputs, name, key, scope, expected):
    # when
    found = reports.drill(name=name, key=key, scope=scope, period=PERIOD, inputs=inputs)
    # then
    assert found == expected


def test_every_profiling_bar_drills_to_its_count(inputs):
    # given
    found = reports.profiling(scope=None, period=PERIOD, inputs=inputs)
    # when
    lists = {
        (name, b.key): reports.drill(
            name=f"attr:{name}", key=b.key, scope=None, period=PERIOD, inputs=inputs
        )
        for name, buckets in found.distributions.items()
        for b in buckets
    }
    # then
    for (name, key), ids in lists.items():
        bucket = next(b for b in found.distributions[name] if b.key == key)
        assert len(ids) == bucket.customers, (name, key)


@pytest.mark.parametrize(("name", "key"), [("nope", "x"), ("sales", "2026-02"), ("cohort", "x|1")])
def test_unknown_drills_are_refused(inputs, name, key):
    with pytest.raises(reports.DrillError):
        reports.drill(name=name, key=key, scope=None, period=PERIOD, inputs=inputs)
