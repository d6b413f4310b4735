"""Writing snapshots of operational data (customers, holdings, interactions) into the lake.

The operational side hands over plain Arrow tables (no ORM objects cross); each call appends
one file of new row versions. Readers see the newest version of each key (tables.table).
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from bankcrm.analytics import lake, schema
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.models import LakeFile

SNAPSHOT_TABLES = ("customers", "holdings", "interactions")


def snapshot_append(*, table: str, rows: pa.Table, run: str = "") -> lake.LakeObject | None:
    """Append row versions (with their `synced_at`) to a snapshot table."""
    if table not in SNAPSHOT_TABLES:
        raise ValueError(f"{table!r} is not a snapshot table.")
    if rows.num_rows == 0:
        return None
    spec = schema.spec(table)
    rows = rows.select(spec.schema.names).cast(spec.schema.to_pyarrow())
    staged = lake.staging_path()
    warehouse().write(warehouse().conform(ibis.memtable(rows), spec), staged)
    count = lake.object_rows(staged)
    return lake.commit(table=table, staged=staged, rows=count, source=LakeFile.Source.SYNC, run=run)
