"""The transaction hook: code that must see every committed warehouse row subscribes here.

Publishing is the commit itself: every lake file a writer commits gets the next id of its
table (commits of one table are serialised, so ids follow commit order). A subscriber is a
durable consumer with a cursor in the operational database (analytics.HookCursor); delivery
hands it the files committed since, as one `CommittedBatch`, and advances the cursor in the
same transaction as the subscriber's own database writes. Nothing is lost if a process dies
between a commit and a delivery: the next delivery (the real-time endpoint delivers at once,
the background task every few seconds) picks it up. Subscribers must be idempotent toward
anything outside the database.

    from bankcrm.analytics import hooks

    @hooks.subscribe("large_transfers", table="transactions")
    def flag_large(batch: hooks.CommittedBatch) -> None:
        rows = batch.rows()                      # an Ibis table of exactly the new rows
        ...
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connection, transaction

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class CommittedBatch:
    table: str
    file_ids: tuple[int, ...]
    paths: tuple[str, ...]
    row_count: int

    def files(self) -> list:
        """The committed Parquet objects (paths)."""
        from bankcrm.analytics import lake

        return [lake.root() / p for p in self.paths]

    def rows(self):
        """The committed rows as an Ibis table expression."""
        from bankcrm.analytics import schema
        from bankcrm.analytics.backends import warehouse

        return warehouse().read(self.files(), schema.spec(self.table))


@dataclass(frozen=True)
class Subscriber:
    name: str
    table: str
    handler: Callable[[CommittedBatch], None]


_subscribers: dict[str, Subscriber] = {}


def subscribe(name: str, *, table: str = "transactions"):
    """Register a handler of committed batches of `table` under a stable name (its cursor)."""

    def register(handler: Callable[[CommittedBatch], None]):
        _subscribers[name] = Subscriber(name=name, table=table, handler=handler)
        return handler

    return register


def subscribers(table: str | None = None) -> list[Subscriber]:
    return [s for s in _subscribers.values() if table is None or s.table == table]


def _locked_cursor(name: str):
    """The subscriber's cursor row, locked (None if another process holds it)."""
    from bankcrm.analytics.models import HookCursor

    rows = HookCursor.objects.filter(name=name)
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    found = rows.first()
    if found is None and not HookCursor.objects.filter(name=name).exists():
        HookCursor.objects.get_or_create(name=name)  # a new subscriber starts at the beginning
        found = rows.first()
    return found


def deliver(
    *,
    table: str | None = None,
    max_rows: int = 2_000_000,
    max_batches: int | None = None,
    max_backlog: int | None = None,
) -> dict[str, int]:
    """Hand every subscriber the files committed since its cursor; return rows delivered.

    Files go out in batches of up to `max_rows` (at least one file each); `max_batches` bounds
    the work of one call (the real-time endpoint delivers a little and leaves any backlog to
    the worker). With `max_backlog`, a subscriber with more pending rows than that is left
    to the worker altogether. A subscriber whose cursor another process holds is skipped.
    """
    from bankcrm.analytics import lake

    delivered: dict[str, int] = {}
    for subscriber in subscribers(table):
        total = 0
        batches = 0
        while max_batches is None or batches < max_batches:
            batches += 1
            with transaction.atomic():
                cursor = _locked_cursor(subscriber.name)
                if cursor is None:
                    break
                pending = lake.live_files(
                    subscriber.table,
                    after_id=cursor.last_file_id,
                    exclude_sources=("compaction",),
                )
                if not pending:
                    break
                if max_backlog is not None and sum(f.rows for f in pending) > max_backlog:
                    break
                batch_files = []
                rows = 0
                for f in pending:
                    if batch_files and rows + f.rows > max_rows:
                        break
                    batch_files.append(f)
                    rows += f.rows
                root = lake.root()
                subscriber.handler(
                    CommittedBatch(
                        table=subscriber.table,
                        file_ids=tuple(f.id for f in batch_files),
                        paths=tuple(f.path.relative_to(root).as_posix() for f in batch_files),
                        row_count=rows,
                    )
                )
                cursor.last_file_id = batch_files[-1].id
                cursor.save(update_fields=["last_file_id", "updated_at"])
                total += rows
        delivered[subscriber.name] = total
    return delivered


def low_water_mark(table: str) -> int:
    """The last file id every subscriber of `table` has consumed (compaction stays below it)."""
    from bankcrm.analytics.models import HookCursor

    names = [s.name for s in subscribers(table)]
    if not names:
        return 2**62
    cursors = dict(HookCursor.objects.filter(name__in=names).values_list("name", "last_file_id"))
    return min(cursors.get(n, 0) for n in names)
