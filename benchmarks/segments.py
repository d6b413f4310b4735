"""Segmentation benchmarks: `python -m benchmarks.segments` (part of `make bench`).

On a warehouse of N customers (default 1,000,000) with two holdings each and M transactions
(default 50,000,000) over the last 400 days: the snapshots and the transactions are written
into the lake with their catalogue rows (transactions as extract-sized files in arrival order,
as loads leave them), then `compact_lake --full` partitions the transactions by month and
clusters them by customer, as the nightly job does (its time is reported too). Then:

1. Refreshing every customer's standard segmentations and values (`values_refresh`), wall time.
   Target: ≤ 5 minutes.
2. Compiling a compound segment of seven conditions (a 90-day behaviour condition and an RFM
   condition among them): the definition checked and compiled to its Ibis expression (the
   issue's "compiling the expression", target ≤ 50 ms), and, reported beside it, that
   expression turned into SQL by Ibis; medians of 20.
3. Evaluating it with our code (`analytics.segments.members`: bind the lake, run, fetch the ids)
   against a hand-written DuckDB SQL query for the same membership over the same files, in the
   same run, each the median of 3 after one warm-up: identical membership; ours ≤ 1.5 × hand.
4. The builder's live preview of that segment (count, sample, distributions). Target: ≤ 2 s.

Everything lives under benchmarks/out/segments/ (its own SQLite database and lake; the data is
kept between runs of the same size). Results: benchmarks/out/segments.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = Path(os.environ.get("BANKCRM_BENCH_OUT_SEGMENTS", ROOT / "benchmarks" / "out" / "segments"))
RESULTS = OUT.parent / f"{OUT.name}.json"
AS_OF = date(2026, 6, 30)

SEGMENT = {
    "op": "and",
    "conditions": [
        {"field": "age", "op": "between", "value": [30, 55]},
        {"field": "wealth_tier", "op": "in", "value": ["affluent", "private"]},
        {
            "field": "tx_amount",
            "op": "gte",
            "value": 3000,
            "window_days": 90,
            "category": "consumption",
        },
        {"field": "salary_credit", "op": "is", "value": True, "window_days": 90},
        {"field": "digital_share", "op": "gte", "value": 0.3, "window_days": 90},
        {"field": "rfm_cell", "op": "in", "value": ["champions", "loyal", "potential_loyalists"]},
        {
            "op": "or",
            "conditions": [
                {"field": "product_type", "op": "in", "value": ["fund", "wealth"]},
                {"field": "product_type", "op": "not_in", "value": ["mortgage"]},
            ],
        },
    ],
}

# The same membership, written by hand against the same Parquet files.
HAND = """
WITH c AS (
  SELECT * FROM (
    SELECT *, row_number() OVER (PARTITION BY customer_id ORDER BY synced_at DESC) AS v
    FROM read_parquet({customers})) WHERE v = 1),
h AS (
  SELECT customer_id,
         bool_or(product_type IN ('fund', 'wealth')) AS has_fund_or_wealth,
         bool_or(product_type = 'mortgage') AS has_mortgage
  FROM (SELECT *, row_number() OVER (PARTITION BY holding_id ORDER BY synced_at DESC) AS v
        FROM read_parquet({holdings}))
  WHERE v = 1 AND status = 'active'
  GROUP BY customer_id),
t AS (
  SELECT customer_id,
         sum(abs(amount)) FILTER (WHERE category = 'consumption') AS spent,
         count(*) FILTER (WHERE category = 'salary') AS salaries,
         count(*) AS n,
         count(*) FILTER (WHERE channel IN ('mobile', 'online')) AS digital
  FROM read_parquet({transactions})
  WHERE booking_date BETWEEN DATE '{since}' AND DATE '{as_of}'
  GROUP BY customer_id),
v AS (SELECT customer_id, rfm_cell FROM read_parquet({values}))
SELECT c.customer_id
FROM c
JOIN t USING (customer_id)
JOIN v USING (customer_id)
LEFT JOIN h USING (customer_id)
WHERE {year} - c.birth_year BETWEEN 30 AND 55
  AND c.aum >= 500000
  AND t.spent >= 3000
  AND t.salaries > 0
  AND t.digital::DECIMAL(20, 6) / t.n >= 0.3
  AND v.rfm_cell IN ('champions', 'loyal', 'potential_loyalists')
  AND (coalesce(h.has_fund_or_wealth, false) OR NOT coalesce(h.has_mortgage, false))
