"""Warehouse tables as Ibis expressions: the starting point of every analytics query."""

from __future__ import annotations

import ibis

from bankcrm.analytics import lake
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.schema import spec


def files_table(name: str, files: list[lake.LakeObject]) -> ibis.Table:
    """The rows of exactly these files of a table, as stored (no snapshot collapsing)."""
    return warehouse().read([f.path for f in files], spec(name))


def table(name: str) -> ibis.Table:
    """A warehouse table as of now.

    Snapshot tables (customers, holdings, interactions) keep every synced version of a row;
    here only the newest version of each key is returned (merge on read).
    """
    table_spec = spec(name)
    t = files_table(name, lake.live_files(name))
    if table_spec.versioned_by is None:
        return t
    newest = ibis.row_number().over(
        group_by=[t[k] for k in table_spec.key],
        order_by=[ibis.desc(t[table_spec.versioned_by])],
    )
    return t.mutate(_version_rank=newest).filter(ibis._._version_rank == 0).drop("_version_rank")


def to_arrow(expr: ibis.Expr):
    return warehouse().to_arrow(expr)


def execute(expr: ibis.Expr):
    return warehouse().execute(expr)
