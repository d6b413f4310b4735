"""The segment compiler: definitions checked with errors naming the bad condition, and
memberships computed by hand on a small bank of five customers, on DuckDB and on Spark."""

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pyarrow as pa
import pytest

from bankcrm.analytics import schema
from bankcrm.analytics.segments import DefinitionError, Scope, compile_segment, members, parse
from tests.analytics.conftest import BACKENDS

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 6, 30)
OLD, NOW = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _table(spec: schema.TableSpec, rows: list[dict]) -> pa.Table:
    arrow = spec.schema.to_pyarrow()
    return pa.Table.from_pylist(
        [{name: row.get(name) for name in arrow.names} for row in rows], schema=arrow
    )


def _customer(customer_id, birth_year, aum, *, synced_at=NOW, **extra):
    return {
        "customer_id": customer_id,
        "birth_year": birth_year,
        "aum": Decimal(aum),
        "liabilities": Decimal(0),
        "synced_at": synced_at,
        "kind": "individual",
        **extra,
    }


CUSTOMERS = [
    _customer(
        1,
        1990,
        "800000",
        gender="F",
        branch_id=10,
        rm_id=100,
        occupation="professional",
        tags=["7", "9"],
        marketing_consents=["email", "sms"],
    ),
    _customer(
        2,
        2000,
        "20000",
        gender="M",
        branch_id=11,
        rm_id=101,
        occupation="office_worker",
        tags=["9"],
        marketing_consents=[],
    ),
    # an older version of customer 2: only the newest version counts
    _customer(2, 2000, "9999999", synced_at=OLD, branch_id=11, rm_id=101),
    _customer(3, 1955, "7000000", gender="F", branch_id=10, rm_id=100, occupation="retired"),
    _customer(4, 1985, "100000", gender="M", branch_id=12, rm_id=102),
    _customer(5, None, "600000", gender="F", branch_id=11, rm_id=101),
]


def _holding(holding_id, customer_id, product_type, *, status="active", matures_in=None):
    return {
        "holding_id": holding_id,
        "account_key": f"k{holding_id}",
        "customer_id": customer_id,
        "product_code": f"P-{product_type}",
        "product_type": product_type,
        "balance": Decimal("1000.00"),
        "status": status,
        "matures_on": AS_OF + timedelta(days=matures_in) if matures_in is not None else None,
        "synced_at": NOW,
    }


HOLDINGS = [
    _holding(1, 1, "demand_deposit"),
    _holding(2, 1, "time_deposit", matures_in=20),
    _holding(3, 2, "credit_card"),
    _holding(4, 2, "mortgage", status="closed"),
    _holding(5, 3, "wealth", matures_in=100),
    _holding(6, 5, "fund"),
]


def _tx(tx_id, customer_id, day, amount, channel, category, merchant=None):
    return {
        "id": tx_id,
        "account_key": f"c{customer_id}",
        "customer_id": customer_id,
        "booked_at": datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
        "booking_date": day,
        "amount": Decimal(amount),
        "currency": "CNY",
        "channel": channel,
        "category": category,
        "merchant_category": merchant,
    }


TRANSACTIONS = [
    _tx("t1", 1, date(2026, 6, 10), "15000", "counter", "salary"),
    _tx("t2", 1, date(2026, 6, 15), "-3000", "mobile", "consumption", "dining"),
    _tx("t3", 1, date(2026, 5, 1), "-2000", "online", "consumption", "shopping"),
    _tx("t4", 1, date(2026, 1, 10), "-500", "pos", "consumption", "dining"),
    _tx("t5", 2, date(2026, 6, 29), "-100", "pos", "consumption", "groceries"),
    _tx("t6", 2, date(2026, 4, 15), "-50", "mobile", "transfer_out"),
    _tx("t7", 3, date(2026, 3, 1), "10", "counter", "interest"),
    _tx("t8", 4, date(2025, 12, 1), "-20000", "counter", "consumption", "travel"),
    _tx("t10", 2, date(2026, 3, 1), "-25", "counter", "fee"),
    # after the as-of day: never counted
    _tx("t9", 5, date(2026, 7, 2), "-999", "mobile", "consumption", "dining"),
]

VALUES = [
    {"run_id": "r1", "customer_id": 1, "rfm_cell": "champions", "value_tier": "gold"},
    {"run_id": "r1", "customer_id": 2, "rfm_cell": "new", "value_tier": "standard"},
    {"run_id": "r1", "customer_id": 3, "rfm_cell": "lost", "value_tier": "growth"},
    {"run_id": "r1", "customer_id": 4, "rfm_cell": "hibernating", "value_tier": "low"},
]


