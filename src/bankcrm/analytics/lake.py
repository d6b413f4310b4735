"""The Parquet lake and its catalogue: where files live, how a file becomes visible, cleanup.

Layout under the lake root (settings.WAREHOUSE_LAKE_PATH, shared storage when scaled out):

    <table>/<yyyy-mm>/<uuid>.parquet    committed objects (a directory of part files if Spark
                                        wrote it); immutable, never rewritten in place
    _staging/<uuid>.parquet             being written; renamed into place on commit

A file is visible only once its analytics.LakeFile row commits (see models.py): rename, then
insert the row, inside one database transaction that holds the table's lock row.
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.models import LakeFile, LakeTable


@dataclass(frozen=True)
class LakeObject:
    id: int
    table: str
    path: Path
    rows: int
    key_min: str
    key_max: str
    source: str


def root() -> Path:
    return warehouse().lake


def _object(row: LakeFile) -> LakeObject:
    return LakeObject(
        id=row.pk,
        table=row.table,
        path=root() / row.path,
        rows=row.rows,
        key_min=row.key_min,
        key_max=row.key_max,
        source=row.source,
    )


def staging_path() -> Path:
    staging = root() / "_staging"
    staging.mkdir(parents=True, exist_ok=True)
    return staging / f"{uuid.uuid4().hex}.parquet"


def live_files(
    table: str,
    *,
    key_range: tuple[str, str] | None = None,
    after_id: int = 0,
    up_to_id: int | None = None,
    exclude_sources: tuple[str, ...] = (),
    run: str | None = None,
) -> list[LakeObject]:
    """The committed, unretired files of a table (of one run, if given), oldest commit first."""
    rows = LakeFile.objects.filter(table=table, retired_at__isnull=True, pk__gt=after_id)
    if run is not None:
        rows = rows.filter(run=run)
    if up_to_id is not None:
        rows = rows.filter(pk__lte=up_to_id)
    if key_range is not None:
        low, high = key_range
        # Files without a recorded range are always candidates.
        rows = rows.filter(Q(key_min="") | Q(key_min__lte=high, key_max__gte=low))
    if exclude_sources:
        rows = rows.exclude(source__in=exclude_sources)
    return [_object(row) for row in rows.order_by("pk")]


def last_file_id(table: str) -> int:
    row = LakeFile.objects.filter(table=table).order_by("-pk").values_list("pk", flat=True).first()
    return row or 0


def object_rows(path: Path) -> int:
    """Row count from Parquet footers (a file, or a directory of part files)."""
    if path.is_dir():
        return sum(pq.read_metadata(p).num_rows for p in sorted(path.glob("*.parquet")))
    return pq.read_metadata(path).num_rows


def remove_object(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    elif path.exists():
        path.unlink()


Recheck = Callable[[Path, list[LakeObject]], int]


def commit(
    *,
    table: str,
    staged: Path,
    rows: int,
    source: str,
    run: str = "",
    key_range: tuple[str, str] | None = None,
    snapshot_id: int | None = None,
    recheck: Recheck | None = None,
) -> LakeObject | None:
    """Make a staged Parquet object part of `table`; return it, or None if nothing was left.

    Writers that deduplicate against the lake pass the last file id they read (`snapshot_id`)
    and a `recheck(staged, newer_files) -> rows` that removes rows now present in files another
    process committed since; it runs under the table's lock, so two writers never both add a key.
    """
    LakeTable.objects.get_or_create(name=table)
    with transaction.atomic():
        lock = LakeTable.objects.select_for_update().get(name=table)
        if recheck is not None and snapshot_id is not None:
            newer = live_files(table, key_range=key_range, after_id=snapshot_id)
            if newer:
                rows = recheck(staged, newer)
        if rows == 0:
            remove_object(staged)
            return None
        now = timezone.now()
        relative = f"{table}/{now:%Y-%m}/{uuid.uuid4().hex}.parquet"
        final = root() / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staged, final)  # atomic on one filesystem; invisible until the row commits
        row = LakeFile.objects.create(
            table=table,
            path=relative,
            rows=rows,
            key_min=key_range[0] if key_range else "",
            key_max=key_range[1] if key_range else "",
            source=source,
            run=run,
            created_at=now,
        )
        lock.version += 1
        lock.save(update_fields=["version"])
    return _object(row)


@dataclass(frozen=True)
class Staged:
    """A Parquet object written to staging, with its row count and key range (if recorded)."""

    path: Path
    rows: int
    key_range: tuple[str, str] | None = None


class StaleFiles(Exception):
    """Some of the files a compaction would retire are no longer live (another compaction)."""


@transaction.atomic
def replace(
    *, table: str, retire: list[LakeObject], staged: list[Staged], run: str = ""
) -> list[LakeObject]:
    """Swap several files for others (compaction) in one commit: readers see either set, never
    both, never neither. Raises StaleFiles, changing nothing, if any file in `retire` is no
    longer live. Renamed objects of a rolled-back call are orphans that vacuum() removes.
    """
    LakeTable.objects.get_or_create(name=table)
    lock = LakeTable.objects.select_for_update().get(name=table)
    ids = [o.id for o in retire]
    live = LakeFile.objects.filter(table=table, pk__in=ids, retired_at__isnull=True).count()
    if live != len(set(ids)):
        raise StaleFiles(table)
    now = timezone.now()
    created = []
    for item in staged:
        relative = f"{table}/{now:%Y-%m}/{uuid.uuid4().hex}.parquet"
        final = root() / relative
        final.parent.mkdir(parents=True, exist_ok=True)
        os.replace(item.path, final)  # invisible until the row commits
        created.append(
            LakeFile.objects.create(
                table=table,
                path=relative,
                rows=item.rows,
                key_min=item.key_range[0] if item.key_range else "",
                key_max=item.key_range[1] if item.key_range else "",
                source=LakeFile.Source.COMPACTION,
                run=run,
                created_at=now,
            )
        )
    LakeFile.objects.filter(pk__in=ids).update(retired_at=now)
    lock.version += 1
    lock.save(update_fields=["version"])
    return [_object(row) for row in created]


def vacuum(*, grace: timedelta = timedelta(hours=1)) -> int:
    """Delete retired files and abandoned ones (never committed) older than `grace`.

    Readers that listed a file just before it was retired may still be reading it, hence the
    grace period. Returns the number of objects removed.
    """
    removed = 0
    cutoff = timezone.now() - grace
    for row in LakeFile.objects.filter(retired_at__lt=cutoff):
        remove_object(root() / row.path)
        row.delete()
        removed += 1
    known = set(LakeFile.objects.values_list("path", flat=True))
    oldest = time.time() - grace.total_seconds()
    base = root()
    if not base.exists():
        return removed
    for entry in base.glob("*/*/*.parquet"):
        relative = entry.relative_to(base).as_posix()
        if relative not in known and entry.stat().st_mtime < oldest:
            remove_object(entry)
            removed += 1
    for entry in (base / "_staging").glob("*") if (base / "_staging").exists() else []:
        if entry.stat().st_mtime < oldest:
            remove_object(entry)
            removed += 1
    return removed
