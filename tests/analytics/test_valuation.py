"""Standard segmentations and customer value, worked out by hand for the five customers of
test_segments.py, on DuckDB and on Spark."""

from decimal import Decimal

import pytest

from bankcrm.analytics import valuation
from bankcrm.analytics.segments import run
from tests.analytics.conftest import BACKENDS
from tests.analytics.test_segments import AS_OF, bank_inputs  # noqa: F401 - a fixture

pytestmark = pytest.mark.django_db


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _values(inputs) -> dict[int, dict]:
    base = run(valuation.base_expression(as_of=AS_OF), inputs)
    scored = run(valuation.scores_expression(as_of=AS_OF, run_id="r9"), {"value_base": base})
    return {row["customer_id"]: row for row in scored.to_pylist()}


def test_every_figure_matches_the_hand_computed_one(bank_inputs):  # noqa: F811
    # when
    values = _values(bank_inputs)
    # then: one row per customer (the newest version of customer 2 only)
    assert sorted(values) == [1, 2, 3, 4, 5]
    pick = lambda *names: {c: tuple(v[n] for n in names) for c, v in values.items()}  # noqa: E731
    assert pick("age", "age_group", "wealth_tier") == {
        1: (36, "middle", "affluent"),
        2: (26, "youth", "mass"),
        3: (71, "senior", "private"),
        4: (41, "middle", "mass"),
        5: (None, None, "affluent"),
    }
    # RFM over the customer-started transactions of a year: 3 and 5 have none
    assert pick("recency_days", "frequency", "monetary") == {
        1: (15, 3, Decimal("5500.00")),
        2: (1, 2, Decimal("150.00")),
        3: (None, 0, Decimal("0.00")),
        4: (211, 1, Decimal("20000.00")),
        5: (None, 0, Decimal("0.00")),
    }
    assert pick("r_score", "f_score", "m_score", "rfm_cell") == {
        1: (3, 5, 3, "loyal"),
        2: (5, 3, 1, "potential_loyalists"),
        3: (1, 1, 1, "lost"),
        4: (1, 1, 5, "at_risk"),
        5: (1, 1, 1, "lost"),
    }
    # contribution: 1000 of balance in each active product times its spread, plus fees
    assert pick("deposit_margin", "loan_margin", "fee_income", "contribution") == {
        1: (Decimal("24.00"), Decimal("0.00"), Decimal("0.00"), Decimal("24.00")),
        2: (Decimal("0.00"), Decimal("40.00"), Decimal("25.00"), Decimal("65.00")),
        3: (Decimal("5.00"), Decimal("0.00"), Decimal("0.00"), Decimal("5.00")),
        4: (Decimal("0.00"), Decimal("0.00"), Decimal("0.00"), Decimal("0.00")),
        5: (Decimal("8.00"), Decimal("0.00"), Decimal("0.00"), Decimal("8.00")),
    }
    assert pick("contribution_rank", "value_tier") == {
        2: (1, "growth"),
        1: (2, "standard"),
        5: (3, "standard"),
        3: (4, "low"),
        4: (5, "low"),
    }
    # lifetime value = contribution x r / (1 + 0.08 - r)
    assert pick("retention", "clv", "clv_band") == {
        1: (Decimal("0.9200"), Decimal("138.00"), "high"),
        2: (Decimal("0.8500"), Decimal("240.22"), "very_high"),
        3: (Decimal("0.3000"), Decimal("1.92"), "low"),
        4: (Decimal("0.7000"), Decimal("0.00"), "very_low"),
        5: (Decimal("0.3000"), Decimal("3.08"), "medium"),
    }
    assert {v["run_id"] for v in values.values()} == {"r9"}


def test_every_rfm_pair_has_a_cell():
    import itertools

    import ibis

    pairs = list(itertools.product(range(1, 6), range(1, 6), range(1, 6)))
    t = ibis.memtable(
        {"r": [p[0] for p in pairs], "f": [p[1] for p in pairs], "m": [p[2] for p in pairs]}
    )
    cells = t.select(cell=valuation.rfm_cell(t.r, t.f, t.m)).to_pyarrow().column("cell")
    assert cells.null_count == 0
