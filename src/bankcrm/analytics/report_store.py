"""Report figures kept per report, scope and period, so a page does not query the whole lake
on every view.

A report computed over the lake records what its queries returned (reports.Tape); the rows are
stored in a ReportSnapshot and replayed to build the same report again: charts, drill keys and
exports come out exactly as from the lake, in a few milliseconds. `bankcrm refresh_reports`
(nightly, after the day's extracts and `refresh_values`) computes the default period of every
report for the whole bank and for every branch's subtree — what head office and each branch
manager open first; any other scope or period (an RM's book, a chosen month range) is computed
on its first view and kept. A snapshot older than REPORT_MAX_AGE, or written by other report
code, is computed again; the page shows when its figures were computed and can recompute them.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import timezone

from bankcrm.analytics import reports
from bankcrm.analytics.models import ReportSnapshot
from bankcrm.analytics.segments import Scope

REPORTS: dict[str, Callable] = {
    "dashboard": reports.dashboard,
    "profiling": reports.profiling,
    "persistency": reports.persistency,
    "profitability": reports.profitability,
    "performance": reports.performance,
    "prospecting": reports.prospecting,
    "product": reports.product,
}

# The report code that computes the figures: a snapshot from other code is computed again.
CODE = hashlib.sha256(Path(reports.__file__).read_bytes()).hexdigest()[:16]


@dataclass(frozen=True)
class Figures:
    found: Any  # the report's dataclass (reports.Profiling, ...)
    computed_at: datetime
    replayed: bool  # read from a snapshot rather than computed now


def scope_key(scope: Scope | None) -> str:
    if scope is None:
        return "bank"
    parts = []
    if scope.rm_id is not None:
        parts.append(f"rm:{scope.rm_id}")
    if scope.branch_ids is not None:
        ids = ",".join(str(i) for i in sorted(scope.branch_ids))
        if len(ids) > 60:
            ids = "#" + hashlib.sha256(ids.encode()).hexdigest()[:32]
        parts.append(f"b:{ids}")
    return ";".join(parts)


def report_figures(report: str, *, scope: Scope | None, period, fresh: bool = False) -> Figures:
    """The report's figures: from a current snapshot, else computed over the lake and kept."""
    if not fresh:
        oldest = timezone.now() - timedelta(seconds=settings.REPORT_MAX_AGE_SECONDS)
        snapshot = ReportSnapshot.objects.filter(
            report=report,
            scope_key=scope_key(scope),
            period_start=period.start,
            period_end=period.end,
            code=CODE,
            computed_at__gte=oldest,
        ).first()
        if snapshot is not None:
            tape = reports.Tape(_decode(snapshot.calls))
            try:
                found = reports.with_tape(tape, REPORTS[report], scope=scope, period=period)
            except reports.TapeMismatch:
                pass
            else:
                return Figures(found, snapshot.computed_at, replayed=True)
    return compute(report, scope=scope, period=period)


def compute(report: str, *, scope: Scope | None, period) -> Figures:
    """Compute the report over the lake now and keep its figures."""
    tape = reports.Tape()
    started = time.monotonic()
    found = reports.with_tape(tape, REPORTS[report], scope=scope, period=period)
    now = timezone.now()
    ReportSnapshot.objects.update_or_create(
        report=report,
        scope_key=scope_key(scope),
        period_start=period.start,
        period_end=period.end,
        defaults={
            "code": CODE,
            "calls": _encode(tape.calls),
            "computed_at": now,
            "seconds": round(time.monotonic() - started, 3),
        },
    )
    return Figures(found, now, replayed=False)


def nightly_scopes() -> Iterator[tuple[str, Scope | None]]:
    """The whole bank, then each branch's subtree (what its manager sees), by path."""
    from bankcrm.org.models import Branch
    from bankcrm.org.selectors import branch_subtree_ids

    yield "bank", None
    for branch in Branch.objects.exclude(parent=None).order_by("path"):
        yield branch.code, Scope(branch_ids=tuple(sorted(branch_subtree_ids(branch))))


def refresh_reports(*, period, progress: Callable[[int, int, str], None] | None = None) -> int:
    """Compute every report of `period` for every nightly scope; drop snapshots past their age.
    Returns how many snapshots were written."""
    scopes = list(nightly_scopes())
    total, done = len(scopes) * len(REPORTS), 0
    for label, scope in scopes:
        for report in REPORTS:
            compute(report, scope=scope, period=period)
            done += 1
            if progress:
                progress(done, total, f"{label} {report}")
    oldest = timezone.now() - timedelta(seconds=settings.REPORT_MAX_AGE_SECONDS)
    ReportSnapshot.objects.filter(computed_at__lt=oldest).delete()
    return done


# --- The rows as JSON (Decimal, date and datetime kept as such) --------------------------------

_TAGS = {"$dec": Decimal, "$date": date.fromisoformat, "$dt": datetime.fromisoformat,
         "$float": float}  # fmt: skip


def _encode(value):
    if isinstance(value, Decimal):
        return {"$dec": str(value)}
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, float) and not math.isfinite(value):
        return {"$float": repr(value)}
    if isinstance(value, list | tuple):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(f"a report row holds a {type(value).__name__}: not storable")


def _decode(value):
    if isinstance(value, list):
        return [_decode(v) for v in value]
    if isinstance(value, dict):
        if len(value) == 1:
            ((tag, text),) = value.items()
            if tag in _TAGS:
                return _TAGS[tag](text)
        return {k: _decode(v) for k, v in value.items()}
    return value
