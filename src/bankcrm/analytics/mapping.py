"""Column mappings: how a bank's extract layout maps onto the warehouse's columns.

A mapping file (YAML or JSON) lets another bank's extract load without code changes; see
docs/warehouse.md for a full example. Without one, the extract's columns carry our names.

    format: csv                 # csv | parquet; otherwise from the file's extension
    csv: {delimiter: "|", encoding: gbk, header: true}
    timezone: Asia/Shanghai     # zone of timestamps that carry none (default: settings.TIME_ZONE)
    columns:
      id: JYLSH                                   # target: source column
      booked_at: {column: JYSJ, format: "%Y%m%d%H%M%S"}
      amount: JYJE
      direction: {column: JDBZ, debit: D, credit: C}   # unsigned amounts with a flag
      channel: {column: QD, values: {"01": counter, "02": atm}}
      currency: {column: BZ, default: CNY, values: {"156": CNY}}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings

# Target columns of each feed, with whether the extract must provide them.
FEEDS: dict[str, dict[str, bool]] = {
    "transactions": {
        "id": True,
        "account": True,
        "booked_at": True,
        "amount": True,
        "currency": False,
        "balance_after": False,
        "channel": True,
        "category": True,
        "merchant_category": False,
        "counterparty": False,
        "description": False,
    },
    "balances": {
        "account": True,
        "balance_date": True,
        "balance": True,
        "currency": False,
    },
}

DEFAULTS: dict[str, str] = {"currency": "CNY"}
DEFAULT_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f")
DEFAULT_DATE_FORMATS = ("%Y-%m-%d",)


class MappingError(ValueError):
    """A mapping file that cannot be used."""


@dataclass(frozen=True)
class ColumnRule:
    target: str
    source: str | None
    default: str | None = None
    formats: tuple[str, ...] = ()
    values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Direction:
    source: str
    debit: tuple[str, ...]
    credit: tuple[str, ...]


@dataclass(frozen=True)
class Mapping:
    feed: str
    columns: dict[str, ColumnRule]
    format: str | None = None
    delimiter: str = ","
    encoding: str = "utf-8"
    header: bool = True
    timezone: str = ""
    direction: Direction | None = None

    def source_columns(self) -> list[str]:
        names = [r.source for r in self.columns.values() if r.source]
        if self.direction:
            names.append(self.direction.source)
        return list(dict.fromkeys(names))

    @property
    def zone(self) -> str:
        return self.timezone or settings.TIME_ZONE


def _listify(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, list | tuple):
        return tuple(str(v) for v in value)
    return (str(value),)


def build(feed: str, data: dict[str, Any] | None = None) -> Mapping:
    if feed not in FEEDS:
        raise MappingError(f"Unknown feed {feed!r}; expected one of {', '.join(FEEDS)}.")
    data = data or {}
    unknown = set(data) - {"format", "csv", "timezone", "columns"}
    if unknown:
        raise MappingError(f"Unknown mapping keys: {', '.join(sorted(unknown))}.")
    given = data.get("columns") or {}
    targets = FEEDS[feed]
    allowed = set(targets) | ({"direction"} if feed == "transactions" else set())
    extra = set(given) - allowed
    if extra:
        raise MappingError(f"Unknown target columns: {', '.join(sorted(extra))}.")
    rules: dict[str, ColumnRule] = {}
    for target in targets:
        spec = given.get(target, target if target not in given else None)
        if isinstance(spec, str) or spec is None:
            spec = {"column": spec}
        if not isinstance(spec, dict):
            raise MappingError(f"The mapping of {target!r} must be a column name or a table.")
        formats = _listify(spec.get("format"))
        if not formats and target == "booked_at":
            formats = DEFAULT_TIME_FORMATS
        if not formats and target == "balance_date":
            formats = DEFAULT_DATE_FORMATS
        rules[target] = ColumnRule(
            target=target,
            source=spec.get("column"),
            default=spec.get("default", DEFAULTS.get(target)),
            formats=formats,
            values={str(k): str(v) for k, v in (spec.get("values") or {}).items()},
        )
    direction = None
    if "direction" in given:
        d = given["direction"]
        if not isinstance(d, dict) or "column" not in d:
            raise MappingError("direction needs a column and its debit and credit values.")
        direction = Direction(
            source=d["column"],
            debit=_listify(d.get("debit", "D")),
            credit=_listify(d.get("credit", "C")),
        )
    csv = data.get("csv") or {}
    fmt = data.get("format")
    if fmt not in (None, "csv", "parquet"):
        raise MappingError("format must be csv or parquet.")
    return Mapping(
        feed=feed,
        columns=rules,
        format=fmt,
        delimiter=str(csv.get("delimiter", ",")),
        encoding=str(csv.get("encoding", "utf-8")),
        header=bool(csv.get("header", True)),
        timezone=str(data.get("timezone", "")),
        direction=direction,
    )


def load(feed: str, path: Path | str | None) -> Mapping:
    """Read a mapping file (.yaml/.yml/.json); None gives the identity mapping."""
    if path is None:
        return build(feed)
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MappingError(f"Cannot read the mapping file {path}: {exc.strerror}.") from exc
    try:
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise MappingError(f"The mapping file {path} is not valid: {exc}") from exc
    if not isinstance(data, dict):
        raise MappingError(f"The mapping file {path} must hold a table of settings.")
    return build(feed, data)
