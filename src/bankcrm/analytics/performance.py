"""AUM per relationship manager over time, from the warehouse's daily balances (people app).

The people app's performance pages measure AUM growth over a period: the AUM of each RM's book
at the end of the day before the period starts and at the last loaded day of the period. Both
come from the `daily_balances` extract (end-of-day balances of every account) or, where no such
extract is loaded, from the balance each account's last transaction left; joined to the
holdings snapshot (which product an account is: liabilities do not count as AUM) and to the
customers snapshot (whose book the customer is in: the RM as last synced).

Results are plain dataclasses keyed by staff id; callers decide who may see them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import ibis

from bankcrm.analytics import lake, tables
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
    b = balances.filter((balances.balance_date == day) & (balances.currency == "CNY"))
    return _sum_by_rm(b.select("account_key", "customer_id", "balance"))


def _aum_by_rm_from_transactions(day: date) -> AumAt:
    """Without a daily balances extract: each account's balance at the end of `day` is the
    balance its last transaction on or before that day left (accounts without a transaction
    by then count as nothing)."""
    tx = tables.table("transactions")
    tx = tx.filter(tx.balance_after.notnull() & (tx.currency == "CNY") & (tx.booking_date <= day))
    last = ibis.row_number().over(
        group_by=[tx.account_key], order_by=[ibis.desc(tx.booked_at), ibis.desc(tx.id)]
    )
    ends = tx.mutate(_n=last).filter(ibis._._n == 0)
    found = tables.to_arrow(ends.aggregate(day=ends.booking_date.max())).to_pylist()
    if not found or found[0]["day"] is None:
        return AumAt(day=None)
    ends = ends.select("account_key", "customer_id", balance=ends.balance_after)
    # As of the last day with a transaction: the warehouse knows nothing later.
    return AumAt(day=found[0]["day"], by_rm=_sum_by_rm(ends))


def _sum_by_rm(balances: ibis.Table) -> dict[int, Decimal]:
    holdings = tables.table("holdings").select("account_key", "product_type")
    customers = tables.table("customers").select("customer_id", "rm_id")
    b = balances.join(holdings, "account_key")
    b = b.filter(~b.product_type.isin(list(LIABILITY_TYPES)))
    b = b.join(customers, "customer_id")
    b = b.filter(b.rm_id.notnull())
    rows = tables.to_arrow(b.group_by("rm_id").aggregate(aum=b.balance.sum())).to_pylist()
    return {int(r["rm_id"]): Decimal(r["aum"]).quantize(ZERO) for r in rows}


def aum_at(*, on: date) -> AumAt:
    """Every RM's AUM at the end of `on`: from the daily balances extract (its last loaded day
    on or before `on`) where one is loaded, otherwise from the balances transactions left."""
    balances = tables.table("daily_balances")
    day = _last_day(balances, on)
    if day is not None:
        return AumAt(day=day, by_rm=_aum_by_rm(balances, day))
    if lake.live_files("daily_balances"):
        return AumAt(day=None)  # balances are loaded, but none this early
    return _aum_by_rm_from_transactions(on)


def aum_growth(*, start: date, end: date) -> AumGrowth:
    """Every RM's AUM before the period [start, end] and at its last loaded day.

    The closing day must fall inside the period (a balance from before the period is no
    closing figure); otherwise growth is unknown."""
    opening = aum_at(on=start - timedelta(days=1))
    closing = aum_at(on=end)
    if closing.day is not None and closing.day < start:
        closing = AumAt(day=None)
    return AumGrowth(opening=opening, closing=closing)
