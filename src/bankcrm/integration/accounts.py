"""The account map of real-time pushes: account blind index → customer, kept in memory.

Every push resolves up to 1,000 account numbers against the holdings snapshot. Asking the
warehouse each time (DuckDB reading every holdings file) cost about 200 ms per push on a
1,000,000-account book, most of a push's time. Instead each process keeps the snapshot's
account map in memory, as sorted NumPy arrays (48 bytes an account: 48 MB for a million;
loading a million takes about a second) and refreshes it when the snapshot changes, which two
small catalogue queries per push detect:

- files committed since (the operational sync appends one a minute) are read alone and merged,
  the newest `synced_at` winning as it does on read (tables.latest);
- anything else (a retired or removed file: a compaction, a restore, another lake) reloads it.

PushAccountResolver is the extract path's ingest.AccountResolver (the same cleaning,
well-formedness rule, blind index and 'ok' / 'invalid' / 'unknown' statuses) with only its
look-up of blind indexes answered from this map.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from bankcrm.analytics import lake, tables
from bankcrm.analytics.ingest import AccountResolver
from bankcrm.analytics.models import LakeFile

TABLE = "holdings"
# Accounts merged from files committed after the last full load; past this, reload instead.
MAX_MERGED = 200_000
OLDEST = -(2**63)


@dataclass(frozen=True)
class AccountMap:
    """One version of the map: immutable, so pushes on other threads read it without locks."""

    signature: tuple
    keys: np.ndarray  # sorted fixed-width bytes (blind indexes)
    owners: np.ndarray  # int64, customer id of keys[i]
    synced: np.ndarray  # int64 µs, synced_at of that version
    merged: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → (owner, synced)

    def _find(self, keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(position in the arrays, found?) of each key."""
        if not len(self.keys) or not keys:
            return np.zeros(len(keys), np.int64), np.zeros(len(keys), bool)
        width = self.keys.dtype.itemsize
        wanted = np.array([k.encode() if len(k) <= width else b"" for k in keys], self.keys.dtype)
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        return at, (self.keys[at] == wanted) & (wanted != b"")

    def owner(self, keys: list[str]) -> list[int | None]:
        """The customer of each blind index, None for an account not in the snapshot."""
        found: list[int | None] = [None] * len(keys)
        at, hit = self._find(keys)
        for i in np.flatnonzero(hit):
            found[i] = int(self.owners[at[i]])
        for i, key in enumerate(keys):
            extra = self.merged.get(key)
            if extra is not None:
                found[i] = extra[0]
        return found

    def synced_at(self, keys: list[str]) -> list[int | None]:
        """synced_at (µs) of each key's version in the fully loaded arrays (None if absent)."""
        found: list[int | None] = [None] * len(keys)
        at, hit = self._find(keys)
        for i in np.flatnonzero(hit):
            found[i] = int(self.synced[at[i]])
        return found


def _latest_rows(files: list[lake.LakeObject]) -> pa.Table:
    """(account_key, customer_id, synced µs) of each account's newest version in these files,
    sorted by account_key. A holding keeps its account number, so the newest version of each
    account is that of its holding (tables.latest); one aggregate reads 1,000,000 accounts in
    about a second, where the window of tables.latest took two and a half."""
    if not files:
        return pa.table(
            {
                "account_key": pa.array([], pa.string()),
                "customer_id": pa.array([], pa.int64()),
                "synced": pa.array([], pa.int64()),
            }
        )
    t = tables.files_table(TABLE, files)
    t = t.filter(t.account_key.notnull() & t.customer_id.notnull() & t.synced_at.notnull())
    newest = t.group_by("account_key").aggregate(
        customer_id=t.customer_id.argmax(t.synced_at), synced_at=t.synced_at.max()
    )
    found = tables.to_arrow(newest.order_by("account_key"))
    synced = pc.cast(pc.cast(found.column("synced_at"), pa.timestamp("us", "UTC")), pa.int64())
    return pa.table(
        {
            "account_key": pc.cast(found.column("account_key"), pa.string()),
            "customer_id": pc.cast(found.column("customer_id"), pa.int64()),
            "synced": synced,
        }
    )


def _fixed_width(column: pa.ChunkedArray) -> np.ndarray:
    """Strings as a NumPy fixed-width bytes array; blind indexes (all 32 characters) are
    taken straight from Arrow's buffer instead of a million Python strings."""
    strings = column.combine_chunks()
    if isinstance(strings, pa.ChunkedArray):  # combine_chunks of a ChunkedArray of one type
        strings = strings.chunk(0) if strings.num_chunks else pa.array([], pa.string())
    lengths = pc.binary_length(strings)
    low, high = (pc.min_max(lengths)[k].as_py() for k in ("min", "max"))
    width = max(1, high or 1)
    if strings.null_count == 0 and low == high == width and pa.types.is_string(strings.type):
        n = len(strings)
        offsets = np.frombuffer(strings.buffers()[1], np.int32, n + 1, strings.offset * 4)
        data = np.frombuffer(strings.buffers()[2], f"S{width}", n, int(offsets[0]))
        return data.copy()
    return np.array(strings.to_pylist(), dtype=f"S{width}")


