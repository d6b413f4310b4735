"""The one module that knows which engine runs the warehouse: DuckDB (default) or PySpark.

Everything else in bankcrm.analytics builds Ibis expressions and calls `warehouse()` for the
few things an engine must do itself: read a set of lake files as a table, write an expression
to a Parquet object, run an expression into Arrow.

Configuration (settings, from the environment; see docs/operations.md):
  WAREHOUSE_BACKEND           BANKCRM_WAREHOUSE        duckdb | spark
  WAREHOUSE_LAKE_PATH         BANKCRM_LAKE_PATH        the Parquet lake (shared storage when scaled)
  WAREHOUSE_SPARK_MASTER      BANKCRM_SPARK_MASTER     e.g. local[2], spark://host:7077
  WAREHOUSE_DUCKDB_MEMORY     BANKCRM_DUCKDB_MEMORY    DuckDB memory limit per process
  WAREHOUSE_DUCKDB_THREADS    BANKCRM_DUCKDB_THREADS   0 = one per core

DuckDB runs in-process and in memory: it holds no data of its own, only reads the lake, so any
number of web, worker and ingest processes can use it at once (see docs/warehouse.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
from django.conf import settings
from ibis.backends.sql.datatypes import DuckDBType

from bankcrm.analytics.schema import TableSpec


class Warehouse(ABC):
    name: str

    def __init__(self, lake: Path) -> None:
        self.lake = lake

    @abstractmethod
    def connection(self) -> Any:
        """The Ibis backend for the calling thread."""

    @abstractmethod
    def read(self, paths: list[Path], spec: TableSpec) -> ibis.Table:
        """The rows of these Parquet objects, cast to the table's canonical schema."""

    @abstractmethod
    def write(self, expr: ibis.Table, path: Path) -> None:
        """Write an expression to one Parquet object at `path` (a file or a directory)."""

    def to_arrow(self, expr: ibis.Expr) -> pa.Table:
        return self.connection().to_pyarrow(expr)

    def execute(self, expr: ibis.Expr) -> Any:
        return self.connection().execute(expr)

    @abstractmethod
    def materialize(self, expr: ibis.Table) -> tuple[ibis.Table, Any]:
        """Compute an expression once for several uses: (table, release callable)."""

    # Compiled queries: an Ibis expression over named inputs (ibis.table(schema, name=...)),
    # compiled once (see tables.Query) and run many times with inputs bound to Arrow tables or
    # lake files. Compiling an Ibis expression costs far more than running it on a small batch.

    dialect: str

    def compile(self, expr: ibis.Expr) -> str:
        return ibis.to_sql(expr, dialect=self.dialect)

    def lock(self) -> Any:
        """Held while inputs are bound and a compiled query runs (names are per connection)."""
        return contextlib.nullcontext()

    @abstractmethod
    def bind_arrow(self, name: str, table: pa.Table) -> None:
        """Make an Arrow table readable under `name`."""

    @abstractmethod
    def bind_files(
        self,
        name: str,
        paths: list[Path],
        schema: ibis.Schema,
        equals: tuple[str, int] | None = None,
    ) -> None:
        """Make these Parquet objects (their `schema` columns) readable under `name`.

        With `equals=(column, integer)`, only those rows, read once and kept for the queries
        that follow (one customer's rows for the 360 page: the filter reaches the file scan).
        """

    @abstractmethod
    def bind_extract(self, name: str, path: Path, columns: list[str], row: str) -> None:
        """Make a Parquet extract's `columns` readable under `name`, read by the engine itself
        (in parallel, never through Python), with each row's number in the file, from 1, as the
        column `row`."""

    @abstractmethod
    def local_to_utc(self, value: ibis.Value, zone: str) -> ibis.Value:
        """Wall-clock timestamps of a time zone as UTC instants."""

    def progress(self) -> Callable[[], float | None]:
        """A function that another thread may call while this thread runs a query: the share
        of it done (0 to 1), or None when the engine does not tell."""
        return lambda: None

    @abstractmethod
    def run_arrow(self, sql: str) -> pa.Table: ...

    @abstractmethod
    def run_parquet(self, sql: str, path: Path) -> None: ...

    @abstractmethod
    def run_materialize(self, sql: str, name: str) -> None: ...

    @abstractmethod
    def unbind(self, name: str) -> None: ...

    def empty(self, spec: TableSpec) -> ibis.Table:
        return ibis.memtable(spec.schema.to_pyarrow().empty_table())

    @staticmethod
    def conform(table: ibis.Table, spec: TableSpec) -> ibis.Table:
        """Select the table's columns in order, cast to their canonical types."""
        return table.select(
            **{name: table[name].cast(dtype) for name, dtype in spec.schema.items()}
        )

    @staticmethod
    def conform_read(table: ibis.Table, schema: ibis.Schema) -> ibis.Table:
        """Like `conform`, for stored files: a column added to a table after some of its files
        were written reads as NULL from those (and from all of them, if none has it yet)."""
        return table.select(
            **{
                name: table[name].cast(dtype) if name in table.columns else ibis.null(dtype)
                for name, dtype in schema.items()
            }
        )

    def close(self) -> None:  # noqa: B027 - optional hook
        pass


