"""Key rotation for protected (C2) fields and their blind indexes, without downtime for reads.

`field_keys_rotate` re-encrypts every value of every encrypted field under the newest key of
BANKCRM_FIELD_KEYS (MultiFernet.rotate); the older keys stay listed, so every row still reads
while it runs. `blind_indexes_rotate` recomputes every `*_bidx` column under BANKCRM_INDEX_KEY
from the decrypted values; while it runs BANKCRM_INDEX_KEY_PREVIOUS keeps the old digests
searchable. Both walk each table in primary-key batches, each batch one short transaction that
locks its rows, so a concurrent edit is never overwritten with a stale value. Both are resumable:
a row already under the newest key (or already carrying the new digest) is left alone, so a run
stopped half-way is simply started again. They write only the protected columns: no optimistic
lock version is bumped and no `updated_at` changes. One audit event records each run.
"""

import getpass
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby

from django.db import models, transaction
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from bankcrm.audit.services import audit_record
from bankcrm.common import crypto
from bankcrm.common.protection import ProtectedField, protected_fields

Progress = Callable[[int], object]


class RotationError(Exception):
    """A stored value could not be decrypted with any configured key; nothing of its batch
    was written. The message names the row, never the value."""


@dataclass
class RotationReport:
    """Rows rewritten and rows already current, per model label."""

    rewritten: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    @property
    def total_rewritten(self) -> int:
        return sum(self.rewritten.values())


def _by_model(fields: tuple[ProtectedField, ...]) -> Iterator[tuple[type, list[ProtectedField]]]:
    for model, group in groupby(fields, key=lambda f: f.model):
        yield model, list(group)


def rows_to_visit(*, index: bool = False) -> int:
    """How many rows a run will read (for a progress bar)."""
    total = 0
    for model, fields in _by_model(protected_fields()):
        if index and not any(f.index for f in fields):
            continue
        total += model._base_manager.count()
    return total


def _walk(
    model: type[models.Model],
    columns: list[str],
    annotations: dict,
    handle: Callable[[list[tuple]], int],
    batch_size: int,
    progress: Progress,
) -> tuple[int, int]:
    """Read the table in primary-key batches; each batch is locked, handled and committed in
    one transaction. `handle` writes what needs writing and returns how many rows it changed."""
    rewritten = unchanged = 0
    last = None
    while True:
        with transaction.atomic():
            qs = model._base_manager.order_by("pk")
            if last is not None:
                qs = qs.filter(pk__gt=last)
            if annotations:
                qs = qs.annotate(**annotations)
            rows = list(qs.select_for_update().values_list("pk", *columns)[:batch_size])
            if not rows:
                return rewritten, unchanged
            changed = handle(rows)
        rewritten += changed
        unchanged += len(rows) - changed
        last = rows[-1][0]
        progress(len(rows))


def _rotate_model(
    model: type[models.Model], fields: list[ProtectedField], batch_size: int, progress: Progress
) -> tuple[int, int]:
    # The raw ciphertext: a cast to plain text skips the field's decryption on the way out.
    annotations = {f"_raw_{f.name}": Cast(f.name, output_field=TextField()) for f in fields}

    def handle(rows: list[tuple]) -> int:
        changed = 0
        for pk, *tokens in rows:
            new = {}
            for protected, token in zip(fields, tokens, strict=True):
                if not token or crypto.is_current(token):
                    continue
                try:
                    new[protected.name] = Value(crypto.rotate(token), output_field=TextField())
                except crypto.DecryptionError as exc:
                    raise RotationError(
                        f"{protected.label} of row {pk} cannot be decrypted with any key in "
                        "BANKCRM_FIELD_KEYS: add the key it was written with and run again"
                    ) from exc
            if new:
                # A plain-text Value stores the new token as it is (the field would encrypt it
                # again); only these columns change: no version bump, no updated_at.
                model._base_manager.filter(pk=pk).update(**new)
                changed += 1
        return changed

    return _walk(model, list(annotations), annotations, handle, batch_size, progress)


def _reindex_model(
    model: type[models.Model], fields: list[ProtectedField], batch_size: int, progress: Progress
) -> tuple[int, int]:
    indexed = [f for f in fields if f.index]
    columns = [f.name for f in indexed] + [f.index for f in indexed]

    def handle(rows: list[tuple]) -> int:
        changed = 0
        for pk, *row in rows:
            values, digests = row[: len(indexed)], row[len(indexed) :]
            new = {}
            for protected, value, digest in zip(indexed, values, digests, strict=True):
                wanted = crypto.blind_index(protected.kind, value) if value else ""
                if wanted != digest:
                    new[protected.index] = wanted
            if new:
                model._base_manager.filter(pk=pk).update(**new)
                changed += 1
        return changed

    return _walk(model, columns, {}, handle, batch_size, progress)


def _run(kind: str, step, *, batch_size: int, progress: Progress | None) -> RotationReport:
    progress = progress or (lambda _n: None)
    report = RotationReport()
    error = ""
    try:
        for model, fields in _by_model(protected_fields()):
            if kind == "index" and not any(f.index for f in fields):
                continue
            label = model._meta.label
            try:
                report.rewritten[label], report.unchanged[label] = step(
                    model, fields, batch_size, progress
                )
            except crypto.DecryptionError as exc:
                raise RotationError(
                    f"a protected value of {label} cannot be decrypted with any key in "
                    "BANKCRM_FIELD_KEYS: add the key it was written with and run again"
                ) from exc
    except Exception as exc:
        error = type(exc).__name__
        raise
    finally:
        audit_record(
            actor=None,
            action="keys.rotate_index" if kind == "index" else "keys.rotate_fields",
            object_type="encryption_keys",
            changes={
                "rewritten": report.rewritten,
                "unchanged": report.unchanged,
                "completed": not error,
                **({"error": error} if error else {}),
                "os_user": _os_user(),
            },
            reason="bankcrm rotate_keys",
        )
    return report


def _os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        return ""


def field_keys_rotate(
    *, batch_size: int = 1000, progress: Progress | None = None
) -> RotationReport:
    """Re-encrypt every protected value under the newest field key; resumable."""
    return _run("fields", _rotate_model, batch_size=batch_size, progress=progress)


def blind_indexes_rotate(
    *, batch_size: int = 1000, progress: Progress | None = None
) -> RotationReport:
    """Recompute every blind index under the current index key; resumable."""
    return _run("index", _reindex_model, batch_size=batch_size, progress=progress)