@pytest.fixture
def bank_inputs(lake):
    from bankcrm.customers.models import Tag

    Tag.objects.create(pk=7, name="代发工资", name_en="Payroll")
    Tag.objects.create(pk=9, name="高净值", name_en="High net worth")
    return {
        "seg_customers": _table(schema.CUSTOMERS, CUSTOMERS),
        "seg_holdings": _table(schema.HOLDINGS, HOLDINGS),
        "seg_transactions": _table(schema.TRANSACTIONS, TRANSACTIONS),
        "seg_values": _table(schema.CUSTOMER_VALUES, VALUES),
    }


def cond(field, op, value, **extra):
    return {"field": field, "op": op, "value": value, **extra}


def _members(inputs, *conditions, op="and", scope=None):
    definition = parse({"op": op, "conditions": list(conditions)})
    return members(definition, as_of=AS_OF, scope=scope, inputs=inputs)


CASES = [
    # (conditions, members worked out by hand from the tables above)
    ([cond("age", "between", [30, 45])], [1, 4]),
    ([cond("marketing_consent", "in", ["sms", "wechat"])], [1]),
    ([cond("marketing_consent", "not_in", ["email"])], [2, 3, 4, 5]),  # none recorded: not in
    ([cond("tags", "in", ["7"])], [1]),
    ([cond("tags", "not_in", ["7"])], [2, 3, 4, 5]),
    ([cond("age_group", "in", ["senior"])], [3]),
    ([cond("age_group", "not_in", ["senior"])], [1, 2, 4]),  # 5 has no birth year
    ([cond("wealth_tier", "in", ["affluent", "private"])], [1, 3, 5]),
    ([cond("aum", "gte", 600000)], [1, 3, 5]),
    ([cond("gender", "in", ["F"])], [1, 3, 5]),
    ([cond("occupation", "not_in", ["retired"])], [1, 2]),  # 4 and 5: no occupation
    (
        [cond("tx_amount", "gte", 5000, window_days=90, category="consumption")],
        [1],  # 3000 + 2000 within 90 days; customer 4's 20000 is older
    ),
    (
        [cond("tx_amount", "gte", 5000, window_days=90, category="consumption", channel="mobile")],
        [],
    ),
    ([cond("tx_amount", "gt", 0, window_days=365, category="dining")], [1]),
    ([cond("salary_credit", "is", True, window_days=30)], [1]),
    ([cond("salary_credit", "is", False, window_days=30)], [2, 3, 4, 5]),
    ([cond("digital_share", "gte", 0.5, window_days=90)], [1, 2]),  # 2/3 and 1/2
    ([cond("days_since_last_tx", "lte", 30)], [1, 2]),  # 15 and 1 days
    ([cond("days_since_last_tx", "gt", 100)], [3, 4]),  # 121 and 211; 5 has none
    ([cond("product_type", "in", ["time_deposit", "wealth"])], [1, 3]),
    ([cond("product_type", "not_in", ["credit_card"])], [1, 3, 4, 5]),
    ([cond("product_type", "in", ["mortgage"])], []),  # closed
    ([cond("maturity_within", "is", True, window_days=30)], [1]),
    ([cond("maturity_within", "is", True, window_days=120)], [1, 3]),
    ([cond("rfm_cell", "in", ["champions", "new"])], [1, 2]),
    ([cond("rfm_cell", "not_in", ["lost"])], [1, 2, 4]),  # 5 has no values yet
    ([cond("value_tier", "in", ["gold", "growth"])], [1, 3]),
    ([cond("balance_trend", "in", ["falling"], window_days=90)], [2]),
    ([cond("balance_trend", "in", ["flat"], window_days=90)], [3, 4, 5]),
    ([cond("aum_change", "lt", 0, window_days=90)], [2]),
    ([cond("tx_count", "gte", 2, window_days=90)], [1, 2]),
    ([cond("tx_count", "eq", 0, window_days=90)], [3, 4, 5]),
    (
        [
            cond("age_group", "in", ["middle"]),
            {
                "op": "or",
                "conditions": [
                    cond("wealth_tier", "in", ["private"]),
                    cond("salary_credit", "is", True, window_days=30),
                ],
            },
        ],
        [1],
    ),
]


@pytest.mark.parametrize(("conditions", "expected"), CASES)
def test_memberships_match_the_hand_computed_ones(bank_inputs, conditions, expected):
    assert _members(bank_inputs, *conditions) == expected


def test_or_joins_conditions(bank_inputs):
    found = _members(
        bank_inputs,
        cond("age_group", "in", ["youth"]),
        cond("wealth_tier", "in", ["private"]),
        op="or",
    )
    assert found == [2, 3]


def test_a_compound_segment_of_six_conditions(bank_inputs):
    # 1 is the only middle-aged affluent customer with salary, mobile spending, a maturing
    # deposit and a good RFM cell
    found = _members(
        bank_inputs,
        cond("age", "gte", 30),
        cond("wealth_tier", "in", ["affluent", "private"]),
        cond("salary_credit", "is", True, window_days=90),
        cond("tx_amount", "gte", 1000, window_days=90, channel="mobile"),
        cond("maturity_within", "is", True, window_days=60),
        cond("rfm_cell", "in", ["champions", "loyal"]),
    )
    assert found == [1]


