"""Warehouse tables as Ibis expressions: the starting point of every analytics query."""

from __future__ import annotations

import ibis

from bankcrm.analytics import lake
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.schema import spec


def files_table(name: str, files: list[lake.LakeObject]) -> ibis.Table:
    """The rows of exactly these files of a table, as stored (no snapshot collapsing)."""
    return warehouse().read([f.path for f in files], spec(name))


def latest(t: ibis.Table, name: str) -> ibis.Table:
    """For a snapshot table: only the newest version of each key (merge on read)."""
    table_spec = spec(name)
    if table_spec.versioned_by is None:
        return t
    newest = ibis.row_number().over(
        group_by=[t[k] for k in table_spec.key],
        order_by=[ibis.desc(t[table_spec.versioned_by])],
    )
    return t.mutate(_version_rank=newest).filter(ibis._._version_rank == 0).drop("_version_rank")


def table(name: str) -> ibis.Table:
    """A warehouse table as of now.

    Snapshot tables (customers, holdings, interactions) keep every synced version of a row;
    here only the newest version of each key is returned (merge on read).
    """
    return latest(files_table(name, lake.live_files(name)), name)


class Query:
    """An Ibis expression over named inputs, compiled once per backend and run many times.

    Inputs are `ibis.table(schema, name=...)` placeholders; `run` binds each to an Arrow table
    or to lake files, then executes the compiled SQL. Compiling costs more than running a
    query on a small batch, so hot paths (real-time pushes, the 360 page) use these.
    """

    def __init__(self, expr: ibis.Expr) -> None:
        self.expr = expr
        self._sql: dict[str, str] = {}

    def sql(self) -> str:
        w = warehouse()
        found = self._sql.get(w.dialect)
        if found is None:
            found = self._sql[w.dialect] = w.compile(self.expr)
        return found

    def fetch(self):
        """Run with the inputs already bound; the result in the expression's own types."""
        found = warehouse().run_arrow(self.sql())
        wanted = self.expr.schema().to_pyarrow()
        return found.rename_columns(wanted.names).cast(wanted)


def bind_inputs(**inputs) -> None:
    """Bind placeholder names to Arrow tables, or to (table name, files[, (column, value)])
    of the lake."""
    w = warehouse()
    for name, value in inputs.items():
        if isinstance(value, tuple):
            table_name, files, *equals = value
            w.bind_files(
                name, [f.path for f in files], spec(table_name).schema, *(equals or [None])
            )
        else:
            w.bind_arrow(name, value)


def live_input(name: str, equals: tuple[str, int] | None = None) -> tuple:
    """A binding of a placeholder to every live file of a warehouse table (with `equals`,
    to the rows whose column has that integer value, read once)."""
    if equals is None:
        return (name, lake.live_files(name))
    return (name, lake.live_files(name), equals)


def to_arrow(expr: ibis.Expr):
    return warehouse().to_arrow(expr)


def execute(expr: ibis.Expr):
    return warehouse().execute(expr)
