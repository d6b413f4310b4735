"""Warehouse benchmarks: `python -m benchmarks.warehouse` (part of `make bench`).

1. Batch ingestion of N transactions (default 50,000,000) as one Parquet file and as one CSV
   file: `bankcrm ingest transactions FILE` (a separate process, its peak RSS measured) against a
   raw DuckDB `CREATE TABLE AS SELECT * FROM read_parquet(...)` / `read_csv(...)` of the same
   file into a DuckDB database file, in the same run. Targets: ours ≤ 2.0× raw for Parquet,
   ≤ 2.5× for CSV, peak memory ≤ 4 GiB.
2. The real-time endpoint: a real HTTP server on 127.0.0.1 (`bankcrm runserver`), batches of
   500 transactions pushed one after another with fresh Idempotency-Keys, for a bounded number
   of batches. Target: ≥ 2,000 transactions/s.

Everything lives under benchmarks/out/warehouse/ (its own SQLite database, lake and files).
Results: benchmarks/out/warehouse.json; docs/benchmarks.md records them.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BANKCRM_BENCH_OUT", ROOT / "benchmarks" / "out" / "warehouse"))
RESULTS = OUT.parent / f"{OUT.name}.json"
BIN = Path(sys.executable).parent
GiB = 1024**3


def _env(lake: Path | None = None) -> dict[str, str]:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="bankcrm.config.settings",
        BANKCRM_VAR_DIR=str(OUT),
        BANKCRM_DEBUG="0",
        BANKCRM_HOME=str(ROOT),
    )
    env.pop("DATABASE_URL", None)
    if lake is not None:
        env["BANKCRM_LAKE_PATH"] = str(lake)
    return env


def machine() -> dict:
    memory = 0
    with open("/proc/meminfo", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("MemTotal:"):
                memory = int(line.split()[1]) * 1024
    cpu = ""
    with open("/proc/cpuinfo", encoding="ascii", errors="replace") as handle:
        for line in handle:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "memory_gib": round(memory / GiB, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
    }


def _setup_django(lake: Path) -> None:
    os.environ.update(_env(lake))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def holdings_snapshot(accounts: int) -> float:
    """The account map: `accounts` current accounts of accounts/2 customers, in the lake."""
    import pyarrow as pa

    from bankcrm.analytics.models import LakeFile
    from bankcrm.analytics.snapshots import snapshot_append
    from bankcrm.common import crypto

    started = time.perf_counter()
    LakeFile.objects.filter(table="holdings").delete()
    now = datetime.now(UTC)
    step = 250_000
    for start in range(0, accounts, step):
        ids = range(start, min(start + step, accounts))
        keys = [crypto.warehouse_pseudonym("account_number", f"62220{j:011d}") for j in ids]
        n = len(keys)
        snapshot_append(
            table="holdings",
            rows=pa.table(
                {
                    "holding_id": pa.array([j + 1 for j in ids], pa.int64()),
                    "account_key": keys,
                    "customer_id": pa.array([j // 2 + 1 for j in ids], pa.int64()),
                    "product_code": ["DD01"] * n,
                    "product_type": ["demand_deposit"] * n,
                    "currency": ["CNY"] * n,
                    "balance": pa.nulls(n, pa.decimal128(18, 2)),
                    "status": ["active"] * n,
                    "opened_on": pa.array([now.date()] * n, pa.date32()),
                    "matures_on": pa.nulls(n, pa.date32()),
                    "branch_id": pa.array([1] * n, pa.int64()),
                    "updated_at": pa.array([now] * n, pa.timestamp("us", "UTC")),
                    "synced_at": pa.array([now] * n, pa.timestamp("us", "UTC")),
                }
            ),
        )
    return time.perf_counter() - started


GENERATE = """
SELECT
  'T' || lpad(i::VARCHAR, 12, '0') AS id,
  '62220' || lpad((hash(i) % {accounts})::VARCHAR, 11, '0') AS account,
  TIMESTAMP '2025-01-01 00:00:00' + to_seconds((i * 31536000 // {rows})::BIGINT) AS booked_at,
  CASE WHEN hash(i * 3) % 10 = 0 THEN ((hash(i * 7) % 2000000) + 100)::DECIMAL(18,2) / 100
       ELSE -(((hash(i * 7) % 50000) + 1)::DECIMAL(18,2) / 100) END AS amount,
  'CNY' AS currency,
  ((hash(i * 11) % 10000000) + 100)::DECIMAL(18,2) / 100 AS balance_after,
  ['counter','atm','mobile','online','pos','third_party'][((hash(i * 13) % 6) + 1)::BIGINT]
    AS channel,
  CASE WHEN hash(i * 3) % 10 = 0 THEN 'salary' ELSE 'consumption' END AS category,
  CASE WHEN hash(i * 3) % 10 = 0 THEN NULL
       ELSE ['dining','groceries','shopping','travel','transport']
            [((hash(i * 17) % 5) + 1)::BIGINT]
       END AS merchant_category,
  ['Meituan','Alipay merchant','JD.com','Hema','Didi'][((hash(i * 19) % 5) + 1)::BIGINT]
    AS counterparty,
  'card payment' AS description
FROM range({rows}) AS r(i)
"""


def extract_files(rows: int, accounts: int) -> tuple[Path, Path, float]:
    """The benchmark's extract, as Parquet and as CSV (kept between runs of the same size)."""
    import duckdb

    parquet = OUT / f"transactions-{rows}.parquet"
    csv = OUT / f"transactions-{rows}.csv"
    started = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = true")
    query = GENERATE.format(rows=rows, accounts=accounts)
    if not parquet.exists():
        tmp = parquet.with_suffix(".tmp")
        con.execute(f"COPY ({query}) TO '{tmp}' (FORMAT parquet, ROW_GROUP_SIZE 1000000)")
        tmp.rename(parquet)
    if not csv.exists():
        tmp = csv.with_suffix(".tmp")
        con.execute(f"COPY (SELECT * FROM read_parquet('{parquet}')) TO '{tmp}' (HEADER)")
        tmp.rename(csv)
    con.close()
    return parquet, csv, time.perf_counter() - started


def raw_duckdb(path: Path, reader: str) -> float:
    """Raw DuckDB: CREATE TABLE AS SELECT * FROM read_xxx(file) into a database file."""
    import duckdb

    database = OUT / "raw.duckdb"
    for p in (database, database.with_suffix(".duckdb.wal")):
        p.unlink(missing_ok=True)
    started, cpu = time.perf_counter(), time.process_time()
    con = duckdb.connect(str(database))
    con.execute(f"CREATE TABLE t AS SELECT * FROM {reader}('{path}')")  # noqa: S608
    con.close()
    elapsed = time.perf_counter() - started
    RAW_CPU[reader] = round(time.process_time() - cpu, 1)
    database.unlink(missing_ok=True)
    return elapsed


RAW_CPU: dict[str, float] = {}

# Runs argv[1:], passes its output through, and ends stderr with one JSON line:
# [exit status, the child's peak RSS in KiB, its CPU seconds].
LAUNCHER = """
import json, os, subprocess, sys
child = subprocess.Popen(sys.argv[1:])
_pid, status, usage = os.wait4(child.pid, 0)
code = os.waitstatus_to_exitcode(status)
print(json.dumps([code, usage.ru_maxrss, usage.ru_utime + usage.ru_stime]), file=sys.stderr)
"""


def ours(path: Path, lake: Path) -> dict:
    """`bankcrm ingest transactions FILE` in its own process: wall time and peak RSS."""
    from bankcrm.analytics.models import HookCursor, LakeFile

    LakeFile.objects.filter(table="transactions").delete()
    HookCursor.objects.all().delete()
    shutil.rmtree(lake / "transactions", ignore_errors=True)
    command = [str(BIN / "bankcrm"), "ingest", "transactions", str(path), "--no-progress"]
    command += ["--rejects", str(OUT / "rejects.csv")]
    started = time.perf_counter()
    # Through a small launcher: Linux keeps a process's peak RSS across exec, so a command
    # forked straight from this process (which has just held the raw load's gigabytes) would
    # report this process's peak as its own. The launcher is small when it forks the ingest.
    completed = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-c", LAUNCHER, *command],
        env=_env(lake),
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - started
    out, err = completed.stdout, completed.stderr
    status, maxrss_kib, cpu = json.loads(err.strip().splitlines()[-1])
    if status != 0:
        raise SystemExit(f"ingest failed ({status}): {err[-2000:]}")
    loaded = LakeFile.objects.filter(table="transactions")
    return {
        "seconds": round(elapsed, 1),
        "peak_rss_gib": round(maxrss_kib * 1024 / GiB, 2),
        # CPU seconds (user + system, all threads): less sensitive than wall time to other
        # work on a shared machine.
        "cpu_seconds": round(cpu, 1),
        "loaded": sum(f.rows for f in loaded),
        "files": loaded.count(),
        "summary": out.strip().splitlines(),
    }


def realtime(lake: Path, batches: int, size: int, port: int, accounts: int) -> dict:
    """Push `batches` batches of `size` transactions to a real server on 127.0.0.1."""
    from bankcrm.org.models import Staff
    from bankcrm.org.roles import Role
    from bankcrm.org.services import api_token_create, branch_create

    admin = Staff.objects.filter(username="bench-feed").first()
    if admin is None:
        head = branch_create(code="B00", name="总行", name_en="Head office", parent=None)
        admin = Staff(username="bench-feed", role=Role.SYSTEM_ADMIN, branch=head)
        admin.set_unusable_password()
        admin.save()
    _record, token = api_token_create(staff=admin, name=f"bench {time.time()}")
    # The batch loads above left their rows for the background worker to deliver to the hook;
    # a worker that has caught up is the state in which pushes arrive, so start from there.
    from bankcrm.analytics import lake as lake_store
    from bankcrm.analytics.models import HookCursor

    caught_up = lake_store.last_file_id("transactions")
    for name in ("live_balances",):
        HookCursor.objects.update_or_create(name=name, defaults={"last_file_id": caught_up})
    import socket

    with socket.socket() as probe:  # the port must be free: another server's answers are not ours
        if probe.connect_ex(("127.0.0.1", port)) == 0:
            raise SystemExit(f"port {port} is already in use; pass --port")
    server = subprocess.Popen(  # noqa: S603 - our own command
        [str(BIN / "bankcrm"), "runserver", f"127.0.0.1:{port}", "--noreload"],
        env=_env(lake),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}/api/v1/ingest/transactions"
    try:
        deadline = time.monotonic() + 60
        while True:  # wait for the server to answer
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/openapi.json", timeout=2)  # noqa: S310
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.5)
        base = datetime(2026, 6, 1, tzinfo=UTC)
        stamp = int(time.time())
        sent = loaded = 0
        latencies = []

        def batch(b: int) -> bytes:
            rows = []
            for k in range(size):
                i = b * size + k
                rows.append(
                    {
                        "id": f"R{stamp}{i:09d}",
                        "account": f"62220{(i * 7919) % accounts:011d}",
                        "booked_at": (base + timedelta(seconds=i)).isoformat(),
                        "amount": f"-{(i % 500) + 1}.{i % 100:02d}",
                        "balance_after": f"{10000 + i % 977}.00",
                        "channel": "third_party",
                        "category": "consumption",
                        "merchant_category": "dining",
                        "counterparty": "Meituan",
                    }
                )
            return json.dumps({"transactions": rows}).encode()

        bodies = [batch(b) for b in range(batches + 2)]
        for warm in range(2):  # first requests compile the queries
            _post(url, token, bodies[warm], f"warm-{stamp}-{warm}")
        started = time.perf_counter()
        for b in range(2, batches + 2):
            t0 = time.perf_counter()
            answer = _post(url, token, bodies[b], f"bench-{stamp}-{b}")
            latencies.append(time.perf_counter() - t0)
            sent += size
            loaded += answer["loaded"]
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    latencies.sort()
    return {
        "batches": batches,
        "batch_size": size,
        "transactions": sent,
        "loaded": loaded,
        "seconds": round(elapsed, 2),
        "transactions_per_second": round(sent / elapsed),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000),
        "p95_ms": round(latencies[int(len(latencies) * 0.95) - 1] * 1000),
    }