class DuckDBWarehouse(Warehouse):
    name = "duckdb"

    def __init__(self, lake: Path, memory_limit: str, threads: int, temp_dir: Path) -> None:
        super().__init__(lake)
        self.memory_limit = memory_limit
        self.threads = threads
        self.temp_dir = temp_dir
        self._local = threading.local()

    def connection(self) -> Any:
        con = getattr(self._local, "con", None)
        if con is None:
            self.temp_dir.mkdir(parents=True, exist_ok=True)
            con = ibis.duckdb.connect()
            options = {
                "memory_limit": self.memory_limit,
                "temp_directory": str(self.temp_dir),
                "TimeZone": "UTC",
                "preserve_insertion_order": "false",
                # Lake files are immutable (new names on every write): caching their
                # metadata is always safe.
                "enable_object_cache": "true",
                # Tracked for progress bars (Warehouse.progress), never printed.
                "enable_progress_bar": "true",
                "enable_progress_bar_print": "false",
            }
            if self.threads:
                options["threads"] = str(self.threads)
            for key, value in options.items():
                con.raw_sql(f"SET {key} = '{value}'")
            self._local.con = con
            self._local.views = {}
            self._local.bound = set()
            self._local.made = {}
        return con

    def read(self, paths: list[Path], spec: TableSpec) -> ibis.Table:
        if not paths:
            return self.empty(spec)
        con = self.connection()
        files = sorted(_duckdb_globs(paths))
        digest = hashlib.sha256("\0".join(files).encode()).hexdigest()[:20]
        name = f"lake_{spec.name}_{digest}"
        views: dict[str, ibis.Table] = self._local.views
        table = views.get(name)
        if table is None:
            quoted = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
            con.raw_sql(
                f"CREATE OR REPLACE VIEW {name} AS "  # noqa: S608 - paths from the catalog
                f"SELECT * FROM read_parquet([{quoted}], union_by_name = true)"
            )
            if len(views) > 256:  # keep the per-thread catalogue small
                for old in list(views)[:128]:
                    con.raw_sql(f"DROP VIEW IF EXISTS {old}")
                    del views[old]
            table = self.conform_read(con.table(name), spec.schema)
            views[name] = table
        return table

    def write(self, expr: ibis.Table, path: Path) -> None:
        self.connection().to_parquet(expr, str(path), compression="snappy")

    def materialize(self, expr: ibis.Table) -> tuple[ibis.Table, Any]:
        con = self.connection()
        name = f"_work_{uuid.uuid4().hex}"
        table = con.create_table(name, expr, temp=True)
        return table, lambda: con.drop_table(name, force=True)

    dialect = "duckdb"

    def _raw(self) -> Any:
        return self.connection().con

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        self.unbind(name)
        self._raw().register(name, table)
        self._local.bound.add(name)

    def bind_files(
        self,
        name: str,
        paths: list[Path],
        schema: ibis.Schema,
        equals: tuple[str, int] | None = None,
    ) -> None:
        if not paths:
            self.bind_arrow(name, schema.to_pyarrow().empty_table())
            return
        self.unbind(name)
        files = ", ".join("'" + f.replace("'", "''") + "'" for f in sorted(_duckdb_globs(paths)))
        stored = self._stored_columns(files)
        columns = ", ".join(
            f'"{c}"'
            if c in stored
            else f'CAST(NULL AS {DuckDBType.from_ibis(t).sql("duckdb")}) AS "{c}"'
            for c, t in schema.items()
        )
        select = (
            f"SELECT {columns} "  # noqa: S608 - paths from the catalogue, names from the schema
            f"FROM read_parquet([{files}], union_by_name = true)"
        )
        if equals is None:
            self._raw().execute(f"CREATE OR REPLACE TEMP VIEW {name} AS {select}")
            self._local.made[name] = "VIEW"
        else:
            column, value = equals
            self._raw().execute(
                f'CREATE TEMP TABLE {name} AS {select} WHERE "{column}" = {int(value)}'
            )
            self._local.made[name] = "TABLE"

    def _stored_columns(self, files: str) -> frozenset[str]:
        """The columns these files hold between them (their footers, read once per set)."""
        known: dict[str, frozenset[str]] = self._local.__dict__.setdefault("columns", {})
        found = known.get(files)
        if found is None:
            rows = (
                self._raw()
                .execute(
                    f"DESCRIBE SELECT * FROM read_parquet([{files}], union_by_name = true)"  # noqa: S608
                )
                .fetchall()
            )
            found = known[files] = frozenset(row[0] for row in rows)
            if len(known) > 512:
                known.clear()
        return found

    def bind_extract(self, name: str, path: Path, columns: list[str], row: str) -> None:
        self.unbind(name)
        target = str(path).replace("'", "''")
        listed = ", ".join('"' + c.replace('"', '""') + '"' for c in columns)
        self._raw().execute(
            f'CREATE OR REPLACE TEMP VIEW {name} AS SELECT file_row_number + 1 AS "{row}", '  # noqa: S608 - our names, quoted
            f"{listed} FROM read_parquet('{target}', file_row_number = true)"
        )
        self._local.made[name] = "VIEW"

    def local_to_utc(self, value: ibis.Value, zone: str) -> ibis.Value:
        return _duckdb_timezone(zone, value)

    def progress(self) -> Callable[[], float | None]:
        raw = self._raw()

        def done() -> float | None:
            share = raw.query_progress()
            return share / 100 if share >= 0 else None

        return done

    def run_arrow(self, sql: str) -> pa.Table:
        return self._raw().sql(sql).to_arrow_table()

    def run_parquet(self, sql: str, path: Path) -> None:
        target = str(path).replace("'", "''")
        self._raw().execute(f"COPY ({sql}) TO '{target}' (FORMAT parquet, COMPRESSION snappy)")

    def run_materialize(self, sql: str, name: str) -> None:
        self.unbind(name)
        self._raw().execute(f"CREATE TEMP TABLE {name} AS {sql}")
        self._local.made[name] = "TABLE"

    def unbind(self, name: str) -> None:
        self.connection()
        if name in self._local.bound:
            self._raw().unregister(name)
            self._local.bound.discard(name)
            return
        kind = self._local.made.pop(name, None)
        if kind is not None:
            self._raw().execute(f"DROP {kind} IF EXISTS {name}")

    def close(self) -> None:
        con = getattr(self._local, "con", None)
        if con is not None:
            con.disconnect()
            self._local.con = None


