"""The warehouse end to end: ingest, dedupe, queries. Runs on DuckDB, and on Spark local[2]
under `pytest -m spark`, with the same expected figures (identical results on both)."""

import csv
from datetime import UTC, date, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.analytics import queries, tables
from bankcrm.integration.services import extracts_ingest
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BACKENDS, BOB_CURRENT

pytestmark = pytest.mark.django_db


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


HEADER = (
    "id,account,booked_at,amount,currency,balance_after,channel,category,"
    "merchant_category,counterparty,description"
)
ROWS = [
    f"T001,{ALICE_CURRENT},2024-01-10 09:00:00,8000.00,CNY,9000.00,online,salary,,ACME Ltd,Salary",
    f"T002,{ALICE_CURRENT},2024-01-31 23:30:00,-125.50,CNY,8874.50,pos,consumption,dining,"
    "Haidilao,",
    f"T003,{ALICE_SAVINGS},2024-02-01 10:00:00,5000.00,,5000.00,mobile,transfer_in,,,",
    f"T004,{ALICE_CURRENT},2024-02-05 12:00:00,-2000.00,CNY,6874.50,mobile,investment_purchase,,,",
    f"T005,{ALICE_CURRENT},2024-02-09 20:00:00,-300.00,CNY,6574.50,third_party,consumption,gifts,,",
    f"T006,{BOB_CURRENT},2024-02-10 08:00:00,-50.00,CNY,950.00,atm,cash_withdrawal,,,",
    # bad rows: unknown account, bad date, three decimals, unknown channel, zero amount
    "T007,6222020000000099,2024-02-10 08:00:00,-50.00,CNY,,atm,cash_withdrawal,,,",
    f"T008,{BOB_CURRENT},2024-02-30 08:00:00,-50.00,CNY,,atm,cash_withdrawal,,,",
    f"T009,{BOB_CURRENT},2024-02-11 08:00:00,-50.005,CNY,,atm,cash_withdrawal,,,",
    f"T010,{BOB_CURRENT},2024-02-11 08:00:00,-50.00,CNY,,fax,cash_withdrawal,,,",
    f"T011,{BOB_CURRENT},2024-02-11 08:00:00,0,CNY,,atm,cash_withdrawal,,,",
    # a repeated id: the first occurrence wins, the second is skipped as present
    f"T006,{BOB_CURRENT},2024-02-10 08:00:00,-50.00,CNY,950.00,atm,cash_withdrawal,,,",
]


def _extract(tmp_path, rows=ROWS, name="extract.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _stored():
    t = tables.table("transactions")
    return tables.to_arrow(t.order_by("id")).to_pylist()


def test_extract_loads_good_rows_and_rejects_bad_ones_with_reasons(accounts, tmp_path):
    # given an extract with six good rows, five bad ones and a repeated id
    extract = _extract(tmp_path)
    rejects = tmp_path / "rejects.csv"

    # when it is ingested in chunks of five rows
    summary = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=5, rejects_path=rejects
    )

    # then the good rows are loaded, the bad ones listed with row, column and reason
    assert (summary.rows_read, summary.loaded, summary.rejected, summary.skipped) == (12, 6, 5, 1)
    with rejects.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle)) == [
            ["file", "row", "column", "reason"],
            ["extract.csv", "7", "account", "unknown_account"],
            ["extract.csv", "8", "booked_at", "invalid_date"],
            ["extract.csv", "9", "amount", "too_many_decimals"],
            ["extract.csv", "10", "channel", "unknown_value"],
            ["extract.csv", "11", "amount", "zero_amount"],
        ]
    stored = _stored()
    assert [r["id"] for r in stored] == ["T001", "T002", "T003", "T004", "T005", "T006"]
    second = stored[1]
    # Shanghai 23:30 on 31 January is 15:30 UTC, booked on the bank's 31 January
    assert second["booked_at"] == datetime(2024, 1, 31, 15, 30, tzinfo=UTC)
    assert second["booking_date"] == date(2024, 1, 31)
    assert second["amount"] == Decimal("-125.50")
    assert second["balance_after"] == Decimal("8874.50")
    assert (second["channel"], second["category"], second["merchant_category"]) == (
        "pos",
        "consumption",
        "dining",
    )
    assert second["customer_id"] == accounts["alice"].pk
    assert stored[2]["currency"] == "CNY"  # the default for a blank currency
    assert ALICE_CURRENT not in str(stored)  # accounts are stored as their blind index only