def _post(url: str, token: str, body: bytes, key: str) -> dict:
    request = urllib.request.Request(  # noqa: S310 - loopback only
        url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        },
    )
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
        return json.loads(response.read())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000_000)
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--batches", type=int, default=60, help="real-time batches of 500")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--skip-batch", action="store_true", help="only the real-time part")
    parser.add_argument(
        "--formats", default="parquet,csv", help="the batch extracts to time (parquet,csv)"
    )
    parser.add_argument("--skip-realtime", action="store_true", help="only the batch part")
    args = parser.parse_args(argv)
    OUT.mkdir(parents=True, exist_ok=True)
    lake = OUT / "lake"
    _setup_django(lake)
    report: dict = {
        "command": " ".join(["python -m benchmarks.warehouse", *(argv or sys.argv[1:])]),
        "machine": machine(),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_at_start": os.getloadavg(),
    }
    print(f"holdings snapshot of {args.accounts:,} accounts …", flush=True)
    report["holdings_snapshot_seconds"] = round(holdings_snapshot(args.accounts), 1)
    if not args.skip_batch:
        print(f"extract files of {args.rows:,} transactions …", flush=True)
        parquet, csv, made = extract_files(args.rows, args.accounts)
        report["files"] = {
            "parquet_gib": round(parquet.stat().st_size / GiB, 2),
            "csv_gib": round(csv.stat().st_size / GiB, 2),
            "generated_seconds": round(made, 1),
        }
        for kind, path, reader, target in (
            ("parquet", parquet, "read_parquet", 2.0),
            ("csv", csv, "read_csv", 2.5),
        ):
            if kind not in args.formats.split(","):
                continue
            print(f"{kind}: raw DuckDB …", flush=True)
            raw = raw_duckdb(path, reader)
            print(f"{kind}: bankcrm ingest …", flush=True)
            mine = ours(path, lake)
            report[kind] = {
                "raw_duckdb_seconds": round(raw, 1),
                "bankcrm_ingest": mine,
                "ratio": round(mine["seconds"] / raw, 2),
                "raw_duckdb_cpu_seconds": RAW_CPU[reader],
                "cpu_ratio": round(mine["cpu_seconds"] / max(RAW_CPU[reader], 0.1), 2),
                "target_ratio": target,
                "rows_per_second": round(args.rows / mine["seconds"]),
                "load_average_after": os.getloadavg(),
            }
            print(json.dumps(report[kind], indent=2, ensure_ascii=False), flush=True)
            # Written after each part, so a later failure does not lose what was measured.
            RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    if args.skip_realtime:
        RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"written {RESULTS}")
        return
    print(f"real time: {args.batches} batches of 500 …", flush=True)
    try:
        report["realtime"] = realtime(lake, args.batches, 500, args.port, args.accounts)
    except Exception as exc:
        report["realtime"] = {"error": f"{type(exc).__name__}: {exc}"}
        RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"written {RESULTS} (the real-time part failed)")
        raise
    print(json.dumps(report["realtime"], indent=2), flush=True)
    RESULTS.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
