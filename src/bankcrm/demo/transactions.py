"""Transaction histories for the demo bank, written as core-banking extracts and loaded through
the real `bankcrm ingest` command, so the demo exercises the same path as a bank's data.

Thirteen months up to yesterday, per individual customer's main current account, vectorised
with numpy: monthly salary (day 10; a year-end bonus before Spring Festival), spending by
merchant category with seasonality (Spring Festival: gifts, red packets, travel; Double 11:
shopping; summer travel), transfers, loan and mortgage repayments (day 20), investment purchases
and redemptions, quarterly interest (day 21), fees and ATM withdrawals. Customers in the dormant
or churned stage drift away over their last months; about one in ten active customers with good
incomes shows rising wealth (growing salary and investments).

Each history ends at the balance of the account's holding in the operational database (what
staff see), so the warehouse's last `balance_after` and the 360's live balance agree with it:
the opening balance is derived from the holding, and where the history's net inflow would
leave more than the holding holds, the customer sweeps the surplus out at each month's end
(into wealth products if they hold any, else to their account at another bank), in equal
round amounts just large enough that the balance never falls below the smaller of the
holding's balance and 100 yuan.

Extract files: var/demo/extracts/txn-YYYY-MM.parquet (one per month, as a core system exports).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from bankcrm.customers.models import Customer, IncomeBand, Kind, LifecycleStage, Occupation
from bankcrm.products.models import Holding, ProductType

MONTHS = 13
# Spring Festival (lunar new year's day), for the seasonality of gifts, travel and bonuses.
SPRING_FESTIVAL = {
    2023: date(2023, 1, 22),
    2024: date(2024, 2, 10),
    2025: date(2025, 1, 29),
    2026: date(2026, 2, 17),
    2027: date(2027, 2, 6),
    2028: date(2028, 1, 26),
    2029: date(2029, 2, 13),
    2030: date(2030, 2, 3),
}
MONTHLY_INCOME = {  # yuan, a typical monthly salary of each income band
    IncomeBand.BELOW_50K: 3_200,
    IncomeBand.FROM_50K: 8_000,
    IncomeBand.FROM_150K: 22_000,
    IncomeBand.FROM_500K: 55_000,
    IncomeBand.ABOVE_1M: 120_000,
    "": 6_000,
}
NO_SALARY = {Occupation.RETIRED, Occupation.STUDENT, Occupation.BUSINESS_OWNER}
MERCHANTS = {
    "dining": ["海底捞", "美团外卖", "星巴克", "老乡鸡", "麦当劳"],
    "groceries": ["盒马鲜生", "永辉超市", "物美", "叮咚买菜"],
    "shopping": ["京东商城", "天猫", "拼多多", "优衣库"],
    "travel": ["携程旅行", "中国国际航空", "12306铁路", "如家酒店"],
    "transport": ["滴滴出行", "北京地铁", "中石化加油站"],
    "utilities": ["国家电网", "中国移动", "自来水公司", "燃气公司"],
    "entertainment": ["万达影城", "腾讯视频", "大麦网"],
    "health": ["同仁堂", "社区医院", "叮当快药"],
    "education": ["新东方", "学而思", "得到"],
    "gifts": ["微信红包", "支付宝红包", "稻香村", "周大福"],
    "other": ["便利店", "物业服务中心"],
}
SPEND_KINDS = list(MERCHANTS)
SPEND_WEIGHTS = np.array([0.26, 0.2, 0.14, 0.05, 0.09, 0.07, 0.05, 0.04, 0.03, 0.03, 0.04])
SPEND_MEDIAN = np.array([65, 120, 260, 900, 35, 180, 90, 150, 600, 300, 40], dtype=float)


EXTRACT_SCHEMA = pa.schema(
    [
        ("txn_id", pa.string()),
        ("account_no", pa.string()),
        ("txn_time", pa.timestamp("us")),
        ("amount", pa.decimal128(18, 2)),
        ("balance", pa.decimal128(18, 2)),
        ("channel", pa.string()),
        ("category", pa.string()),
        ("merchant_category", pa.string()),
        ("counterparty", pa.string()),
    ]
)


@dataclass
class DemoTransactions:
    customers: int
    rows: int
    files: list[Path]
    seconds: float


def _months(today: date) -> list[date]:
    first = today.replace(day=1)
    months = []
    for _ in range(MONTHS):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return sorted(months)[1:] + [today.replace(day=1)]


def _month_factor(month: date) -> tuple[float, np.ndarray]:
    """(spending multiplier, merchant weights) of a month: Spring Festival, Double 11, summer."""
    weights = SPEND_WEIGHTS.copy()
    factor = 1.0
    festival = SPRING_FESTIVAL.get(month.year)
    if festival and festival.replace(day=1) == month:
        factor = 1.7
        weights[SPEND_KINDS.index("gifts")] *= 6
        weights[SPEND_KINDS.index("travel")] *= 3
        weights[SPEND_KINDS.index("shopping")] *= 1.5
    elif month.month == 11:
        factor = 1.35
        weights[SPEND_KINDS.index("shopping")] *= 2.5
    elif month.month in (7, 8):
        factor = 1.15
        weights[SPEND_KINDS.index("travel")] *= 2.5
    return factor, weights / weights.sum()


def _customers(skip: set[int]):
    """Individual customers with a current account: (pk, account, income, stage, loans, wealth)."""
    people = dict(
        (pk, (band, occupation, stage))
        for pk, band, occupation, stage in Customer.objects.filter(kind=Kind.INDIVIDUAL)
        .values_list("pk", "income_band", "occupation", "lifecycle_stage")
        .iterator(chunk_size=5000)
    )
    current: dict[int, tuple[str, int]] = {}
    loans: dict[int, float] = {}
    wealth: set[int] = set()
    rows = (
        Holding.objects.filter(customer_id__in=people.keys())
        .order_by("customer_id", "pk")
        .values_list(
            "customer_id", "product__type", "account_number", "balance", "status", "currency"
        )
    )
    for customer_id, kind, number, balance, status, currency in rows.iterator(chunk_size=5000):
        if (
            kind == ProductType.DEMAND_DEPOSIT
            and status == Holding.Status.ACTIVE
            and currency == "CNY"
        ):
            # The history ends at the balance staff see in holdings (cents).
            current.setdefault(customer_id, (number, int(balance * 100)))
        elif kind in (ProductType.MORTGAGE, ProductType.PERSONAL_LOAN):
            loans[customer_id] = loans.get(customer_id, 0.0) + float(balance)
        elif kind in (ProductType.WEALTH, ProductType.FUND):
            wealth.add(customer_id)
    pks = np.array(sorted(set(current) - skip), dtype=np.int64)
    income = np.array([MONTHLY_INCOME.get(people[p][0], 6_000) for p in pks], dtype=float)
    salaried = np.array([people[p][1] not in NO_SALARY for p in pks], dtype=bool)
    drifting = np.array(
        [people[p][2] in (LifecycleStage.DORMANT, LifecycleStage.CHURNED) for p in pks],
        dtype=bool,
    )
    # Monthly instalment: about 0.6 % of the outstanding loan.
    repay = np.array([round(loans.get(p, 0.0) * 0.006, 2) for p in pks])
    invests = np.array([p in wealth for p in pks], dtype=bool)
    accounts = np.array([current[p][0] for p in pks], dtype=object)
    held = np.array([current[p][1] for p in pks], dtype=np.int64)
    return pks, accounts, held, income, salaried, drifting, repay, invests


def generate(*, seed: int, today: date, skip: set[int] | None = None) -> pa.Table:
    """The whole history as one Arrow table in the core extract's layout (booked_at local).

    Customers in `skip` (who already have a history in the warehouse) get none."""
    pks, accounts, held, income, salaried, drifting, repay, invests = _customers(skip or set())
    n = len(pks)
    if n == 0:
        return EXTRACT_SCHEMA.empty_table()
    rng = np.random.default_rng(seed)
    months = _months(today)
    m = len(months)
    # Personal scale and personas.
    scale = income * rng.lognormal(0.0, 0.25, n)
    rising = (~drifting) & (income >= 8_000) & (rng.random(n) < 0.1)
    start_drift = rng.integers(m - 9, m - 4, n)  # the month the drift towards dormancy begins
    parts: list[dict[str, np.ndarray]] = []

    def add(cust, month_index, day, seconds, amount, category, merchant, channel, counterparty):
        parts.append(
            {
                "cust": cust,
                "month": month_index,
                "day": day,
                "seconds": seconds,
                "amount": amount,
                "category": category,
                "merchant": merchant,
                "channel": channel,
                "counterparty": counterparty,
            }
        )

    for mi, month in enumerate(months):
        days_in = ((month + timedelta(days=32)).replace(day=1) - month).days
        last_day = days_in if month != today.replace(day=1) else max(today.day - 1, 1)
        activity = np.ones(n)
        gone = drifting & (mi >= start_drift)
        activity[gone] = np.maximum(0.03, 1 - (mi - start_drift[gone] + 1) * 0.22)
        growth = np.where(rising, 1.03**mi, 1.0)
        factor, weights = _month_factor(month)
        festival = SPRING_FESTIVAL.get(month.year)
        bonus_month = (
            festival is not None and (festival - timedelta(days=20)).replace(day=1) == month
        )

        def days(k: int, fixed: int | None = None, last_day: int = last_day) -> np.ndarray:
            if fixed is not None:
                return np.full(k, min(fixed, last_day))
            return rng.integers(1, last_day + 1, k)

        # Salary on the 10th (employers pay by bulk transfer: online channel).
        who = np.flatnonzero(salaried & (activity > 0.5) & (last_day >= 10))
        pay = np.round(scale[who] * growth[who] * (2.5 if bonus_month else 1.0), 2)
        add(
            who,
            mi,
            days(len(who), 10),
            rng.integers(9 * 3600, 11 * 3600, len(who)),
            pay,
            "salary",
            None,
            "online",
            "工资代发",
        )
        # Spending: counts by activity and season; merchants by the month's weights.
        counts = rng.poisson(np.clip(scale / 900, 4, 20) * activity * factor)
        cust = np.repeat(np.arange(n), counts)
        kinds = rng.choice(len(SPEND_KINDS), size=len(cust), p=weights)
        amount = -np.round(
            SPEND_MEDIAN[kinds] * rng.lognormal(0, 0.7, len(cust)) * (scale[cust] / 8000) ** 0.4, 2
        )
        amount = np.minimum(amount, -1.0)
        hour = np.where(
            rng.random(len(cust)) < 0.45,
            rng.normal(12.5, 1.0, len(cust)),
            rng.normal(19.5, 1.8, len(cust)),
        )
        seconds = np.clip(hour * 3600, 6 * 3600, 23.9 * 3600).astype(np.int64)
        channel = np.where(
            rng.random(len(cust)) < 0.55,
            "third_party",
            np.where(rng.random(len(cust)) < 0.7, "pos", "mobile"),
        )
        add(
            cust,
            mi,
            days(len(cust)),
            seconds,
            amount,
            "consumption",
            np.array(SPEND_KINDS)[kinds],
            channel,
            None,
        )
        # Transfers out and in.
        k = rng.poisson(1.2 * activity)
        cust = np.repeat(np.arange(n), k)
        add(
            cust,
            mi,
            days(len(cust)),
            rng.integers(8 * 3600, 22 * 3600, len(cust)),
            -np.round(scale[cust] * rng.uniform(0.03, 0.25, len(cust)), 2),
            "transfer_out",
            None,
            np.where(rng.random(len(cust)) < 0.85, "mobile", "counter"),
            "个人转账",
        )
        k = rng.poisson(0.5 * activity)
        cust = np.repeat(np.arange(n), k)
        add(
            cust,
            mi,
            days(len(cust)),
            rng.integers(8 * 3600, 22 * 3600, len(cust)),
            np.round(scale[cust] * rng.uniform(0.02, 0.2, len(cust)), 2),
            "transfer_in",
            None,
            "mobile",
            "个人转账",
        )
        # Loan and mortgage instalments on the 20th.
        who = np.flatnonzero((repay > 0) & (last_day >= 20))
        add(
            who,
            mi,
            days(len(who), 20),
            np.full(len(who), 2 * 3600),
            -repay[who],
            "loan_repayment",
            None,
            "counter",
            "本行贷款",
        )
        # Investments: wealth holders buy now and then; rising customers buy more each month.
        p_buy = np.where(rising, 0.9, np.where(invests, 0.25, 0.04)) * activity
        who = np.flatnonzero(rng.random(n) < p_buy)
        add(
            who,
            mi,
            days(len(who)),
            rng.integers(9 * 3600, 15 * 3600, len(who)),
            -np.round(scale[who] * growth[who] * rng.uniform(0.3, 1.2, len(who)), -2),
            "investment_purchase",
            None,
            "mobile",
            "理财产品",
        )
        who = np.flatnonzero(invests & (rng.random(n) < 0.06))
        add(
            who,
            mi,
            days(len(who)),
            rng.integers(9 * 3600, 15 * 3600, len(who)),
            np.round(scale[who] * rng.uniform(0.5, 2.0, len(who)), -2),
            "investment_redemption",
            None,
            "mobile",
            "理财产品",
        )
        # Cash from ATMs; quarterly interest on the 21st; occasional fees.
        k = rng.poisson(0.6 * activity)
        cust = np.repeat(np.arange(n), k)
        add(
            cust,
            mi,
            days(len(cust)),
            rng.integers(7 * 3600, 22 * 3600, len(cust)),
            -rng.choice([100.0, 200.0, 500.0, 1000.0, 2000.0], len(cust)),
            "cash_withdrawal",
            None,
            "atm",
            None,
        )
        if month.month in (3, 6, 9, 12) and last_day >= 21:
            who = np.arange(n)
            add(
                who,
                mi,
                days(n, 21),
                np.full(n, 3600),
                np.maximum(np.round(scale * 0.004, 2), 0.01),
                "interest",
                None,
                "counter",
                None,
            )
        who = np.flatnonzero(rng.random(n) < 0.08)
        add(
            who,
            mi,
            days(len(who)),
            np.full(len(who), 3 * 3600),
            -np.full(len(who), 10.0),
            "fee",
            None,
            "counter",
            "账户管理费",
        )

    def col(name, dtype=None):
        pieces = []
        for part in parts:
            value = part[name]
            size = len(part["cust"])
            pieces.append(
                np.full(size, value, dtype=object) if not isinstance(value, np.ndarray) else value
            )
        out = np.concatenate(pieces)
        return out.astype(dtype) if dtype else out

    cust = col("cust", np.int64)
    month_start = np.array([np.datetime64(mo, "s") for mo in months])
    stamp = (
        month_start[col("month", np.int64)]
        + (col("day", np.int64) - 1) * np.timedelta64(86400, "s")
        + col("seconds", np.int64) * np.timedelta64(1, "s")
    )
    cents = np.round(col("amount", float) * 100).astype(np.int64)
    category = col("category")
    merchant = col("merchant")
    channel = col("channel")
    counterparty = col("counterparty")
    # Sweeps: each month's end and after the last transaction, money leaves for wealth products
    # (or the customer's account elsewhere), so the history ends at the holding's balance.
    sweep_cust, sweep_stamp = _sweep_slots(cust, stamp, months)
    sweeping = len(sweep_cust)
    cust = np.concatenate([cust, sweep_cust])
    stamp = np.concatenate([stamp, sweep_stamp])
    cents = np.concatenate([cents, np.zeros(sweeping, dtype=np.int64)])
    is_sweep = np.r_[np.zeros(len(cents) - sweeping, dtype=bool), np.ones(sweeping, dtype=bool)]
    category = np.concatenate(
        [category, np.where(invests[sweep_cust], "investment_purchase", "transfer_out")]
    )
    merchant = np.concatenate([merchant, np.full(sweeping, None, dtype=object)])
    channel = np.concatenate([channel, np.full(sweeping, "mobile", dtype=object)])
    counterparty = np.concatenate(
        [counterparty, np.where(invests[sweep_cust], "理财产品", "本人他行账户").astype(object)]
    )
    order = np.lexsort((is_sweep, stamp, cust))  # by account, then time: running balances
    cust, stamp, cents, is_sweep = cust[order], stamp[order], cents[order], is_sweep[order]
    category, merchant = category[order], merchant[order]
    channel, counterparty = channel[order], counterparty[order]
    cents, opening = _end_at_holdings(cust, cents, is_sweep, held, len(months))
    keep = ~is_sweep | (cents != 0)  # accounts that needed no sweep
    cust, stamp, cents = cust[keep], stamp[keep], cents[keep]
    category, merchant = category[keep], merchant[keep]
    channel, counterparty = channel[keep], counterparty[keep]
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]])
    sizes = np.diff(np.r_[starts, len(cust)])
    running = np.cumsum(cents)
    running = running - np.repeat(running[starts] - cents[starts], sizes)  # per account
    balance = running + np.repeat(opening[cust[starts]], sizes)
    # Counterparty names for spending: a merchant of its category.
    spend = np.flatnonzero(category == "consumption")
    width = max(len(v) for v in MERCHANTS.values())
    names = np.array(
        [[v[i % len(v)] for i in range(width)] for v in MERCHANTS.values()], dtype=object
    )
    kind_of = {k: i for i, k in enumerate(MERCHANTS)}
    uniques, inverse = np.unique(merchant[spend].astype(str), return_inverse=True)
    kind_index = np.array([kind_of[u] for u in uniques])[inverse]
    counterparty[spend] = names[kind_index, rng.integers(0, width, len(spend))]
    # Transaction ids: the customer's pk and the position in their history (stable on re-runs).
    position = np.arange(len(cust)) - np.repeat(starts, sizes)
    ids = np.char.add(
        np.char.add("D", np.char.zfill(pks[cust].astype(str), 9)),
        np.char.zfill(position.astype(str), 5),
    )
    return pa.table(
        {
            "txn_id": pa.array(ids, pa.string()),
            "account_no": pa.array(accounts[cust], pa.string()),
            "txn_time": pa.array(stamp.astype("datetime64[us]"), pa.timestamp("us")),
            "amount": _decimal(cents),
            "balance": _decimal(balance),
            "channel": pa.array(channel, pa.string()),
            "category": pa.array(category, pa.string()),
            "merchant_category": pa.array(merchant, pa.string()),
            "counterparty": pa.array(counterparty, pa.string()),
        }
    )


def _sweep_slots(cust: np.ndarray, stamp: np.ndarray, months: list[date]):
    """Per account with a history: 21:00 on each past month's last day, and one minute after
    its last transaction (so the last row's balance is the final one)."""
    accounts = np.unique(cust)
    month_ends = np.array(
        [np.datetime64(mo, "s") - np.timedelta64(3 * 3600, "s") for mo in months[1:]]
    )
    last = np.full(cust.max() + 1 if len(cust) else 0, np.datetime64(0, "s"))
    np.maximum.at(last, cust, stamp)
    per = len(month_ends) + 1
    sweep_cust = np.repeat(accounts, per)
    sweep_stamp = (
        np.concatenate([np.r_[month_ends, last[a] + np.timedelta64(60, "s")] for a in accounts])
        if len(accounts)
        else np.array([], dtype="datetime64[s]")
    )
    return sweep_cust, sweep_stamp


def _end_at_holdings(
    cust: np.ndarray, cents: np.ndarray, is_sweep: np.ndarray, held: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Amounts of the sweeps (the k rows per account where `is_sweep`) and each account's
    opening balance, in cents, so that the history ends at the holding's balance `held` and
    the balance never drops below min(held, 100 yuan).

    With T the account's net flow, R_i the running flow after row i and c_i the sweeps up to
    it, a monthly sweep s gives the opening O = held - T + k·s and the balance
    O + R_i - c_i·s; the final row (the last sweep) leaves exactly `held`. The smallest s in
    whole hundreds of yuan that keeps every earlier balance (and O) above the floor is taken.
    """
    n = len(held)
    starts = np.flatnonzero(np.r_[True, cust[1:] != cust[:-1]]) if len(cust) else np.array([], int)
    sizes = np.diff(np.r_[starts, len(cust)])
    running = np.cumsum(cents)
    running = running - np.repeat(running[starts] - cents[starts], sizes)
    swept = np.cumsum(is_sweep.astype(np.int64))
    swept = swept - np.repeat(swept[starts] - is_sweep[starts], sizes)
    total = np.zeros(n, dtype=np.int64)
    total[cust[starts + sizes - 1]] = running[starts + sizes - 1]
    floor = np.minimum(held, 10_000)
    # S·(1 - c/k) ≥ T - held + floor - R for every row before the last sweep, and for the
    # opening balance (R = 0, c = 0).
    gap = (total - held + floor)[cust] - running
    need = np.where(swept < k, gap * k / np.maximum(k - swept, 1), -np.inf)
    worst = np.full(n, -np.inf)
    np.maximum.at(worst, cust, need)
    worst = np.maximum(worst, (total - held + floor).astype(float))
    per_sweep = np.ceil(np.maximum(worst, 0) / k / 10_000).astype(np.int64) * 10_000
    amounts = np.where(is_sweep, -per_sweep[cust], cents)
    opening = held - total + k * per_sweep
    return amounts, opening


def _decimal(cents: np.ndarray) -> pa.Array:
    """DECIMAL(18,2) from integer cents without Python objects (decimal128 is the unscaled
    value as a little-endian 128-bit integer)."""
    words = np.empty((len(cents), 2), dtype=np.int64)
    words[:, 0] = cents
    words[:, 1] = np.where(cents < 0, -1, 0)
    return pa.Array.from_buffers(
        pa.decimal128(18, 2), len(cents), [None, pa.py_buffer(words.tobytes())]
    )


MAPPING = """# The demo core system's extract layout
columns:
  id: txn_id
  account: account_no
  booked_at: txn_time
  amount: amount
  balance_after: balance
  channel: channel
  category: category
  merchant_category: merchant_category
  counterparty: counterparty
"""


def seed_transactions(*, seed: int = 2026, progress: bool = True) -> DemoTransactions:
    """Generate the demo history, write monthly Parquet extracts, load them with the command."""
    from bankcrm.analytics import hooks
    from bankcrm.integration.services import warehouse_sync

    started = time.perf_counter()
    warehouse_sync(full=True)  # the holdings snapshot is ingestion's map of known accounts
    today = timezone.localdate(timezone.now())
    from bankcrm.analytics.queries import customers_with_transactions

    history = generate(seed=seed, today=today, skip=customers_with_transactions())
    folder = Path(settings.VAR_DIR) / "demo" / "extracts"
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("txn-*.parquet"):
        old.unlink()
    month = pc.strftime(history.column("txn_time"), format="%Y-%m")
    files = []
    for value in sorted(set(month.to_pylist())):
        part = history.filter(pc.equal(month, value))
        order = pc.sort_indices(part, [("txn_time", "ascending"), ("txn_id", "ascending")])
        path = folder / f"txn-{value}.parquet"
        pq.write_table(part.take(order), path, row_group_size=250_000)
        files.append(path)
    mapping = folder / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    if files:
        args = ["transactions", str(folder), "--mapping", str(mapping)]
        if not progress:
            args.append("--no-progress")
        call_command("ingest", *args, stdout=_Quiet(), rejects=folder / "rejects.csv")
        hooks.deliver()
    customers = len(set(history.column("account_no").to_pylist())) if files else 0
    return DemoTransactions(
        customers=customers,
        rows=history.num_rows,
        files=files,
        seconds=time.perf_counter() - started,
    )


class _Quiet:
    def write(self, *_args) -> None:
        pass

    def flush(self) -> None:
        pass
