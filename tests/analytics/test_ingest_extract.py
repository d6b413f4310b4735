"""A typed Parquet extract is loaded whole, in one pass of the warehouse engine
(Loader.load_extract): the same rows, rejects and summary as loading it in chunks, one commit,
and the chunked path whenever its ids are not all present, distinct and new. Runs on DuckDB,
and on Spark local[2] under `pytest -m spark`."""

import csv
from datetime import UTC, datetime
from decimal import Decimal

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from bankcrm.analytics import ingest, lake, tables
from bankcrm.analytics.mapping import build
from bankcrm.analytics.models import LakeFile
from bankcrm.integration.services import extracts_ingest
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BACKENDS, BOB_CURRENT

pytestmark = pytest.mark.django_db


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    """A wall-clock time in Shanghai, as a core system writes it (no zone)."""
    return datetime(2024, 1, day, hour, minute)  # noqa: DTZ001


SPACED = f"{ALICE_SAVINGS[:4]} {ALICE_SAVINGS[4:8]} {ALICE_SAVINGS[8:]}"
# (id, account, booked_at (Shanghai wall clock), amount, currency, channel, category)
ROWS = [
    ("E001", ALICE_CURRENT, _at(10, 9), "8000.000", "CNY", "online", "salary"),
    ("E002", ALICE_CURRENT, _at(31, 23, 30), "-125.500", " cny ", "POS", "consumption"),
    ("E003", SPACED, _at(11, 10), "5000.000", None, "mobile", "transfer_in"),
    ("E004", "6222020000000099", _at(12, 8), "-50.000", "CNY", "atm", "cash_withdrawal"),
    ("E005", "12AB", _at(12, 8), "-50.000", "CNY", "atm", "cash_withdrawal"),
    ("E006", None, _at(12, 8), "-50.000", "CNY", "atm", "cash_withdrawal"),
    ("E007", BOB_CURRENT, _at(12, 8), "-50.005", "CNY", "atm", "cash_withdrawal"),
    ("E008", BOB_CURRENT, _at(12, 8), "-50.000", "CNY", "fax", "cash_withdrawal"),
    ("E009", BOB_CURRENT, _at(12, 8), "0.000", "CNY", "atm", "cash_withdrawal"),
    ("E010", BOB_CURRENT, None, "-50.000", "CNY", "atm", "cash_withdrawal"),
    ("E011", BOB_CURRENT, _at(13, 7), "-60.000", "CNY", " ATM ", "cash_withdrawal"),
]
REJECTS = [
    ["4", "account", "unknown_account"],
    ["5", "account", "invalid_account"],
    ["6", "account", "required"],
    ["7", "amount", "too_many_decimals"],
    ["8", "channel", "unknown_value"],
    ["9", "amount", "zero_amount"],
    ["10", "booked_at", "required"],
]


def _parquet(path, rows=ROWS):
    ids, accounts, booked, amounts, currencies, channels, categories = zip(*rows, strict=True)
    pq.write_table(
        pa.table(
            {
                "id": list(ids),
                "account": list(accounts),
                "booked_at": pa.array(booked, pa.timestamp("us")),
                "amount": pa.array([Decimal(a) for a in amounts], pa.decimal128(18, 3)),
                "currency": list(currencies),
                "balance_after": pa.array([Decimal("100.00")] * len(rows), pa.decimal128(18, 2)),
                "channel": list(channels),
                "category": list(categories),
                "counterparty": ["  ACME Ltd "] * len(rows),
            }
        ),
        path,
        row_group_size=4,  # several row groups: the id check crosses their boundaries
    )
    return path


def _stored():
    return tables.to_arrow(tables.table("transactions").order_by("id")).to_pylist()


def _rejects(path):
    with path.open(encoding="utf-8") as handle:
        return [row[1:] for row in list(csv.reader(handle))[1:]]


def _chunked(monkeypatch):
    monkeypatch.setattr(ingest, "typed_extract", lambda path, mapping: None)


def test_a_typed_extract_loads_whole_with_the_rows_and_rejects_of_a_chunked_load(
    accounts, tmp_path, settings, monkeypatch
):
    # given a typed Parquet extract with good rows and every kind of bad one, in id order
    extract = _parquet(tmp_path / "extract.parquet")
    seen = []

    # when it is ingested (chunks of two rows, had it been loaded in chunks)
    whole = extracts_ingest(
        feed="transactions",
        paths=[str(extract)],
        chunk_rows=2,
        rejects_path=tmp_path / "whole.csv",
        progress=seen.append,
    )

    # then it is one commit, the good rows loaded and each bad one listed with its reason
    assert LakeFile.objects.filter(table="transactions").count() == 1
    assert (whole.rows_read, whole.loaded, whole.rejected, whole.skipped) == (11, 4, 7, 0)
    assert sum(seen) == 11
    assert _rejects(tmp_path / "whole.csv") == REJECTS
    stored = _stored()
    assert [r["id"] for r in stored] == ["E001", "E002", "E003", "E011"]
    second = stored[1]
    # Shanghai 23:30 on 31 January is 15:30 UTC, booked on the bank's 31 January
    assert second["booked_at"] == datetime(2024, 1, 31, 15, 30, tzinfo=UTC)
    assert second["booking_date"].isoformat() == "2024-01-31"
    assert (second["currency"], second["channel"], second["amount"]) == (
        "CNY",
        "pos",
        Decimal("-125.50"),
    )
    assert stored[2]["customer_id"] == accounts["alice"].pk  # the spaced account number
    assert stored[2]["currency"] == "CNY"  # the mapping's default for a missing currency
    assert stored[3]["channel"] == "atm"
    assert {r["counterparty"] for r in stored} == {"ACME Ltd"}

    # and loading the same file in chunks into an empty lake gives exactly the same
    LakeFile.objects.all().delete()
    settings.WAREHOUSE_LAKE_PATH = tmp_path / "chunked-lake"
    from bankcrm.integration.services import warehouse_sync

    warehouse_sync(full=True)
    _chunked(monkeypatch)
    chunked = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=2, rejects_path=tmp_path / "c.csv"
    )
    assert LakeFile.objects.filter(table="transactions").count() > 1
    assert (chunked.rows_read, chunked.loaded, chunked.rejected, chunked.skipped) == (11, 4, 7, 0)
    assert _rejects(tmp_path / "c.csv") == REJECTS
    assert _stored() == stored


