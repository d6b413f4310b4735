"""Lake compaction: rewrite a table's small files as a few large ones, by month and customer.

Ingest appends one Parquet object per extract chunk and one per real-time push, so a lake
grows many small files whose rows are in arrival order: a one-customer read (the 360 page)
opens every file and scans every row group. Compaction rewrites them partitioned by calendar
month of the table's date (`partition_column`: a transaction's booking day) and, within a
month, sorted by `customer_id` (then the table's key), cut into files of about `target_rows`
that cover disjoint customer ranges. Parquet's min/max statistics then let a one-customer
read skip all but one row group of each month, and a query over a window of days (a
segment's last 90 days) skip the months outside it.

The steps, and why a crash at any point is harmless:

1. **Choose** the live files below half the target size (all of them with `full`), oldest
   first. For a table with hook subscribers, only files every subscriber has consumed
   (`hooks.low_water_mark`): compacted files are not delivered again, so a file not yet
   delivered must stay as it is.
2. **Write** each output to `_staging/`. Nothing is visible: a crash leaves staged objects
   that `lake.vacuum()` removes after its grace period; a re-run starts again.
3. **Check** that the outputs hold exactly as many rows as the inputs.
4. **Swap** (`lake.replace`): in one database transaction holding the table's lock, rename the
   outputs into place, insert their catalogue rows, retire the inputs and record the audit
   event. A reader lists files in one query, so it sees the old set or the new one. A crash
   before the commit leaves renamed but unrecorded objects, which no reader lists and vacuum
   removes. If another compaction retired an input first, nothing changes (StaleFiles).
5. **Delete** retired files only after the grace period (`lake.vacuum(grace=...)`): a reader
   that listed them just before the swap may still be reading them.

Rows committed while a compaction runs are in files it did not choose, so they stay live. A
writer that deduplicated against the old files and commits after the swap re-checks its rows
against files committed since its snapshot, which include the compacted ones (lake.commit).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import ibis
import ibis.expr.datatypes as dt
from django.db import transaction

from bankcrm.analytics import hooks, lake, tables
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.models import LakeFile
from bankcrm.analytics.schema import TABLES, spec

DEFAULT_TARGET_ROWS = 4_000_000
DEFAULT_GRACE = timedelta(hours=1)
CLUSTER_COLUMN = "customer_id"


class CompactionError(Exception):
    """The outputs do not hold the inputs' rows: nothing was swapped."""


@dataclass
class CompactionPlan:
    table: str
    files: list[lake.LakeObject]
    rows: int
    # (month or None, low customer, high customer, rows): one output file each
    ranges: list[tuple[date | None, int, int, int]] = field(default_factory=list)


@dataclass
class CompactionResult:
    table: str
    run: str
    files_in: int = 0
    files_out: int = 0
    rows: int = 0
    vacuumed: int = 0
    seconds: float = 0.0
    created: list[int] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "table": self.table,
            "run": self.run,
            "files_in": self.files_in,
            "files_out": self.files_out,
            "rows": self.rows,
            "vacuumed": self.vacuumed,
            "seconds": round(self.seconds, 3),
        }


def compactable_tables() -> list[str]:
    return [
        name
        for name, table_spec in TABLES.items()
        if table_spec.compactable and CLUSTER_COLUMN in table_spec.schema
    ]