_NAIVE, _UTC = dt.Timestamp(), dt.Timestamp(timezone="UTC")


@ibis.udf.scalar.builtin(name="timezone")
def _duckdb_timezone(zone: str, value: _NAIVE) -> _UTC:  # type: ignore[valid-type]
    """DuckDB's timezone(zone, timestamp): the zone's wall-clock time as an instant."""


@ibis.udf.scalar.builtin(name="to_utc_timestamp")
def _spark_to_utc(value: _NAIVE, zone: str) -> _UTC:  # type: ignore[valid-type]
    """Spark's to_utc_timestamp(timestamp, zone) (the session's zone is UTC)."""


def _duckdb_globs(paths: Iterable[Path]) -> Iterable[str]:
    for path in paths:
        # A directory is a Parquet object written by Spark: its part files.
        yield str(path / "*.parquet") if path.is_dir() else str(path)


class SparkWarehouse(Warehouse):
    name = "spark"
    _session_lock = threading.Lock()

    def __init__(self, lake: Path, master: str) -> None:
        super().__init__(lake)
        self.master = master
        self._con: Any = None

    def session(self) -> Any:
        from pyspark.sql import SparkSession

        with self._session_lock:
            builder = (
                SparkSession.builder.master(self.master)
                .appName("bankcrm")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.sql.ansi.enabled", "false")
                .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
                .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                .config(
                    "spark.sql.shuffle.partitions", os.environ.get("BANKCRM_SPARK_SHUFFLE", "4")
                )
                .config("spark.ui.enabled", "false")
            )
            return builder.getOrCreate()

    def connection(self) -> Any:
        if self._con is None:
            self._con = ibis.pyspark.connect(self.session())
        return self._con

    def read(self, paths: list[Path], spec: TableSpec) -> ibis.Table:
        if not paths:
            return self.empty(spec)
        con = self.connection()
        files = sorted(str(p) for p in paths)
        digest = hashlib.sha256("\0".join(files).encode()).hexdigest()[:20]
        name = f"lake_{spec.name}_{digest}"
        session = con._session
        if not session.catalog.tableExists(name):
            session.read.option("mergeSchema", "true").parquet(*files).createOrReplaceTempView(name)
        return self.conform_read(con.table(name), spec.schema)

    def write(self, expr: ibis.Table, path: Path) -> None:
        self.connection().to_parquet(expr, str(path))

    dialect = "pyspark"
    _run_lock = threading.RLock()

    def lock(self) -> Any:
        return self._run_lock  # temp view names are session-wide

    def bind_arrow(self, name: str, table: pa.Table) -> None:
        con = self.connection()
        try:
            frame = con._session.createDataFrame(table)
        except (TypeError, ValueError):
            memtable = ibis.memtable(table)
            con._register_in_memory_table(memtable.op())
            frame = con._session.table(memtable.op().name)
        frame.createOrReplaceTempView(name)

    def bind_files(
        self,
        name: str,
        paths: list[Path],
        schema: ibis.Schema,
        equals: tuple[str, int] | None = None,
    ) -> None:
        if not paths:
            self.bind_arrow(name, schema.to_pyarrow().empty_table())
            return
        session = self.connection()._session
        frame = session.read.option("mergeSchema", "true").parquet(*sorted(str(p) for p in paths))
        from ibis.backends.pyspark.datatypes import PySparkType
        from pyspark.sql import functions

        frame = frame.select(
            *[
                frame[c]
                if c in frame.columns
                else functions.lit(None).cast(PySparkType.from_ibis(t)).alias(c)
                for c, t in schema.items()
            ]
        )
        if equals is not None:
            column, value = equals
            frame = frame.filter(frame[column] == int(value)).cache()
        frame.createOrReplaceTempView(name)

    def bind_extract(self, name: str, path: Path, columns: list[str], row: str) -> None:
        from pyspark.sql import functions

        frame = self.connection()._session.read.parquet(str(path))
        frame = frame.select(
            (functions.col("_metadata.row_index") + 1).alias(row), *[frame[c] for c in columns]
        )
        frame.createOrReplaceTempView(name)

    def local_to_utc(self, value: ibis.Value, zone: str) -> ibis.Value:
        return _spark_to_utc(value, zone)

    def run_arrow(self, sql: str) -> pa.Table:
        con = self.connection()
        return con._session.sql(sql).toArrow()

    def run_parquet(self, sql: str, path: Path) -> None:
        self.connection()._session.sql(sql).write.parquet(str(path))

    def run_materialize(self, sql: str, name: str) -> None:
        session = self.connection()._session
        session.sql(sql).cache().createOrReplaceTempView(name)

    def unbind(self, name: str) -> None:
        session = self.connection()._session
        if session.catalog.tableExists(name):
            session.table(name).unpersist()
        session.catalog.dropTempView(name)

    def materialize(self, expr: ibis.Table) -> tuple[ibis.Table, Any]:
        con = self.connection()
        name = f"work_{uuid.uuid4().hex}"
        view = con.create_view(name, expr, overwrite=True)
        frame = con._session.table(name).cache()  # computed once, reused by each query
        return view, lambda: (frame.unpersist(), con._session.catalog.dropTempView(name))


_lock = threading.Lock()
_current: dict[tuple, Warehouse] = {}


def _config() -> tuple:
    return (
        settings.WAREHOUSE_BACKEND,
        str(settings.WAREHOUSE_LAKE_PATH),
        settings.WAREHOUSE_SPARK_MASTER,
        settings.WAREHOUSE_DUCKDB_MEMORY,
        settings.WAREHOUSE_DUCKDB_THREADS,
    )


def warehouse() -> Warehouse:
    """The configured warehouse (one per process and configuration)."""
    config = _config()
    found = _current.get(config)
    if found is not None:
        return found
    with _lock:
        found = _current.get(config)
        if found is None:
            backend, lake, master, memory, threads = config
            lake_path = Path(lake)
            if backend == "duckdb":
                found = DuckDBWarehouse(
                    lake_path, memory, threads, temp_dir=lake_path.parent / "duckdb-tmp"
                )
            elif backend == "spark":
                found = SparkWarehouse(lake_path, master)
            else:
                from django.core.exceptions import ImproperlyConfigured

                raise ImproperlyConfigured(
                    f"BANKCRM_WAREHOUSE must be 'duckdb' or 'spark', not {backend!r}."
                )
            _current[config] = found
        return found
