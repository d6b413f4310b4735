"""AUM per relationship manager over time, from the warehouse's daily balances (people app).

The people app's performance pages measure AUM growth over a period: the AUM of each RM's book
at the end of the day before the period starts and at the last loaded day of the period. Both
come from the `daily_balances` extract (end-of-day balances of every account), joined to the
holdings snapshot (which product an account is: liabilities do not count as AUM) and to the
customers snapshot (whose book the customer is in: the RM as last synced).

Results are plain dataclasses keyed by staff id; callers decide who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import ibis

from bankcrm.analytics import tables
from bankcrm.analytics.valuation import LIABILITY_TYPES

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class AumAt:
    """Every RM's AUM (CNY, end of day) on `day`: the last loaded balance day on or before the
    day asked for. `day` is None when the warehouse holds no balances that early."""

    day: date | None
    by_rm: dict[int, Decimal] = field(default_factory=dict)


@dataclass(frozen=True)
class AumGrowth:
    opening: AumAt  # end of the day before the period
    closing: AumAt  # last loaded day of the period

    @property
    def known(self) -> bool:
        return self.opening.day is not None and self.closing.day is not None

    def growth(self, rm_id: int) -> Decimal | None:
        if not self.known:
            return None
        return self.closing.by_rm.get(rm_id, ZERO) - self.opening.by_rm.get(rm_id, ZERO)


def _last_day(balances: ibis.Table, on: date) -> date | None:
    found = tables.to_arrow(
        balances.filter(balances.balance_date <= on).aggregate(day=balances.balance_date.max())
    ).to_pylist()
    return found[0]["day"] if found else None


def _aum_by_rm(balances: ibis.Table, day: date) -> dict[int, Decimal]:
    holdings = tables.table("holdings").select("account_key", "product_type")
    customers = tables.table("customers").select("customer_id", "rm_id")
    b = balances.filter((balances.balance_date == day) & (balances.currency == "CNY"))
    b = b.join(holdings, "account_key")
    b = b.filter(~b.product_type.isin(list(LIABILITY_TYPES)))
    b = b.join(customers, "customer_id")
    b = b.filter(b.rm_id.notnull())
    rows = tables.to_arrow(b.group_by("rm_id").aggregate(aum=b.balance.sum())).to_pylist()
    return {int(r["rm_id"]): Decimal(r["aum"]).quantize(ZERO) for r in rows}


def aum_at(*, on: date) -> AumAt:
    """Every RM's AUM at the end of the last loaded balance day on or before `on`."""
    balances = tables.table("daily_balances")
    day = _last_day(balances, on)
    if day is None:
        return AumAt(day=None)
    return AumAt(day=day, by_rm=_aum_by_rm(balances, day))


def aum_growth(*, start: date, end: date) -> AumGrowth:
    """Every RM's AUM before the period [start, end] and at its last loaded day.

    The closing day must fall inside the period (a balance from before the period is no
    closing figure); otherwise growth is unknown."""
    opening = aum_at(on=start - timedelta(days=1))
    closing = aum_at(on=end)
    if closing.day is not None and closing.day < start:
        closing = AumAt(day=None)
    return AumGrowth(opening=opening, closing=closing)
