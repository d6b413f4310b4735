"""The warehouse tables: names, columns, keys. docs/warehouse.md describes each column.

Money is DECIMAL(18,2), never float; instants are UTC timestamps; `booking_date` is the bank's
local calendar day (settings.TIME_ZONE) of the instant, which monthly figures group by.
"""

from dataclasses import dataclass

import ibis
import ibis.expr.datatypes as dt

MONEY = dt.Decimal(18, 2)
INSTANT = dt.Timestamp(timezone="UTC")

CHANNELS = ("counter", "atm", "mobile", "online", "pos", "third_party")
CATEGORIES = (
    "salary",
    "transfer_in",
    "transfer_out",
    "consumption",
    "loan_repayment",
    "investment_purchase",
    "investment_redemption",
    "fee",
    "interest",
    "cash_deposit",
    "cash_withdrawal",
)
MERCHANT_CATEGORIES = (
    "dining",
    "groceries",
    "shopping",
    "travel",
    "transport",
    "utilities",
    "entertainment",
    "health",
    "education",
    "gifts",
    "other",
)


@dataclass(frozen=True)
class TableSpec:
    name: str
    schema: ibis.Schema
    key: tuple[str, ...]
    # Snapshot tables keep every synced version; readers take the newest row per key
    # (by `synced_at`, the time of the sync that wrote the version).
    versioned_by: str | None = None
    # The column whose min/max each file records in the catalog, to prune files in dedupe.
    range_column: str | None = None
    # Whether `compact_lake` may merge its files (not for tables read one run's files at a time).
    compactable: bool = True
    # The date column compaction partitions files by (one calendar month a file), so a query
    # over a window of days reads only the months it covers.
    partition_column: str | None = None


TRANSACTIONS = TableSpec(
    name="transactions",
    schema=ibis.schema(
        {
            "id": dt.String(nullable=False),
            "account_key": dt.String(nullable=False),
            "customer_id": dt.Int64(nullable=False),
            "booked_at": INSTANT,
            "booking_date": dt.Date(),
            "amount": MONEY,
            "currency": dt.String(),
            "balance_after": MONEY,
            "channel": dt.String(),
            "category": dt.String(),
            "merchant_category": dt.String(),
            "counterparty": dt.String(),
            "description": dt.String(),
        }
    ),
    key=("id",),
    range_column="id",
    partition_column="booking_date",
)

DAILY_BALANCES = TableSpec(
    name="daily_balances",
    schema=ibis.schema(
        {
            "account_key": dt.String(nullable=False),
            "customer_id": dt.Int64(nullable=False),
            "balance_date": dt.Date(),
            "balance": MONEY,
            "currency": dt.String(),
        }
    ),
    key=("account_key", "balance_date"),
    range_column="balance_date",
    partition_column="balance_date",
)

CUSTOMERS = TableSpec(
    name="customers",
    schema=ibis.schema(
        {
            "customer_id": dt.Int64(nullable=False),
            "number": dt.String(),
            "kind": dt.String(),
            "branch_id": dt.Int64(),
            "rm_id": dt.Int64(),
            "lifecycle_stage": dt.String(),
            "gender": dt.String(),
            "birth_year": dt.Int32(),
            "province": dt.String(),
            "city": dt.String(),
            "occupation": dt.String(),
            "industry": dt.String(),
            "education": dt.String(),
            "income_band": dt.String(),
            "family_status": dt.String(),
            "risk_tolerance": dt.String(),
            "kyc_status": dt.String(),
            "aum": MONEY,
            "liabilities": MONEY,
            "created_at": INSTANT,
            "updated_at": INSTANT,
            "synced_at": INSTANT,
            # tag ids; channels with a granted, unwithdrawn marketing consent (NULL in files
            # synced before these columns existed: the next full sync fills them)
            "tags": dt.Array(dt.string),
            "marketing_consents": dt.Array(dt.string),
        }
    ),
    key=("customer_id",),
    versioned_by="synced_at",
)

HOLDINGS = TableSpec(
    name="holdings",
    schema=ibis.schema(
        {
            "holding_id": dt.Int64(nullable=False),
            "account_key": dt.String(nullable=False),
            "customer_id": dt.Int64(nullable=False),
            "product_code": dt.String(),
            "product_type": dt.String(),
            "currency": dt.String(),
            "balance": MONEY,
            "status": dt.String(),
            "opened_on": dt.Date(),
            "matures_on": dt.Date(),
            "branch_id": dt.Int64(),
            "updated_at": INSTANT,
            "synced_at": INSTANT,
        }
    ),
    key=("holding_id",),
    versioned_by="synced_at",
)

INTERACTIONS = TableSpec(
    name="interactions",
    schema=ibis.schema(
        {
            "interaction_id": dt.Int64(nullable=False),
            "customer_id": dt.Int64(nullable=False),
            "staff_id": dt.Int64(),
            "channel": dt.String(),
            "outcome": dt.String(),
            "occurred_at": INSTANT,
            "created_at": INSTANT,
            "synced_at": INSTANT,
        }
    ),
    key=("interaction_id",),
    versioned_by="synced_at",
)

# The standard segmentations and values of every customer, one set of rows per refresh run
# (analytics/valuation.py); readers bind the files of one run (the current or an earlier one).
CUSTOMER_VALUES = TableSpec(
    name="customer_values",
    schema=ibis.schema(
        {
            "run_id": dt.String(nullable=False),
            "as_of": dt.Date(),
            "customer_id": dt.Int64(nullable=False),
            "branch_id": dt.Int64(),
            "rm_id": dt.Int64(),
            "age": dt.Int64(),
            "age_group": dt.String(),
            "aum": MONEY,
            "wealth_tier": dt.String(),
            "recency_days": dt.Int64(),
            "frequency": dt.Int64(),
            "monetary": MONEY,
            "r_score": dt.Int64(),
            "f_score": dt.Int64(),
            "m_score": dt.Int64(),
            "rfm_cell": dt.String(),
            "deposit_margin": MONEY,
            "loan_margin": MONEY,
            "fee_income": MONEY,
            "contribution": MONEY,
            "contribution_rank": dt.Int64(),
            "value_tier": dt.String(),
            "retention": dt.Decimal(6, 4),
            "clv": MONEY,
            "clv_band": dt.String(),
        }
    ),
    key=("run_id", "customer_id"),
    compactable=False,  # each run is already one file; readers bind one run's files
)

TABLES: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (TRANSACTIONS, DAILY_BALANCES, CUSTOMERS, HOLDINGS, INTERACTIONS, CUSTOMER_VALUES)
}


def spec(name: str) -> TableSpec:
    try:
        return TABLES[name]
    except KeyError:
        raise ValueError(f"No warehouse table named {name!r}.") from None


def arrow_schema(name: str):
    """The Arrow schema files of this table are written with."""
    return spec(name).schema.to_pyarrow()