def candidates(
    table: str, *, target_rows: int = DEFAULT_TARGET_ROWS, full: bool = False
) -> list[lake.LakeObject]:
    """The files a compaction of `table` would rewrite (empty: nothing worth doing)."""
    files = lake.live_files(table)
    if hooks.subscribers(table):
        # Compacted files hold rows already delivered (delivery skips them).
        consumed = hooks.low_water_mark(table)
        files = [f for f in files if f.id <= consumed or f.source == LakeFile.Source.COMPACTION]
    if not full:
        files = [f for f in files if f.rows < target_rows // 2]
    if not full and all(f.source == LakeFile.Source.COMPACTION for f in files):
        return []  # already clustered (a small month stays one small file until new rows come)
    return files


def plan(
    table: str, *, target_rows: int = DEFAULT_TARGET_ROWS, full: bool = False
) -> CompactionPlan:
    """Choose the files and cut their customers into ranges of about `target_rows` rows."""
    files = candidates(table, target_rows=target_rows, full=full)
    found = CompactionPlan(table=table, files=files, rows=sum(f.rows for f in files))
    if not files:
        return found
    t = tables.files_table(table, files)
    counts = t.group_by(month=_month(t, table), customer=t[CLUSTER_COLUMN]).aggregate(n=t.count())
    # Cut each month's customers, in order, into about ceil(rows / target) ranges: a customer
    # goes to the range its first row falls in. Computed by the backend (a bank's lake has
    # millions of customers a month); only one row per output comes back.
    month_window = ibis.window(group_by=counts.month)
    running = ibis.window(
        group_by=counts.month, order_by=counts.customer, preceding=None, following=0
    )
    total = counts.n.sum().over(month_window)
    outputs = (total.cast("float64") / max(target_rows, 1)).ceil().cast("int64")
    share = total.cast("float64") / outputs.cast("float64")
    before = counts.n.sum().over(running) - counts.n
    bucket = ibis.least((before.cast("float64") / share).floor().cast("int64"), outputs - 1)
    cut = counts.mutate(bucket=bucket)
    ranges = (
        cut.group_by(["month", "bucket"])
        .aggregate(low=cut.customer.min(), high=cut.customer.max(), rows=cut.n.sum())
        .order_by(["month", "low"])
    )
    found.ranges = [
        (r["month"], r["low"], r["high"], r["rows"]) for r in tables.to_arrow(ranges).to_pylist()
    ]
    return found


def _month(t: ibis.Table, table: str) -> ibis.Value:
    column = spec(table).partition_column
    if column is None:
        return ibis.null(dt.date)
    return t[column].truncate("M")


def _write_range(
    table: str, files: list[lake.LakeObject], month: date | None, low: int, high: int
) -> lake.Staged:
    table_spec = spec(table)
    t = tables.files_table(table, files)
    part = t.filter((t[CLUSTER_COLUMN] >= low) & (t[CLUSTER_COLUMN] <= high))
    if table_spec.partition_column is not None:
        in_month = _month(part, table) == ibis.literal(month)
        part = part.filter(in_month if month is not None else _month(part, table).isnull())
    part = part.order_by([part[CLUSTER_COLUMN], *[part[k] for k in table_spec.key]])
    staged = lake.staging_path()
    warehouse().write(part, staged)
    rows = lake.object_rows(staged)
    key_range = None
    if table_spec.range_column is not None and rows:
        written = warehouse().read([staged], table_spec)
        column = written[table_spec.range_column]
        bounds = tables.to_arrow(
            written.aggregate(low=column.min().cast(dt.string), high=column.max().cast(dt.string))
        ).to_pylist()[0]
        key_range = (bounds["low"], bounds["high"])
    return lake.Staged(path=staged, rows=rows, key_range=key_range)


def lake_compact(
    *,
    table: str = "transactions",
    target_rows: int = DEFAULT_TARGET_ROWS,
    full: bool = False,
    grace: timedelta = DEFAULT_GRACE,
    actor=None,
    on_start: Callable[[CompactionPlan], None] | None = None,
    progress: Callable[[int], None] | None = None,
    before_swap: Callable[[], None] | None = None,
) -> CompactionResult:
    """Compact one warehouse table (see the module docstring); safe to run again at any time.

    `progress(rows)` is called as each output is written; `before_swap` is a test seam.
    Raises lake.StaleFiles if another compaction retired some of the chosen files first.
    """
    from bankcrm.audit.services import audit_record

    if table not in compactable_tables():
        raise ValueError(f"Unknown or unclustered warehouse table {table!r}.")
    started = time.monotonic()
    result = CompactionResult(table=table, run=uuid.uuid4().hex)
    chosen = plan(table, target_rows=target_rows, full=full)
    if on_start is not None:
        on_start(chosen)
    if chosen.files:
        staged: list[lake.Staged] = []
        created: list[lake.LakeObject] = []
        try:
            for month, low, high, _rows in chosen.ranges:
                item = _write_range(table, chosen.files, month, low, high)
                staged.append(item)
                if progress is not None:
                    progress(item.rows)
            written = sum(s.rows for s in staged)
            if written != chosen.rows:
                raise CompactionError(
                    f"{table}: the compacted files hold {written} rows, the inputs {chosen.rows}."
                )
            for item in staged:
                if not item.rows:
                    lake.remove_object(item.path)
            staged = [s for s in staged if s.rows]
            if before_swap is not None:
                before_swap()
            with transaction.atomic():
                created = lake.replace(
                    table=table, retire=chosen.files, staged=staged, run=result.run
                )
                audit_record(
                    actor=actor,
                    action="warehouse.compact",
                    object_type="lake_table",
                    object_id=table,
                    changes={
                        "run": result.run,
                        "files_in": len(chosen.files),
                        "files_out": len(created),
                        "rows": written,
                        "retired": [f.id for f in chosen.files],
                        "created": [f.id for f in created],
                    },
                )
        except BaseException:
            # Nothing was swapped: the staged (or renamed, never recorded) outputs are garbage.
            for item in staged:
                lake.remove_object(item.path)
            for obj in created:
                lake.remove_object(obj.path)
            raise
        result.files_in = len(chosen.files)
        result.files_out = len(created)
        result.rows = chosen.rows
        result.created = [f.id for f in created]
    result.vacuumed = lake.vacuum(grace=grace)
    result.seconds = time.monotonic() - started
    return result


def table_fingerprint(table: str, files: list[lake.LakeObject] | None = None) -> dict:
    """Rows, distinct keys and column sums of a table as readers see it, or of `files`."""
    t = tables.files_table(table, lake.live_files(table) if files is None else files)
    table_spec = spec(table)
    key = ibis.literal("|").join([t[k].cast(dt.string) for k in table_spec.key])
    measures = {"rows": t.count(), "keys": key.nunique()}
    for name, dtype in table_spec.schema.items():
        if dtype.is_decimal() or dtype.is_integer():
            measures[f"sum_{name}"] = t[name].sum()
    return tables.to_arrow(t.aggregate(**measures)).to_pylist()[0]
