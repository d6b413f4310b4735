"""Seeding the demo bank: the organisation first, then customers chunk by chunk.

Chunks are generated (numpy, encryption, pinyin) in a pool of worker processes and inserted in
order by this process, one transaction per chunk, with executemany on SQLite and COPY on
PostgreSQL. A customer row and all the rows attached to it land in the same transaction, so
"customer pk exists" means "this customer is complete": re-running skips existing pks.
"""

from __future__ import annotations

import math
import multiprocessing
import os
import time
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
from django.apps import apps
from django.core.management.color import no_style
from django.db import connection, connections, transaction
from django.utils import timezone
from tqdm import tqdm

from bankcrm.audit.services import audit_record
from bankcrm.common import crypto
from bankcrm.customers.models import Customer
from bankcrm.demo import bank
from bankcrm.demo import mfa as demo_mfa
from bankcrm.demo.generate import (
    CHUNK_SIZE,
    Chunk,
    Plan,
    Table,
    area_codes_for_year,
    generate_chunk,
    resident_id,
)

_WORKER_PLAN: Plan | None = None
COMMIT_EVERY = 100_000  # customers per transaction (all of a customer's rows commit together)


@dataclass
class SeedResult:
    requested: int
    created: int
    rows: int
    seconds: float
    insert_seconds: float = 0.0  # of which spent writing to the database
    by_table: dict[str, int] = field(default_factory=dict)