def _arrays(rows: pa.Table) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Sorted by key, one entry per key (its newest version)."""
    if rows.num_rows == 0:
        return np.array([], "S32"), np.array([], np.int64), np.array([], np.int64)
    keys = _fixed_width(rows.column("account_key"))
    owners = rows.column("customer_id").to_numpy().astype(np.int64)
    synced = rows.column("synced").to_numpy().astype(np.int64)
    if not bool(np.all(keys[1:] > keys[:-1])):  # the query sorts; byte order is checked here
        order = np.lexsort((synced, keys))  # by key, then oldest → newest version
        keys, owners, synced = keys[order], owners[order], synced[order]
        last = np.ones(len(keys), bool)
        last[:-1] = keys[1:] != keys[:-1]  # the newest version of each key is its last
        keys, owners, synced = keys[last], owners[last], synced[last]
    return keys, owners, synced


def _signature() -> tuple:
    """(lake, live files, last file id, its path): changes with every commit, retirement or
    removal of a holdings file (the path too, where ids are reused: a rolled-back test)."""
    live = LakeFile.objects.filter(table=TABLE, retired_at__isnull=True)
    last = live.order_by("-id").values_list("id", "path").first() or (0, "")
    return (str(lake.root()), live.count(), *last)


def _load(signature: tuple) -> AccountMap:
    keys, owners, synced = _arrays(_latest_rows(lake.live_files(TABLE, up_to_id=signature[2])))
    return AccountMap(signature=signature, keys=keys, owners=owners, synced=synced)


def _merge(current: AccountMap, signature: tuple) -> AccountMap | None:
    """The map with the files committed since merged in; None if a full reload is needed."""
    root, files, last, _path = signature
    old_root, old_files, old_last, old_path = current.signature
    if root != old_root or last <= old_last:
        return None
    known = LakeFile.objects.filter(pk=old_last, path=old_path, retired_at__isnull=True)
    if old_last and not known.exists():
        return None
    newer = lake.live_files(TABLE, after_id=old_last, up_to_id=last)
    if old_files + len(newer) != files:  # a file was retired or removed meanwhile
        return None
    rows = _latest_rows(newer)
    keys = rows.column("account_key").to_pylist()
    owners = rows.column("customer_id").to_pylist()
    synced = rows.column("synced").to_pylist()
    merged = dict(current.merged)
    for key, owner, at, loaded in zip(keys, owners, synced, current.synced_at(keys), strict=True):
        before = merged.get(key)
        newest = max(OLDEST if loaded is None else loaded, before[1] if before else OLDEST)
        if at >= newest:  # a sync that committed late may carry an older version
            merged[key] = (owner, at)
    if len(merged) > MAX_MERGED:
        return None
    return AccountMap(
        signature=signature,
        keys=current.keys,
        owners=current.owners,
        synced=current.synced,
        merged=merged,
    )


_lock = threading.Lock()
_current: AccountMap | None = None


def current() -> AccountMap:
    """The map as of the snapshot's latest commit (one catalogue query when unchanged)."""
    global _current
    signature = _signature()
    found = _current
    if found is not None and found.signature == signature:
        return found
    with _lock:  # one thread refreshes; the others wait for its result
        found = _current
        signature = _signature()
        if found is None or found.signature != signature:
            merged = _merge(found, signature) if found is not None else None
            found = merged or _load(signature)
            _current = found
    return found


def clear() -> None:
    """Forget the map (tests; the next push reloads it)."""
    global _current
    with _lock:
        _current = None


class PushAccountResolver(AccountResolver):
    """ingest.AccountResolver (the extract path's cleaning, blind index and statuses) whose
    look-up of blind indexes is answered from the in-memory map, not a warehouse query."""

    def __init__(self, accounts: AccountMap | None = None) -> None:
        self.accounts = accounts or current()
        super().__init__(preload=False)

    def _fetch(self, keys: list[str] | None) -> None:
        if keys is None:  # AccountResolver(preload=True): the push never asks for every account
            raise ValueError("The push resolver looks up the accounts it is given.")
        owners = self.accounts.owner(keys)
        self.customers.update(
            (key, owner) for key, owner in zip(keys, owners, strict=True) if owner is not None
        )
