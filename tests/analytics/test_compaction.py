"""Lake compaction: small files rewritten clustered by customer, swapped in atomically."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from django.conf import settings
from django.core.management import call_command

from bankcrm.analytics import compaction, hooks, lake, queries, tables
from bankcrm.analytics.ingest import ingest_rows
from bankcrm.analytics.models import AccountBalance, LakeFile
from bankcrm.audit.models import AuditEvent
from bankcrm.integration.services import warehouse_sync
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories
from tests.analytics.conftest import BACKENDS
from tests.analytics.test_ingest_kill import _database_url

pytestmark = pytest.mark.django_db

CUSTOMERS = 5
PUSHES = 8
ROWS_PER_PUSH = 25
TARGET = 60  # rows per compacted file: 200 rows make four files


def _number(i: int) -> str:
    return f"62220300000{i:05d}"


@pytest.fixture
def book(bank, lake):
    """Five customers with one current account each, synced into the holdings snapshot."""
    deposit = factories.product(type=ProductType.DEMAND_DEPOSIT)
    owners = []
    for i in range(CUSTOMERS):
        owner = factories.customer(actor=bank.rm, name=f"客户{i}")
        holding_create(
            actor=bank.rm,
            customer=owner,
            product=deposit,
            account_number=_number(i),
            balance=Decimal("0.00"),
            opened_on=date(2020, 1, 1),
        )
        owners.append(owner)
    warehouse_sync()
    return owners


def _push(rows: list[tuple[str, int, datetime, str]]):
    """One real-time batch: (id, account index, booked_at, amount) → one lake file."""
    return ingest_rows(
        feed="transactions",
        rows=pa.table(
            {
                "id": pa.array([r[0] for r in rows], pa.string()),
                "account": pa.array([_number(r[1]) for r in rows], pa.string()),
                "booked_at": pa.array([r[2] for r in rows], pa.timestamp("us", "UTC")),
                "amount": pa.array([r[3] for r in rows], pa.string()),
                "balance_after": pa.array([r[3] for r in rows], pa.string()),
                "channel": pa.array(["mobile"] * len(rows), pa.string()),
                "category": pa.array(["transfer_in"] * len(rows), pa.string()),
            }
        ),
    )


def _row(n: int) -> tuple[str, int, datetime, str]:
    at = datetime(2025, 3, 1, tzinfo=UTC) + timedelta(hours=n)
    return (f"T{n:05d}", (n * 7) % CUSTOMERS, at, f"{(n * 37) % 1000 + 1}.{n % 100:02d}")


@pytest.fixture
def small_files(book):
    """Eight real-time pushes (eight small files, rows of every customer mixed), delivered."""
    for p in range(PUSHES):
        _push([_row(p * ROWS_PER_PUSH + i) for i in range(ROWS_PER_PUSH)])
    hooks.deliver()
    return book


def _content() -> list[dict]:
    rows = tables.to_arrow(tables.table("transactions")).to_pylist()
    return sorted(rows, key=lambda r: r["id"])


def _live():
    return list(LakeFile.objects.filter(table="transactions", retired_at__isnull=True))


@pytest.mark.parametrize("backend", BACKENDS)
def test_compaction_rewrites_small_files_by_customer_and_keeps_every_row(small_files, backend):
    # given eight small files of mixed customers
    before = _content()
    fingerprint = compaction.table_fingerprint("transactions")
    figures = {c.pk: queries.customer_figures(customer_id=c.pk) for c in small_files}
    assert len(_live()) == PUSHES and fingerprint["rows"] == PUSHES * ROWS_PER_PUSH

    # when the table is compacted, and compacted again
    result = compaction.lake_compact(table="transactions", target_rows=TARGET)
    again = compaction.lake_compact(table="transactions", target_rows=TARGET)

    # then the content is exactly the same: every row, once, with the same values
    assert _content() == before
    assert compaction.table_fingerprint("transactions") == fingerprint
    assert fingerprint["keys"] == fingerprint["rows"] == 200
    assert {c.pk: queries.customer_figures(customer_id=c.pk) for c in small_files} == figures
    # ... now in four compacted files sorted by customer over disjoint customer ranges
    live = _live()
    assert (result.files_in, result.files_out, result.rows) == (PUSHES, 4, 200)
    assert [f.source for f in live] == ["compaction"] * 4
    assert sum(f.rows for f in live) == 200
    ranges = []
    for f in live:
        data = pq.read_table(lake.root() / f.path)
        customers = data.column("customer_id").to_pylist()
        assert customers == sorted(customers)
        ids = data.column("id").to_pylist()
        assert (f.key_min, f.key_max) == (min(ids), max(ids))
        ranges.append((customers[0], customers[-1]))
    ranges.sort()
    assert all(a[1] < b[0] for a, b in zip(ranges, ranges[1:], strict=False))
    # ... the old files are retired, still on disk for readers that listed them
    retired = LakeFile.objects.filter(table="transactions", retired_at__isnull=False)
    assert retired.count() == PUSHES
    assert all((lake.root() / f.path).exists() for f in retired)
    # ... one audit event; the second run found nothing to do and recorded nothing
    events = AuditEvent.objects.filter(action="warehouse.compact")
    assert events.count() == 1
    event = events.get()
    assert event.object_id == "transactions"
    assert event.changes["rows"] == 200 and event.changes["files_out"] == 4
    assert (again.files_in, again.files_out) == (0, 0)

    # when a full compaction re-clusters the compacted files (delivered rows, though their
    # ids are past the hook's cursor) into one
    merged = compaction.lake_compact(table="transactions", target_rows=10_000, full=True)

    # then the content is still the same, in one file
    assert (merged.files_in, merged.files_out) == (4, 1)
    assert _content() == before


def test_a_reader_sees_the_old_set_or_the_new_one_and_old_files_outlive_the_grace(small_files):
    # given a reader that listed the files just before the compaction swapped them
    listed = lake.live_files("transactions")
    expected = compaction.table_fingerprint("transactions")

    # when the compaction swaps, with the default grace period
    compaction.lake_compact(table="transactions", target_rows=TARGET)

    # then that reader can still read its (old) set, with the same content as the new set
    assert compaction.table_fingerprint("transactions", listed) == expected
    assert compaction.table_fingerprint("transactions") == expected
    # ... the catalogue never lists both sets
    live = lake.live_files("transactions")
    assert not {f.id for f in live} & {f.id for f in listed}
    # ... a vacuum within the grace period keeps the old files; after it, deletes them
    assert lake.vacuum(grace=timedelta(hours=1)) == 0
    assert lake.vacuum(grace=timedelta(0)) == PUSHES
    assert not any(f.path.exists() for f in listed)
    assert not LakeFile.objects.filter(table="transactions", retired_at__isnull=False).exists()
    assert compaction.table_fingerprint("transactions") == expected


def test_a_crash_at_any_point_leaves_the_table_whole_and_a_rerun_completes(
    small_files, monkeypatch
):
    # given the table's content and catalogue before any compaction
    before = _content()
    catalogue = sorted(f.pk for f in _live())

    # when a compaction dies after writing its first output (before the swap) ...
    writes = {"n": 0}
    real_write = compaction._write_range

    def dies_on_second(*args, **kwargs):
        writes["n"] += 1
        if writes["n"] == 2:
            raise MemoryError("killed")
        return real_write(*args, **kwargs)

    monkeypatch.setattr(compaction, "_write_range", dies_on_second)
    with pytest.raises(MemoryError):
        compaction.lake_compact(table="transactions", target_rows=TARGET)
    monkeypatch.setattr(compaction, "_write_range", real_write)

    # ... and another dies inside the swap, after renaming its outputs into place, without
    # cleaning up after itself (as a killed process would not)
    from bankcrm.audit import services as audit_services

    def audit_dies(**kwargs):
        raise SystemExit("killed")

    monkeypatch.setattr(audit_services, "audit_record", audit_dies)
    monkeypatch.setattr(lake, "remove_object", lambda path: None)
    with pytest.raises(SystemExit):
        compaction.lake_compact(table="transactions", target_rows=TARGET, grace=timedelta(0))
    monkeypatch.undo()

    # then readers see exactly the old table: same files, nothing retired, nothing added
    assert sorted(f.pk for f in _live()) == catalogue
    assert LakeFile.objects.filter(table="transactions").count() == PUSHES
    assert _content() == before
    orphans = [p for p in (lake.root() / "transactions").glob("*/*.parquet")]
    assert len(orphans) == PUSHES + 4  # the crashed swap's renamed outputs, never listed

    # when the compaction is run again, and the grace period has passed for the debris
    result = compaction.lake_compact(table="transactions", target_rows=TARGET)
    assert lake.vacuum(grace=timedelta(0)) == PUSHES + 4  # retired inputs and orphans

    # then the table holds every row once, in the compacted files only
    assert result.files_in == PUSHES and result.files_out == 4
    assert _content() == before
    assert len(list((lake.root() / "transactions").glob("*/*.parquet"))) == 4
    assert not list((lake.root() / "_staging").glob("*"))
    assert AuditEvent.objects.filter(action="warehouse.compact").count() == 1


def test_a_realtime_push_during_compaction_keeps_its_rows(small_files):
    # given the content before, and a push that arrives while the outputs are being written
    before = _content()

    def push_meanwhile():
        # new rows, and one row the lake already has
        _push([_row(1000), _row(1001), _row(3)])

    # when the table is compacted with that push committing before the swap
    result = compaction.lake_compact(
        table="transactions", target_rows=TARGET, before_swap=push_meanwhile
    )

    # then the pushed rows are there, once each, in a file the compaction did not retire
    after = _content()
    assert [r["id"] for r in after] == sorted([r["id"] for r in before] + ["T01000", "T01001"])
    assert result.files_in == PUSHES
    pushed = [f for f in _live() if f.source == "realtime"]
    assert len(pushed) == 1 and pushed[0].rows == 2
    # ... and the hook still delivers them: the live balance moves to the newest push
    hooks.deliver()
    newest = AccountBalance.objects.get(transaction_id="T01001")
    assert newest.balance == Decimal(_row(1001)[3])


def test_a_push_that_listed_files_before_the_swap_and_commits_after_adds_no_duplicate(
    small_files, monkeypatch
):
    # given a push of one new row and one the lake has, whose dedupe snapshot is taken just
    # before a compaction swaps the files it would have read
    real_last = lake.last_file_id
    state = {"compacted": False}

    def snapshot_then_compact(table):
        found = real_last(table)
        if not state["compacted"]:
            state["compacted"] = True
            compaction.lake_compact(table="transactions", target_rows=TARGET)
        return found

    monkeypatch.setattr(lake, "last_file_id", snapshot_then_compact)

    # when it commits
    result = _push([_row(2000), _row(5)])

    # then the row already present is dropped at commit (re-checked against the new files)
    assert state["compacted"]
    assert (result.loaded, result.skipped) == (1, 1)
    ids = [r["id"] for r in _content()]
    assert len(ids) == len(set(ids)) == 201


def test_files_the_hook_has_not_delivered_are_left_alone(book):
    # given two pushes the hook's subscribers have not consumed yet
    _push([_row(i) for i in range(10)])
    _push([_row(i) for i in range(10, 20)])

    # when compaction runs before and after the delivery
    early = compaction.lake_compact(table="transactions", target_rows=TARGET)
    hooks.deliver()
    late = compaction.lake_compact(table="transactions", target_rows=TARGET)

    # then it waits for the delivery (compacted files are never delivered)
    assert early.files_in == 0
    assert (late.files_in, late.files_out) == (2, 1)
    assert AccountBalance.objects.count() == CUSTOMERS


def test_the_command_and_the_background_task(small_files, capsys):
    # when the command compacts the table, and the task runs again
    call_command(
        "compact_lake", "--table", "transactions", "--target-rows", str(TARGET), "--no-progress"
    )
    from bankcrm.analytics.tasks import compact_lake

    queued = compact_lake.enqueue(table="transactions", target_rows=TARGET)
    again = compact_lake.call(table="transactions", target_rows=TARGET)

    # then the command reports its work, and the task finds nothing left to do
    out = capsys.readouterr().out
    assert "transactions" in out and "200" in out
    assert queued.id
    assert again["files_in"] == 0 and again["table"] == "transactions"
    assert [f.source for f in _live()] == ["compaction"] * 4


def test_two_compactions_at_once_swap_once(small_files):
    # given a compaction that another compaction overtakes while it writes its outputs
    before = _content()

    def overtaken():
        compaction.lake_compact(table="transactions", target_rows=TARGET)

    # when the first tries to swap
    with pytest.raises(lake.StaleFiles):
        compaction.lake_compact(table="transactions", target_rows=TARGET, before_swap=overtaken)

    # then only the second's files are live, the first left nothing behind, no row doubled
    assert _content() == before
    assert [f.source for f in _live()] == ["compaction"] * 4
    assert LakeFile.objects.filter(source="compaction").count() == 4
    assert not list((lake.root() / "_staging").glob("*"))
    assert AuditEvent.objects.filter(action="warehouse.compact").count() == 1


@pytest.mark.django_db(transaction=True)
def test_a_compaction_process_killed_midway_leaves_the_table_whole(small_files):
    # given a real `bankcrm compact_lake` process writing five outputs (one per customer)
    before = _content()
    originals = sorted(f.pk for f in _live())
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bankcrm.config.test_settings",
        "DATABASE_URL": _database_url(),
        "BANKCRM_VAR_DIR": str(settings.VAR_DIR),
        "BANKCRM_LAKE_PATH": str(settings.WAREHOUSE_LAKE_PATH),
    }
    command = [
        str(Path(sys.executable).with_name("bankcrm")),
        "compact_lake",
        "--target-rows",
        "10",
        "--full",
        "--no-progress",
    ]
    process = subprocess.Popen(  # noqa: S603 - our own command line
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )

    # when it is killed (SIGKILL: no clean-up) as soon as its first output is staged
    staging = lake.root() / "_staging"
    deadline = time.monotonic() + 120
    while not (staging.exists() and any(staging.iterdir())):
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.002)
    process.send_signal(signal.SIGKILL)
    process.wait()

    # then readers see the whole table: the old set of files (or, had it got that far, the
    # new set), every row once
    live = sorted(f.pk for f in _live())
    assert live == originals or {f.source for f in _live()} == {"compaction"}
    assert _content() == before
    assert process.returncode == -signal.SIGKILL

    # when the command is run again, and the debris outlives the grace period
    rerun = subprocess.run(  # noqa: S603
        [*command, "--grace-minutes", "0"], env=env, capture_output=True, text=True, timeout=300
    )
    assert rerun.returncode == 0, rerun.stderr

    # then the table is compacted, with the same content, and nothing else is on disk
    assert {f.source for f in _live()} == {"compaction"}
    assert _content() == before
    on_disk = {p.relative_to(lake.root()).as_posix() for p in lake.root().glob("transactions/*/*")}
    assert on_disk == {f.path for f in _live()}
    assert not list(staging.glob("*"))


@pytest.mark.django_db(transaction=True)
def test_readers_running_during_compactions_always_see_the_whole_table(small_files):
    # given a reader thread that reads the whole table again and again
    import threading

    from django.db import connection as main_connection

    expected = compaction.table_fingerprint("transactions")
    seen: list[tuple[dict, frozenset]] = []
    errors: list[BaseException] = []
    stop = threading.Event()

    def reader():
        from django.db import connection

        try:
            while not stop.is_set():
                files = lake.live_files("transactions")
                sources = frozenset(f.source for f in files)
                seen.append((compaction.table_fingerprint("transactions", files), sources))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=reader)
    thread.start()

    # when the table is compacted three times over (each a swap of its files)
    try:
        while len(seen) < 3:
            time.sleep(0.01)
        compaction.lake_compact(table="transactions", target_rows=TARGET)
        compaction.lake_compact(table="transactions", target_rows=10_000, full=True)
        compaction.lake_compact(table="transactions", target_rows=TARGET, full=True)
        time.sleep(0.2)
    finally:
        stop.set()
        thread.join(timeout=60)
    main_connection.close()

    # then every read saw every row exactly once, before and after the swaps
    assert not errors
    assert {s for _, s in seen} >= {frozenset({"realtime"}), frozenset({"compaction"})}
    assert all(fingerprint == expected for fingerprint, _ in seen), len(seen)


def test_compacted_files_hold_one_month_each_sorted_by_customer(book):
    # given pushes whose rows spread over three months (booking days in Asia/Shanghai)
    for p in range(3):
        start = datetime(2025, 1 + p, 10, tzinfo=UTC)
        _push(
            [
                (f"M{p}{i:03d}", (i * 3) % CUSTOMERS, start + timedelta(hours=i), "1.00")
                for i in range(30)
            ]
        )
    hooks.deliver()
    before = _content()
    # when
    result = compaction.lake_compact(table="transactions", target_rows=TARGET, full=True)
    # then: every row kept; each file one month, customers in order
    assert _content() == before
    months = []
    for f in _live():
        data = pq.read_table(lake.root() / f.path)
        days = data.column("booking_date").to_pylist()
        assert len({(d.year, d.month) for d in days}) == 1
        customers = data.column("customer_id").to_pylist()
        assert customers == sorted(customers)
        months.append((days[0].year, days[0].month))
    assert sorted(set(months)) == [(2025, 1), (2025, 2), (2025, 3)]
    assert result.rows == 90