def seed(
    *,
    customers: int,
    seed: int = 2026,
    workers: int | None = None,
    progress: bool = True,
    analyze: bool = True,
) -> SeedResult:
    started = time.perf_counter()
    now = timezone.now()
    with transaction.atomic():
        branches = bank.ensure_branches()
        rm_ids = bank.ensure_staff(branches, customers)
        demo_mfa.ensure_demo_devices([login.username for login in bank.DEMO_LOGINS])
        plan = Plan(
            seed=seed,
            vendor=connection.vendor,
            today=timezone.localdate(now),
            now=now,
            sub_branches=bank.sub_branches(branches, rm_ids),
            product_ids=bank.ensure_products(),
            tag_ids=bank.ensure_tags(),
        )

    area_codes_for_year()  # computed once here, inherited by forked workers
    tasks = list(_missing(customers))
    to_create = sum(int(new.sum()) for _c, new in tasks)
    result = SeedResult(requested=customers, created=0, rows=0, seconds=0.0)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    bar = tqdm(
        total=to_create,
        unit=" customers",
        unit_scale=True,
        disable=not progress or to_create == 0,
        smoothing=0.1,
    )
    with bar, _chunk_source(plan, tasks, workers) as chunks:
        finished = False
        while not finished:
            # Several chunks per transaction: each commit rewrites the index pages it touched,
            # and the blind-index and name indexes are touched at random.
            with transaction.atomic():
                for _ in range(max(1, COMMIT_EVERY // CHUNK_SIZE)):
                    chunk = next(chunks, None)
                    if chunk is None:
                        finished = True
                        break
                    writing = time.perf_counter()
                    _resolve_id_collisions(chunk)
                    for table in chunk.tables:
                        inserted = _insert(table)
                        result.by_table[table.model] = (
                            result.by_table.get(table.model, 0) + inserted
                        )
                    result.insert_seconds += time.perf_counter() - writing
                    result.created += chunk.customers
                    result.rows += chunk.rows
                    bar.update(chunk.customers)
                    elapsed = max(bar.format_dict["elapsed"], 1e-9)
                    bar.set_postfix(rows_per_s=f"{result.rows / elapsed:,.0f}")

    if result.created:
        _reset_sequences()
        if analyze:
            _analyze()
    result.seconds = time.perf_counter() - started
    with transaction.atomic():
        audit_record(
            actor=None,
            action="demo.seed",
            object_type="demo_bank",
            changes={
                "customers": customers,
                "created": result.created,
                "rows": result.rows,
                "seed": seed,
                "seconds": round(result.seconds, 1),
                "insert_seconds": round(result.insert_seconds, 1),
            },
        )
    return result


def _missing(customers: int) -> Iterator[tuple[int, np.ndarray]]:
    """(chunk, offsets to create) for every chunk with a missing customer; pk = index + 1."""
    for chunk in range(math.ceil(customers / CHUNK_SIZE)):
        lo = chunk * CHUNK_SIZE
        size = min(CHUNK_SIZE, customers - lo)
        existing = np.fromiter(
            Customer.objects.filter(pk__gt=lo, pk__lte=lo + size).values_list("pk", flat=True),
            dtype=np.int64,
        )
        if len(existing) == size:
            continue
        new = np.ones(size, dtype=bool)
        new[existing - lo - 1] = False
        yield chunk, new


def _init_worker(plan: Plan) -> None:
    global _WORKER_PLAN
    _WORKER_PLAN = plan


def _work(task: tuple[int, np.ndarray]) -> Chunk:
    assert _WORKER_PLAN is not None
    return generate_chunk(_WORKER_PLAN, *task)


@contextmanager
def _chunk_source(plan: Plan, tasks: list, workers: int) -> Iterator[Iterator[Chunk]]:
    """Generated chunks in order: from worker processes when that is possible and worth it.

    The pool starts here, before any transaction: forked children must not share a live
    database connection, so the parent closes its connections first.
    """
    inline = (
        workers <= 1
        or len(tasks) <= 1
        or connection.in_atomic_block  # e.g. inside a test transaction: keep one connection
        or (connection.vendor == "sqlite" and connection.is_in_memory_db())
    )
    if inline:
        _tune_connection()
        yield (generate_chunk(plan, *task) for task in tasks)
        return
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(workers, initializer=_init_worker, initargs=(plan,)) as pool:
        _tune_connection()
        yield _in_order(pool, tasks, workers)


def _in_order(pool, tasks: list, workers: int) -> Iterator[Chunk]:
    pending: deque = deque()
    for task in tasks:
        pending.append(pool.apply_async(_work, (task,)))
        if len(pending) > workers:  # a bounded lead: finished chunks wait in memory
            yield pending.popleft().get()
    while pending:
        yield pending.popleft().get()


def _tune_connection() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size = -1048576")  # up to 1 GiB of page cache
        elif connection.vendor == "postgresql":
            cursor.execute("SET synchronous_commit TO OFF")


def _resolve_id_collisions(chunk: Chunk) -> None:
    """Give a new sequence number to the rare generated ID number that is already taken."""
    if not chunk.resident_ids:
        return
    customers = chunk.tables[0]
    assert customers.model == "customers.Customer"
    bidx = customers.columns["id_number_bidx"]
    positions = list(chunk.resident_ids)
    wanted = [bidx[p] for p in positions]
    taken: set[str] = set()
    with connection.cursor() as cursor:
        for start in range(0, len(wanted), 500):
            part = wanted[start : start + 500]
            cursor.execute(
                f"SELECT id_number_bidx FROM {Customer._meta.db_table} "  # noqa: S608
                f"WHERE id_number_bidx IN ({', '.join(['%s'] * len(part))})",
                part,
            )
            taken.update(row[0] for row in cursor.fetchall())
    seen: set[str] = set()
    for position in positions:
        value = bidx[position]
        if value not in taken and value not in seen:
            seen.add(value)
            continue
        number = chunk.resident_ids[position]
        body, seq = number[:14], int(number[14:17])
        while value in taken or value in seen:
            seq = (seq + 2) % 1000  # keeps the parity, which encodes the gender
            number = resident_id(body[:6], body[6:], seq)
            value = crypto.blind_index("id_number", number)
        seen.add(value)
        chunk.resident_ids[position] = number
        customers.columns["id_number"][position] = crypto.encrypt(number)
        bidx[position] = value


def _model(label: str):
    if label.endswith("_tags"):
        return apps.get_model(label.removesuffix("_tags")).tags.through
    return apps.get_model(label)


def _insert(table: Table) -> int:
    """Insert column-wise rows into the model's table; columns not given take their default."""
    rows = len(table)
    if not rows:
        return 0
    model = _model(table.model)
    fields = {f.attname: f for f in model._meta.concrete_fields}
    unknown = set(table.columns) - set(fields)
    if unknown:
        raise ValueError(f"{table.model}: unknown columns {sorted(unknown)}")
    columns = dict(table.columns)
    for name, f in fields.items():
        if name in columns or f.primary_key:
            continue
        if f.has_default():
            columns[name] = [f.get_db_prep_save(f.get_default(), connection)] * rows
        elif f.null:
            columns[name] = [None] * rows
        else:
            raise ValueError(f"{table.model}: no value for required column {name}")
    names = list(columns)
    db_columns = [fields[n].column for n in names]
    values = list(zip(*(columns[n] for n in names), strict=True))
    quote = connection.ops.quote_name
    sql_table = quote(model._meta.db_table)
    sql_columns = ", ".join(quote(c) for c in db_columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {sql_table} ({sql_columns}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
        else:
            placeholders = ", ".join(["%s"] * len(names))
            cursor.executemany(
                f"INSERT INTO {sql_table} ({sql_columns}) VALUES ({placeholders})",  # noqa: S608
                values,
            )
    return rows


def _reset_sequences() -> None:
    """PostgreSQL does not advance a sequence on explicit ids; SQLite's AUTOINCREMENT does."""
    statements = connection.ops.sequence_reset_sql(no_style(), [Customer])
    if statements:
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _analyze() -> None:
    """Fresh planner statistics after a bulk load."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ANALYZE")
        elif connection.vendor == "sqlite":
            # A full ANALYZE: sampled statistics (analysis_limit) misled the planner into
            # scanning a branch index for name searches (see docs/benchmarks.md).
            cursor.execute("PRAGMA analysis_limit = 0")
            cursor.execute("ANALYZE")