def test_loading_the_same_extract_twice_adds_nothing(accounts, tmp_path):
    # given an extract already loaded
    extract = _extract(tmp_path)
    extracts_ingest(feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "r1.csv")
    before = _stored()

    # when it is loaded again
    summary = extracts_ingest(
        feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "r2.csv"
    )

    # then every good row is skipped as already present and the table is unchanged
    assert (summary.loaded, summary.rejected, summary.skipped) == (0, 5, 7)
    assert _stored() == before


def test_parquet_extract_with_another_banks_layout_through_a_mapping_file(accounts, tmp_path):
    # given a Parquet extract with its own column names, codes and a debit/credit flag
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        """
columns:
  id: JYLSH
  account: ZH
  booked_at: {column: JYSJ, format: "%Y%m%d%H%M%S"}
  amount: JYJE
  direction: {column: JDBZ, debit: D, credit: C}
  currency: {column: BZ, values: {"156": CNY}}
  balance_after: YE
  channel: {column: QD, values: {"01": counter, "05": pos}}
  category: {column: JYLX, values: {XF: consumption, GZ: salary}}
  merchant_category: SHLB
  counterparty: DFHM
  description: ZY
""",
        encoding="utf-8",
    )
    extract = tmp_path / "core.parquet"
    pq.write_table(
        pa.table(
            {
                "JYLSH": ["B1", "B2"],
                "ZH": [ALICE_CURRENT, BOB_CURRENT],
                "JYSJ": ["20240301083000", "20240302190000"],
                "JYJE": pa.array([Decimal("88.80"), Decimal("8000.00")], pa.decimal128(18, 2)),
                "JDBZ": ["D", "C"],
                "BZ": ["156", "156"],
                "YE": [Decimal("100.00"), Decimal("8950.00")],
                "QD": ["05", "01"],
                "JYLX": ["XF", "GZ"],
                "SHLB": ["groceries", None],
                "DFHM": ["Hema", "Employer"],
                "ZY": ["food", "wages"],
            }
        ),
        extract,
    )

    # when it is ingested with the mapping
    summary = extracts_ingest(
        feed="transactions",
        paths=[str(tmp_path / "*.parquet")],
        mapping_path=str(mapping),
        rejects_path=tmp_path / "rejects.csv",
    )

    # then the rows land in the warehouse's own vocabulary
    assert (summary.loaded, summary.rejected, summary.skipped) == (2, 0, 0)
    stored = _stored()
    assert [(r["id"], r["amount"], r["channel"], r["category"]) for r in stored] == [
        ("B1", Decimal("-88.80"), "pos", "consumption"),
        ("B2", Decimal("8000.00"), "counter", "salary"),
    ]
    assert stored[0]["booked_at"] == datetime(2024, 3, 1, 0, 30, tzinfo=UTC)
    assert stored[1]["customer_id"] == accounts["bob"].pk


def test_customer_figures_and_transaction_pages(accounts, tmp_path):
    # given Alice's and Bob's transactions in the warehouse
    extracts_ingest(
        feed="transactions", paths=[str(_extract(tmp_path))], rejects_path=tmp_path / "r.csv"
    )
    alice = accounts["alice"].pk

    # when the 360's figures are asked for, as of 15 February 2024
    figures = queries.customer_figures(customer_id=alice, months=2, today=date(2024, 2, 15))
    page = queries.transactions_page(
        customer_id=alice,
        filters=queries.TransactionFilters(direction="out"),
        page=1,
        page_size=2,
    )
    page2 = queries.transactions_page(
        customer_id=alice, filters=queries.TransactionFilters(direction="out"), page=2, page_size=2
    )

    # then they are exact
    assert figures.monthly_flows == [
        queries.MonthFlow(
            month=date(2024, 1, 1), inflow=Decimal("8000.00"), outflow=Decimal("125.50")
        ),
        queries.MonthFlow(
            month=date(2024, 2, 1), inflow=Decimal("5000.00"), outflow=Decimal("2300.00")
        ),
    ]
    assert figures.spending == [
        queries.Share(key="investment_purchase", amount=Decimal("2000.00"), count=1),
        queries.Share(key="gifts", amount=Decimal("300.00"), count=1),
        queries.Share(key="dining", amount=Decimal("125.50"), count=1),
    ]
    assert figures.channels == [
        queries.Share(key="mobile", amount=Decimal("7000.00"), count=2),
        queries.Share(key="online", amount=Decimal("8000.00"), count=1),
        queries.Share(key="pos", amount=Decimal("125.50"), count=1),
        queries.Share(key="third_party", amount=Decimal("300.00"), count=1),
    ]
    trend = {p.day: p.balance for p in figures.balance_trend}
    assert trend[date(2024, 1, 10)] == Decimal("9000.00")
    assert trend[date(2024, 2, 1)] == Decimal("13874.50")  # both accounts
    assert trend[date(2024, 2, 15)] == Decimal("11574.50")  # carried forward
    assert figures.transactions == 5
    assert figures.last_transaction_at == datetime(2024, 2, 9, 12, 0, tzinfo=UTC)
    assert [r.id for r in page.rows] == ["T005", "T004"] and page.has_next
    assert [r.id for r in page2.rows] == ["T002"] and not page2.has_next