ORDER BY c.customer_id
"""

CUSTOMERS_SQL = """
SELECT i AS customer_id, 'C' || lpad(i::VARCHAR, 10, '0') AS number, 'individual' AS kind,
  (hash(i) % 50 + 1)::BIGINT AS branch_id, (hash(i * 5) % 2000 + 1)::BIGINT AS rm_id,
  'active' AS lifecycle_stage, CASE WHEN hash(i * 3) % 2 = 0 THEN 'M' ELSE 'F' END AS gender,
  (1940 + hash(i * 7) % 65)::INTEGER AS birth_year, '北京' AS province, '北京' AS city,
  ['professional','office_worker','civil_servant','self_employed','retired']
    [(hash(i * 11) % 5 + 1)::BIGINT] AS occupation,
  NULL::VARCHAR AS industry, NULL::VARCHAR AS education, NULL::VARCHAR AS income_band,
  NULL::VARCHAR AS family_status, 'C3' AS risk_tolerance, 'verified' AS kyc_status,
  round(power(10, 3 + (hash(i * 13) % 4000) / 1000.0), 2)::DECIMAL(18, 2) AS aum,
  0::DECIMAL(18, 2) AS liabilities,
  TIMESTAMPTZ '2020-01-01 00:00:00+00' AS created_at,
  TIMESTAMPTZ '2026-06-01 00:00:00+00' AS updated_at,
  TIMESTAMPTZ '2026-06-01 00:00:00+00' AS synced_at
FROM range(1, {customers} + 1) AS r(i)
"""

HOLDINGS_SQL = """
SELECT i * 2 + k AS holding_id, 'A' || (i * 2 + k)::VARCHAR AS account_key, i AS customer_id,
  CASE WHEN k = 0 THEN 'DD01' ELSE 'P' || product END AS product_code,
  CASE WHEN k = 0 THEN 'demand_deposit' ELSE product END AS product_type,
  'CNY' AS currency, (hash(i * 17 + k) % 50000000 / 100.0)::DECIMAL(18, 2) AS balance,
  'active' AS status, DATE '2020-01-01' AS opened_on,
  CASE WHEN k = 1 AND product = 'time_deposit'
       THEN DATE '{as_of}' + (hash(i * 19) % 365)::INTEGER END AS matures_on,
  (hash(i) % 50 + 1)::BIGINT AS branch_id,
  TIMESTAMPTZ '2026-06-01 00:00:00+00' AS updated_at,
  TIMESTAMPTZ '2026-06-01 00:00:00+00' AS synced_at
FROM (SELECT i, k, ['time_deposit','fund','wealth','mortgage','credit_card','time_deposit']
             [(hash(i * 23) % 6 + 1)::BIGINT] AS product
      FROM range(1, {customers} + 1) AS r(i), range(0, 2) AS s(k))
