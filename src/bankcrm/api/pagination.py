"""Cursor (keyset) pagination: no OFFSET and no COUNT, so a page costs the same at any depth.

A cursor is opaque to clients: base64url of the sort key of the last row they saw. Every list
answers `{"items": [...], "next_cursor": "..." | null}`; pass `cursor=<next_cursor>` for the
next page until it is null.
"""

import base64
import binascii
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

MAX_ID = 2**63 - 1
MAX_CURSOR_LENGTH = 200


def _int(value: Any) -> int:
    if type(value) is not int or not 1 <= value <= MAX_ID:
        raise ValueError(value)
    return value


def _date(value: Any) -> date:
    return date.fromisoformat(value)


def _aware_datetime(value: Any) -> datetime:
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


PARSERS: dict[type, Callable[[Any], Any]] = {int: _int, date: _date, datetime: _aware_datetime}


@dataclass(frozen=True)
class Keyset:
    """The sort key of a list: model fields with their types, all ascending or all descending."""

    fields: tuple[tuple[str, type], ...]
    descending: bool = True

    def order_by(self) -> list[str]:
        sign = "-" if self.descending else ""
        return [f"{sign}{name}" for name, _type in self.fields]

    def after(self, values: list[Any]) -> Q:
        """Rows strictly after `values` in this order: (a > x) or (a = x and b > y) ..."""
        op = "lt" if self.descending else "gt"
        condition = Q()
        for i, (name, _type) in enumerate(self.fields):
            equal = {self.fields[j][0]: values[j] for j in range(i)}
            condition |= Q(**equal, **{f"{name}__{op}": values[i]})
        return condition


ID_DESC = Keyset(fields=(("id", int),))


def _invalid() -> ValidationError:
    return ValidationError(
        {
            "cursor": ValidationError(
                _("This cursor is not valid: use a next_cursor from a previous page."),
                code="invalid_cursor",
            )
        }
    )


def encode_cursor(values: list[Any]) -> str:
    plain = json.dumps([v.isoformat() if isinstance(v, date) else v for v in values])
    return base64.urlsafe_b64encode(plain.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, keyset: Keyset) -> list[Any]:
    """The sort key a cursor stands for; a ValidationError on the `cursor` field otherwise."""
    if len(cursor) > MAX_CURSOR_LENGTH:
        raise _invalid()
    try:
        raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if not isinstance(raw, list) or len(raw) != len(keyset.fields):
            raise ValueError(raw)
        return [
            PARSERS[kind](value) for value, (_name, kind) in zip(raw, keyset.fields, strict=True)
        ]
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise _invalid() from exc


def keyset_page(
    qs: QuerySet, *, keyset: Keyset, cursor: str | None, limit: int
) -> tuple[list[Any], str | None]:
    """One page of `qs` in keyset order, and the cursor of the next page (None on the last)."""
    if cursor:
        qs = qs.filter(keyset.after(decode_cursor(cursor, keyset)))
    rows = list(qs.order_by(*keyset.order_by())[: limit + 1])
    has_more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor([getattr(rows[-1], name) for name, _type in keyset.fields])
        if has_more
        else None
    )
    return rows, next_cursor