def test_daily_balances_load_once_and_feed_the_balance_trend(accounts, tmp_path):
    # given a daily balances extract, with one unknown account and a repeated day
    extract = tmp_path / "balances.csv"
    extract.write_text(
        "account,balance_date,balance,currency\n"
        f"{ALICE_CURRENT},2024-02-01,100.00,CNY\n"
        f"{ALICE_SAVINGS},2024-02-01,50.00,CNY\n"
        f"{ALICE_CURRENT},2024-02-02,90.00,CNY\n"
        "6222020000000099,2024-02-02,1.00,CNY\n"
        f"{ALICE_CURRENT},2024-02-02,90.00,CNY\n",
        encoding="utf-8",
    )

    # when it is loaded twice
    first = extracts_ingest(feed="balances", paths=[str(extract)], rejects_path=tmp_path / "a.csv")
    again = extracts_ingest(feed="balances", paths=[str(extract)], rejects_path=tmp_path / "b.csv")
    figures = queries.customer_figures(
        customer_id=accounts["alice"].pk, months=1, today=date(2024, 2, 2)
    )

    # then three balances are stored once and the trend sums the accounts per day
    assert (first.loaded, first.rejected, first.skipped) == (3, 1, 1)
    assert (again.loaded, again.skipped) == (0, 4)
    assert figures.balance_trend == [
        queries.BalancePoint(day=date(2024, 2, 1), balance=Decimal("150.00")),
        queries.BalancePoint(day=date(2024, 2, 2), balance=Decimal("90.00")),
    ]


def test_files_written_before_a_column_was_added_read_it_as_null(lake, tmp_path):
    # given a customers snapshot file written without the later tags/consent columns
    from bankcrm.analytics import lake as lake_store
    from bankcrm.analytics import schema
    from bankcrm.analytics.models import LakeFile
    from bankcrm.analytics.segments import members, parse

    old_columns = [
        n for n in schema.CUSTOMERS.schema.names if n not in ("tags", "marketing_consents")
    ]
    arrow = schema.CUSTOMERS.schema.to_pyarrow()
    old = pa.table(
        {
            "customer_id": pa.array([1], pa.int64()),
            "birth_year": pa.array([1980], pa.int32()),
            "aum": pa.array([Decimal("10.00")], pa.decimal128(18, 2)),
            "synced_at": pa.array([datetime(2026, 1, 1, tzinfo=UTC)], pa.timestamp("us", "UTC")),
        }
    )
    for name in old_columns:
        if name not in old.column_names:
            old = old.append_column(name, pa.nulls(1, arrow.field(name).type))
    staged = lake_store.staging_path()
    pq.write_table(old.select(old_columns), staged)
    lake_store.commit(table="customers", staged=staged, rows=1, source=LakeFile.Source.SYNC)
    # when both readers read it
    rows = tables.to_arrow(tables.table("customers")).to_pylist()
    found = members(
        parse({"op": "and", "conditions": [{"field": "age", "op": "gt", "value": 1}]}),
        as_of=date(2026, 6, 30),
    )
    # then the missing columns are NULL and queries run
    assert [(r["customer_id"], r["tags"], r["marketing_consents"]) for r in rows] == [
        (1, None, None)
    ]
    assert found == [1]