"""

# One extract of transactions, in time order (rows i of M span the 400 days evenly).
TRANSACTIONS_SQL = """
SELECT 'T' || lpad(i::VARCHAR, 12, '0') AS id, 'A' || (c * 2)::VARCHAR AS account_key,
  c AS customer_id,
  (DATE '{as_of}' - (399 - i * 400 // {total})::INTEGER)::TIMESTAMP AT TIME ZONE 'UTC'
    AS booked_at,
  DATE '{as_of}' - (399 - i * 400 // {total})::INTEGER AS booking_date,
  CASE kind WHEN 'salary' THEN (hash(i * 3) % 2000000 / 100.0 + 3000)
            WHEN 'transfer_in' THEN hash(i * 3) % 500000 / 100.0
            ELSE -(hash(i * 3) % 300000 / 100.0 + 1) END::DECIMAL(18, 2) AS amount,
  'CNY' AS currency, (hash(i * 5) % 10000000 / 100.0)::DECIMAL(18, 2) AS balance_after,
  ['counter','atm','mobile','online','pos','third_party'][(hash(i * 13) % 6 + 1)::BIGINT]
    AS channel,
  kind AS category,
  CASE WHEN kind = 'consumption' THEN ['dining','groceries','shopping','travel','transport']
       [(hash(i * 17) % 5 + 1)::BIGINT] END AS merchant_category,
  NULL::VARCHAR AS counterparty, NULL::VARCHAR AS description
FROM (SELECT i, (hash(i * 31) % {customers}) + 1 AS c,
             ['salary','consumption','consumption','consumption','transfer_in',
              'transfer_out','fee','consumption','investment_purchase','consumption']
             [(hash(i * 29) % 10 + 1)::BIGINT] AS kind
      FROM range({low}, {high}) AS r(i))
"""


def _setup_django() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    os.environ.update(
        DJANGO_SETTINGS_MODULE="bankcrm.config.settings",
        BANKCRM_VAR_DIR=str(OUT),
        BANKCRM_LAKE_PATH=str(OUT / "lake"),
        BANKCRM_DEBUG="0",
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _commit(table: str, sql: str) -> int:
    """Write a query's rows as one staged file and commit it to the lake's catalogue."""
    import duckdb

    from bankcrm.analytics import lake
    from bankcrm.analytics.models import LakeFile

    staged = lake.staging_path()
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY ({sql}) TO '{staged}' (FORMAT parquet, ROW_GROUP_SIZE 500000)")
    rows = con.execute(f"SELECT count(*) FROM read_parquet('{staged}')").fetchone()[0]
    con.close()
    lake.commit(table=table, staged=staged, rows=rows, source=LakeFile.Source.BATCH)
    return rows


def generate(customers: int, transactions: int) -> float:
    """The warehouse, unless this size is already there."""
    from bankcrm.analytics.models import LakeFile

    marker = OUT / f"generated-{customers}-{transactions}"
    if marker.exists():
        return 0.0
    started = time.perf_counter()
    LakeFile.objects.all().delete()
    _commit("customers", CUSTOMERS_SQL.format(customers=customers))
    _commit("holdings", HOLDINGS_SQL.format(customers=customers, as_of=AS_OF))
    step = 10_000_000
    for low in range(0, transactions, step):
        high = min(low + step, transactions)
        _commit(
            "transactions",
            TRANSACTIONS_SQL.format(
                as_of=AS_OF, low=low, high=high, total=transactions, customers=customers
            ),
        )
        print(f"  transactions {high:,} / {transactions:,}", flush=True)
    generated = time.perf_counter() - started
    from bankcrm.analytics import lake
    from bankcrm.analytics.compaction import lake_compact
    from bankcrm.analytics.models import HookCursor

    # The live-balance hook is not measured here: its backlog counts as delivered (compaction
    # only rewrites files every subscriber has consumed).
    HookCursor.objects.update_or_create(
        name="live_balances", defaults={"last_file_id": lake.last_file_id("transactions")}
    )
    compacted = lake_compact(table="transactions", full=True, grace=timedelta(0))
    (OUT / "compaction.json").write_text(json.dumps(compacted.as_dict()))
    marker.touch()
    return generated


def _median(fn, times: int, warm: bool = True) -> tuple[float, object]:
    if warm:
        fn()
    found, result = [], None
    for _ in range(times):
        started = time.perf_counter()
        result = fn()
        found.append(time.perf_counter() - started)
    return statistics.median(found), result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--transactions", type=int, default=50_000_000)
    args = parser.parse_args(argv)
    _setup_django()
    import duckdb

    from bankcrm.analytics import lake, segments
    from bankcrm.analytics.backends import warehouse
    from bankcrm.analytics.services import values_refresh
    from benchmarks.warehouse import machine

    result: dict = {"machine": machine(), "customers": args.customers}
    result["transactions"] = args.transactions
    print(f"generating {args.customers:,} customers, {args.transactions:,} transactions")
    result["generate_s"] = round(generate(args.customers, args.transactions), 1)
    result["compaction"] = json.loads((OUT / "compaction.json").read_text())

    print("refreshing customer values")
    started = time.perf_counter()
    run = values_refresh(as_of=AS_OF)
    result["refresh_s"] = round(time.perf_counter() - started, 1)
    result["refresh_customers"] = run.customers
    print(f"  {result['refresh_s']} s for {run.customers:,} customers")

    definition = segments.parse(SEGMENT)
    w = warehouse()

    def build():
        return segments.compile_segment(segments.parse(SEGMENT), as_of=AS_OF)

    compile_s, expr = _median(build, 20)
    sql_s, _sql = _median(lambda: w.compile(expr), 20)
    result["compile_ms"] = round(compile_s * 1000, 1)
    result["to_sql_ms"] = round(sql_s * 1000, 1)

    ours_s, ours = _median(lambda: segments.members(definition, as_of=AS_OF), 3)

    def files(table: str, run_id: str | None = None) -> str:
        paths = [str(f.path) for f in lake.live_files(table, run=run_id)]
        return "[" + ", ".join(f"'{p}'" for p in paths) + "]"

    hand_sql = HAND.format(
        customers=files("customers"),
        holdings=files("holdings"),
        transactions=files("transactions"),
        values=files("customer_values", run.run_id),
        since=AS_OF - timedelta(days=89),
        as_of=AS_OF,
        year=AS_OF.year,
    )
    con = duckdb.connect()
    hand_s, hand = _median(lambda: [r[0] for r in con.execute(hand_sql).fetchall()], 3)
    con.close()
    result.update(
        ours_s=round(ours_s, 3),
        hand_s=round(hand_s, 3),
        ratio=round(ours_s / hand_s, 2),
        members=len(ours),
        identical=ours == hand,
    )
    preview_s, found = _median(lambda: segments.preview(definition, scope=None, as_of=AS_OF), 3)
    result["preview_s"] = round(preview_s, 3)
    result["preview_count"] = found.count
    RESULTS.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if not result["identical"]:
        sys.exit("the memberships differ")


if __name__ == "__main__":
    main()