def test_a_second_load_of_the_same_extract_takes_the_chunked_path_and_adds_nothing(
    accounts, tmp_path
):
    # given a typed extract already loaded whole
    extract = _parquet(tmp_path / "extract.parquet")
    extracts_ingest(feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "a.csv")
    before = _stored()

    # when it is loaded again (its ids overlap a committed file)
    again = extracts_ingest(
        feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "b.csv"
    )

    # then every good row is skipped as present, the bad ones rejected again
    assert (again.loaded, again.rejected, again.skipped) == (0, 7, 4)
    assert _stored() == before
    assert LakeFile.objects.filter(table="transactions").count() == 1


@pytest.mark.parametrize(
    "ids",
    [
        ["E001", "E002", "E003", "E003", "E005"],  # a repeated id
        ["E001", "E003", "E002", "E004", "E005"],  # out of order
        ["E001", "E002", None, "E004", "E005"],  # a missing id
        ["E001", "E002", " E002 ", "E004", "E005"],  # the same id once trimmed
    ],
    ids=["repeated", "unordered", "missing", "repeated-once-trimmed"],
)
def test_ids_that_are_not_all_present_distinct_and_ordered_load_in_chunks(accounts, tmp_path, ids):
    # given an extract whose ids the whole-file path cannot prove distinct
    rows = [(i, *ROWS[0][1:]) for i in ids]
    extract = _parquet(tmp_path / "extract.parquet", rows)

    # when it is ingested in chunks of two rows
    summary = extracts_ingest(
        feed="transactions", paths=[str(extract)], chunk_rows=2, rejects_path=tmp_path / "r.csv"
    )

    # then it took the chunked path, which keeps the first of a repeated id
    assert LakeFile.objects.filter(table="transactions").count() > 1
    distinct = sorted({i.strip() for i in ids if i})
    assert [r["id"] for r in _stored()] == distinct
    assert summary.loaded == len(distinct)
    assert summary.rows_read == 5


def test_a_load_that_dies_before_its_commit_leaves_nothing_and_its_rerun_is_a_clean_run(
    accounts, tmp_path, monkeypatch
):
    # given a whole-file load that dies after writing, before committing
    extract = _parquet(tmp_path / "extract.parquet")

    def crash(**_kwargs):
        raise RuntimeError("killed")

    with monkeypatch.context() as patch:
        patch.setattr(lake, "commit", crash)
        with pytest.raises(RuntimeError, match="killed"):
            extracts_ingest(
                feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "a.csv"
            )

    # then nothing is in the warehouse
    assert not LakeFile.objects.filter(table="transactions").exists()
    assert _stored() == []

    # and the re-run loads exactly one clean run's rows
    rerun = extracts_ingest(
        feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "b.csv"
    )
    assert (rerun.loaded, rerun.rejected, rerun.skipped) == (4, 7, 0)
    assert [r["id"] for r in _stored()] == ["E001", "E002", "E003", "E011"]


def test_which_extracts_load_whole(tmp_path):
    mapping = build("transactions")
    typed = _parquet(tmp_path / "typed.parquet")
    assert ingest.typed_extract(typed, mapping).names == [
        "id",
        "account",
        "booked_at",
        "amount",
        "currency",
        "balance_after",
        "channel",
        "category",
        "counterparty",
    ]
    # local times as text need the extract's formats: chunks
    text_times = tmp_path / "text.parquet"
    table = pq.read_table(typed)
    table = table.set_column(2, "booked_at", pa.array(["2024-01-10 09:00:00"] * len(ROWS)))
    pq.write_table(table, text_times)
    assert ingest.typed_extract(text_times, mapping) is None
    # instants with a zone, CSV files and balances: chunks
    zoned = tmp_path / "zoned.parquet"
    table = pq.read_table(typed)
    table = table.set_column(2, "booked_at", table.column(2).cast(pa.timestamp("us", "UTC")))
    pq.write_table(table, zoned)
    assert ingest.typed_extract(zoned, mapping) is None
    assert ingest.typed_extract(tmp_path / "x.csv", mapping) is None
    assert ingest.typed_extract(typed, build("balances")) is None
