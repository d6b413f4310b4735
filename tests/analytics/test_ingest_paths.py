"""The loader's two ways of finding a chunk's new account numbers (Arrow for small chunks,
a DuckDB query for large ones) give the same rows and rejects; the read-ahead thread hands
its errors to the caller."""

import csv

import pyarrow as pa
import pytest

from bankcrm.analytics import ingest, tables
from bankcrm.integration.services import extracts_ingest
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT

pytestmark = pytest.mark.django_db

HEADER = "id,account,booked_at,amount,currency,balance_after,channel,category"
ROWS = [
    f"P001,{ALICE_CURRENT},2024-03-01 09:00:00,-10.00,CNY,90.00,pos,consumption",
    # the same account with spaces in it, as some extracts write it
    f"P002,{ALICE_CURRENT[:4]} {ALICE_CURRENT[4:8]} {ALICE_CURRENT[8:]},2024-03-01 09:05:00,"
    "-11.00,CNY,79.00,pos,consumption",
    "P003,12AB,2024-03-01 09:10:00,-12.00,CNY,,pos,consumption",  # not an account number
    "P004,6222020000000099,2024-03-01 09:15:00,-13.00,CNY,,pos,consumption",  # no such account
    "P005,,2024-03-01 09:20:00,-14.00,CNY,,pos,consumption",  # missing
    f"P006,{ALICE_SAVINGS},2024-03-01 09:25:00,500.00,CNY,500.00,mobile,transfer_in",
    f"P007,{BOB_CURRENT},2024-03-01 09:30:00,-15.00,CNY,935.00,atm,cash_withdrawal",
    "P008,12AB,2024-03-01 09:35:00,-16.00,CNY,,pos,consumption",  # malformed again, next chunk
    f"P009,{BOB_CURRENT},2024-03-01 09:40:00,-17.00,CNY,918.00,atm,cash_withdrawal",
]


@pytest.mark.parametrize("small_chunk", [0, 1_000_000], ids=["duckdb", "arrow"])
def test_both_account_lookups_give_the_same_rows_and_rejects(
    accounts, tmp_path, monkeypatch, small_chunk
):
    # given an extract with spaced, malformed, unknown and missing account numbers
    extract = tmp_path / "extract.csv"
    extract.write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="utf-8")
    rejects = tmp_path / "rejects.csv"
    monkeypatch.setattr(ingest, "SMALL_CHUNK", small_chunk)

    # when it is loaded in chunks of four rows
    summary = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=4, rejects_path=rejects
    )

    # then each row gets its account's customer or the right reason
    assert (summary.rows_read, summary.loaded, summary.rejected, summary.skipped) == (9, 5, 4, 0)
    with rejects.open(encoding="utf-8") as handle:
        assert list(csv.reader(handle))[1:] == [
            ["extract.csv", "3", "account", "invalid_account"],
            ["extract.csv", "4", "account", "unknown_account"],
            ["extract.csv", "5", "account", "required"],
            ["extract.csv", "8", "account", "invalid_account"],
        ]
    stored = tables.to_arrow(tables.table("transactions").order_by("id")).to_pylist()
    owners = {r["id"]: r["customer_id"] for r in stored}
    assert owners == {
        "P001": accounts["alice"].pk,
        "P002": accounts["alice"].pk,
        "P006": accounts["alice"].pk,
        "P007": accounts["bob"].pk,
        "P009": accounts["bob"].pk,
    }
    assert stored[0]["account_key"] == stored[1]["account_key"]


def test_a_read_error_in_the_read_ahead_thread_reaches_the_caller():
    # given chunks whose producer fails after the first one
    def chunks():
        yield pa.table({"x": [1]})
        raise ingest.IngestError("broken extract")

    # when they are consumed through the read-ahead, then the error is raised to the consumer
    seen = []
    with pytest.raises(ingest.IngestError, match="broken extract"):
        for chunk in ingest._ahead(chunks()):
            seen.append(chunk.num_rows)
    assert seen == [1]


def test_a_consumer_that_stops_early_stops_the_read_ahead_thread():
    # given an endless producer
    def endless():
        n = 0
        while True:
            n += 1
            yield n

    # when the consumer stops after three items
    taken = []
    for item in ingest._ahead(endless()):
        taken.append(item)
        if len(taken) == 3:
            break

    # then it got them in order and the producer thread has ended (joined on close)
    assert taken == [1, 2, 3]


def test_the_one_pass_path_loads_rejects_and_skips_like_the_staged_one(
    accounts, tmp_path, monkeypatch
):
    # given the end-to-end extract (good rows, bad rows, a repeated id) and every chunk
    # large enough for the one-pass path
    from tests.analytics.test_warehouse import ROWS as MIXED
    from tests.analytics.test_warehouse import _extract, _stored

    monkeypatch.setattr(ingest, "SMALL_CHUNK", 0)
    extract = _extract(tmp_path, MIXED)

    # when it is loaded in chunks of five rows, then loaded again
    first = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=5, rejects_path=tmp_path / "a.csv"
    )
    stored = _stored()
    again = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=5, rejects_path=tmp_path / "b.csv"
    )

    # then the counts, rejects and rows are those of the staged path, and the re-load adds
    # nothing
    assert (first.rows_read, first.loaded, first.rejected, first.skipped) == (12, 6, 5, 1)
    assert (again.loaded, again.rejected, again.skipped) == (0, 5, 7)
    for name in ("a.csv", "b.csv"):
        with (tmp_path / name).open(encoding="utf-8") as handle:
            assert [row[1:] for row in csv.reader(handle)][1:] == [
                ["7", "account", "unknown_account"],
                ["8", "booked_at", "invalid_date"],
                ["9", "amount", "too_many_decimals"],
                ["10", "channel", "unknown_value"],
                ["11", "amount", "zero_amount"],
            ]
    assert [r["id"] for r in stored] == ["T001", "T002", "T003", "T004", "T005", "T006"]
    assert _stored() == stored


@pytest.mark.parametrize("small_chunk", [0, 1_000_000], ids=["duckdb", "arrow"])
def test_a_batch_in_memory_learns_its_accounts_either_way(accounts, small_chunk, monkeypatch):
    # given a batch with a good, a spaced, a malformed and an unknown account number
    from datetime import UTC, datetime

    monkeypatch.setattr(ingest, "SMALL_CHUNK", small_chunk)
    numbers = [ALICE_CURRENT, f" {BOB_CURRENT[:8]} {BOB_CURRENT[8:]}", "12AB", "6222020000000099"]
    rows = pa.table(
        {
            "id": pa.array([f"M{i}" for i in range(4)], pa.string()),
            "account": pa.array(numbers, pa.string()),
            "booked_at": pa.array(
                [datetime(2024, 3, 1, tzinfo=UTC)] * 4, pa.timestamp("us", "UTC")
            ),
            "amount": pa.array(["-1.00"] * 4, pa.string()),
            "channel": pa.array(["pos"] * 4, pa.string()),
            "category": pa.array(["consumption"] * 4, pa.string()),
        }
    )

    # when it is loaded as one chunk
    result = ingest.ingest_rows(feed="transactions", rows=rows)

    # then the good and spaced numbers load, the others are rejected with their reasons
    assert (result.rows, result.loaded, result.rejected) == (4, 2, 2)
    assert [(r.row, r.reason) for r in result.rejects] == [
        (3, "invalid_account"),
        (4, "unknown_account"),
    ]
    stored = tables.to_arrow(tables.table("transactions").order_by("id")).to_pylist()
    assert [r["customer_id"] for r in stored] == [accounts["alice"].pk, accounts["bob"].pk]
