"""The audit hash chain: how an entry's hash is computed and how the whole chain is verified."""

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass

GENESIS = "0" * 64

# The fields an entry's hash covers, in order. Adding one is a new chain version.
HASHED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "action",
    "object_type",
    "object_id",
    "customer_id",
    "changes",
    "reason",
    "outcome",
    "ip",
    "user_agent",
)


def entry_hash(prev_hash: str, content: dict) -> str:
    payload = {name: content[name] for name in HASHED_FIELDS}
    payload["at"] = payload["at"].isoformat(timespec="microseconds")
    canonical = json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    )
    return hashlib.sha256((prev_hash + canonical).encode()).hexdigest()


@dataclass(frozen=True)
class Problem:
    seq: int | None
    event_id: int | None
    message: str


def verify(
    rows: Iterator[dict], head: tuple[int, str] | None, start: tuple[int, str] = (0, GENESIS)
) -> Problem | None:
    """Walk the entries in sequence order; return the first problem, or None if intact.

    `start` is where the walk picks up: (0, GENESIS) for the whole chain, or the sequence
    number and hash of an entry an earlier check found intact (the rows then begin after it).

    Detects an edited row (its hash no longer matches its content), a deleted or inserted row (a
    gap in sequence numbers or a broken link to the previous hash), a reordered row, and a
    truncated tail (the chain head records a later entry than the last row).
    """
    prev_hash, expected_seq, last = start[1], start[0] + 1, start
    for row in rows:
        if row["seq"] != expected_seq:
            return Problem(
                row["seq"], row["id"], f"entry {expected_seq} is missing (found {row['seq']} next)"
            )
        if row["prev_hash"] != prev_hash:
            return Problem(row["seq"], row["id"], "link to the previous entry is broken")
        if entry_hash(prev_hash, row) != row["hash"]:
            return Problem(row["seq"], row["id"], "content does not match its hash (edited)")
        prev_hash, expected_seq, last = row["hash"], expected_seq + 1, (row["seq"], row["hash"])
    if head is not None and head != last:
        return Problem(
            head[0], None, f"the chain head records entry {head[0]} but the last entry is {last[0]}"
        )
    return None