def test_scope_limits_the_members(bank_inputs):
    wealthy = cond("wealth_tier", "in", ["affluent", "private"])
    assert _members(bank_inputs, wealthy, scope=Scope(branch_ids=(10,))) == [1, 3]
    assert _members(bank_inputs, wealthy, scope=Scope(rm_id=101)) == [5]
    assert _members(bank_inputs, wealthy, scope=Scope(branch_ids=())) == []


# ---------------------------------------------------------------------------------------------
# Validation (no warehouse needed)

BAD = [
    ({"op": "xor", "conditions": [cond("age", "gt", 1)]}, "", '"and" or "or"'),
    ({"op": "and", "conditions": []}, "", "non-empty list"),
    ({"op": "and", "conditions": [cond("shoe_size", "gt", 1)]}, "conditions[0]", "Unknown field"),
    ({"op": "and", "conditions": [cond("age", "in", ["1"])]}, "conditions[0]", "operators"),
    ({"op": "and", "conditions": [cond("tx_count", "gt", 1)]}, "conditions[0]", "window"),
    (
        {"op": "and", "conditions": [cond("age", "gt", 1, window_days=30)]},
        "conditions[0]",
        "takes no window",
    ),
    (
        {"op": "and", "conditions": [cond("gender", "in", ["X"])]},
        "conditions[0]",
        "Not a choice of Gender: X",
    ),
    (
        {"op": "and", "conditions": [cond("age", "between", [50, 30])]},
        "conditions[0]",
        "must not exceed",
    ),
    ({"op": "and", "conditions": [cond("aum", "gt", "lots")]}, "conditions[0]", "number"),
    (
        {"op": "and", "conditions": [cond("tx_count", "gt", 1, window_days=30, channel="fax")]},
        "conditions[0]",
        "Unknown channel",
    ),
    (
        {"op": "and", "conditions": [cond("aum", "gt", 1, category="salary")]},
        "conditions[0]",
        "cannot be narrowed",
    ),
    (
        {
            "op": "and",
            "conditions": [
                cond("age", "gt", 1),
                {
                    "op": "or",
                    "conditions": [
                        cond("age", "gt", 1),
                        cond("salary_credit", "is", 1, window_days=30),
                    ],
                },
            ],
        },
        "conditions[1].conditions[1]",
        "true or false",
    ),
    ({"op": "and", "conditions": [cond("age", "gt", 1)], "extra": 1}, "", "Unknown keys: extra"),
]


@pytest.mark.parametrize(("document", "path", "message"), BAD)
def test_a_bad_definition_names_the_bad_condition(document, path, message):
    from django.utils import translation

    with translation.override("en"), pytest.raises(DefinitionError) as error:
        parse(document)
    assert error.value.path == path
    assert message in error.value.message


def test_groups_nest_at_most_four_deep():
    leaf = cond("age", "gt", 1)
    document = {"op": "and", "conditions": [leaf]}
    for _ in range(4):
        document = {"op": "and", "conditions": [document]}
    with pytest.raises(DefinitionError) as error:
        parse(document)
    assert error.value.path == "conditions[0].conditions[0].conditions[0].conditions[0]"


def test_the_error_is_translated(settings):
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(DefinitionError) as error:
        parse({"op": "and", "conditions": [cond("shoe_size", "gt", 1)]})
    assert "未知字段" in error.value.message


def test_every_behaviour_condition_shares_one_pass_over_the_transactions(lake):
    definition = parse(
        {
            "op": "and",
            "conditions": [
                cond("age", "gte", 30),
                cond("wealth_tier", "in", ["affluent"]),
                cond("tx_amount", "gte", 1000, window_days=90, channel="mobile"),
                cond("salary_credit", "is", True, window_days=90),
                cond("rfm_cell", "in", ["champions"]),
                cond("product_type", "in", ["fund"]),
            ],
        }
    )
    expr = compile_segment(definition, as_of=AS_OF)
    sql = lake.compile(expr)
    assert expr.columns == ("customer_id",)
    assert len(re.findall(r"[`\"]seg_transactions[`\"]", sql)) == 1


def test_the_preview_counts_samples_and_distributes_the_members(bank_inputs):
    from bankcrm.analytics.segments import preview

    definition = parse(
        {"op": "and", "conditions": [cond("wealth_tier", "in", ["affluent", "private"])]}
    )
    # when
    found = preview(definition, scope=None, as_of=AS_OF, sample_size=2, inputs=bank_inputs)
    # then: customers 1, 3 and 5
    assert found.count == 3
    assert found.sample == [1, 3]
    assert found.distributions == {
        "age_group": [("", 1), ("middle", 1), ("senior", 1)],
        "wealth_tier": [("affluent", 2), ("private", 1)],
        "gender": [("F", 3)],
        "rfm_cell": [("", 1), ("champions", 1), ("lost", 1)],
    }
