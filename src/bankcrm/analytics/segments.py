"""Segment definitions: a validated JSON document compiled to one Ibis expression.

A definition is a tree of groups and conditions:

    {"op": "and", "conditions": [
        {"field": "age", "op": "between", "value": [30, 45]},
        {"field": "tx_amount", "op": "gte", "value": 10000, "window_days": 90,
         "category": "consumption"},
        {"op": "or", "conditions": [
            {"field": "wealth_tier", "op": "in", "value": ["affluent", "private"]},
            {"field": "rfm_cell", "op": "in", "value": ["champions", "loyal"]}]}]}

`parse` checks it against the field catalogue (`FIELDS`) and raises `DefinitionError` naming
the bad condition by its path ("conditions[1].conditions[0]") with a translated message.
`compile_segment` turns a parsed definition into one Ibis expression over four placeholder
inputs (the customers, holdings and transactions of the warehouse and the current standard
values, `valuation.py`), whose rows are the matching customer ids. Every behaviour condition
becomes a filtered aggregate of one pass over the transactions, every holdings condition one of
one pass over the holdings; the customer table is joined to those and filtered once. The same
expression runs on DuckDB and on Spark: only `backends.py` knows which one runs it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from bankcrm.analytics import lake, schema
from bankcrm.analytics.backends import warehouse
from bankcrm.analytics.tables import latest

# ---------------------------------------------------------------------------------------------
# The inputs every segment expression reads (bound to lake files, or Arrow tables in tests).

CUSTOMERS = ibis.table(schema.CUSTOMERS.schema, name="seg_customers")
HOLDINGS = ibis.table(schema.HOLDINGS.schema, name="seg_holdings")
TRANSACTIONS = ibis.table(schema.TRANSACTIONS.schema, name="seg_transactions")
VALUES = ibis.table(schema.CUSTOMER_VALUES.schema, name="seg_values")
INPUTS = {
    "seg_customers": "customers",
    "seg_holdings": "holdings",
    "seg_transactions": "transactions",
    "seg_values": "customer_values",
}

DIGITAL_CHANNELS = ("mobile", "online")
MAX_WINDOW_DAYS = 3660
MAX_CONDITIONS = 50
MAX_DEPTH = 4


class DefinitionError(ValueError):
    """A definition that cannot be compiled: `path` names the bad part, `message` says why
    (translated)."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.message = message


# ---------------------------------------------------------------------------------------------
# The field catalogue


def _choices_of(text_choices) -> Callable[[], list[tuple[str, str]]]:
    return lambda: [(value, str(label)) for value, label in text_choices.choices]


def _fixed(pairs: Iterable[tuple[str, Promise]]) -> Callable[[], list[tuple[str, str]]]:
    pairs = tuple(pairs)
    return lambda: [(value, str(label)) for value, label in pairs]


def _branches() -> list[tuple[str, str]]:
    from bankcrm.org.models import Branch

    return [(str(pk), name) for pk, name in Branch.objects.values_list("pk", "name")]


def _products() -> list[tuple[str, str]]:
    from bankcrm.products.models import Product

    return [(code, f"{code} {name}") for code, name in Product.objects.values_list("code", "name")]


def _customer_choices(name: str) -> Callable[[], list[tuple[str, str]]]:
    def choices() -> list[tuple[str, str]]:
        from bankcrm.customers import models as customer_models

        return _choices_of(getattr(customer_models, name))()

    return choices


def _tags() -> list[tuple[str, str]]:
    from bankcrm.customers.models import Tag

    return [(str(pk), name) for pk, name in Tag.objects.order_by("name").values_list("pk", "name")]


def _channels() -> list[tuple[str, str]]:
    from bankcrm.customers.models import Channel

    return _choices_of(Channel)()


def _product_types() -> list[tuple[str, str]]:
    from bankcrm.products.models import ProductType

    return _choices_of(ProductType)()


AGE_GROUPS = (
    ("youth", _("Young (青年)")),
    ("middle", _("Middle-aged (中年)")),
    ("senior", _("Senior (老年)")),
)
WEALTH_TIERS = (
    ("mass", _("Mass")),
    ("affluent", _("Affluent (贵宾)")),
    ("private", _("Private banking")),
)
RFM_CELLS = (
    ("champions", _("Champions")),
    ("loyal", _("Loyal")),
    ("potential_loyalists", _("Potential loyalists")),
    ("new", _("New")),
    ("promising", _("Promising")),
    ("need_attention", _("Need attention")),
    ("about_to_sleep", _("About to sleep")),
    ("at_risk", _("At risk")),
    ("cannot_lose", _("Cannot lose them")),
    ("hibernating", _("Hibernating")),
    ("lost", _("Lost")),
)
VALUE_TIERS = (
    ("gold", _("Gold")),
    ("growth", _("Growth")),
    ("standard", _("Standard")),
    ("low", _("Low value")),
)
CLV_BANDS = (
    ("very_high", _("Very high")),
    ("high", _("High")),
    ("medium", _("Medium")),
    ("low", _("Low")),
    ("very_low", _("Very low")),
)
BALANCE_TRENDS = (("rising", _("Rising")), ("flat", _("Flat")), ("falling", _("Falling")))

NUMBER_OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "between")
CHOICE_OPS = ("in", "not_in")
FLAG_OPS = ("is",)


@dataclass(frozen=True)
class Field:
    name: str
    group: str  # profile, wealth, holdings, behaviour, value
    kind: str  # number, money, ratio, choice, flag
    label: Promise
    choices: Callable[[], list[tuple[str, str]]] | None = None
    windowed: bool = False  # needs window_days
    filters: tuple[str, ...] = ()  # which of category / channel may narrow it
    source: str = "customer"  # customer, holdings, transactions, values
    # Choice values are checked against `choices` unless open (free text such as cities).
    open_choices: bool = False

    @property
    def operators(self) -> tuple[str, ...]:
        return {"choice": CHOICE_OPS, "flag": FLAG_OPS}.get(self.kind, NUMBER_OPS)


FIELDS: dict[str, Field] = {
    f.name: f
    for f in (
        # profile
        Field("age", "profile", "number", _("Age")),
        Field("age_group", "profile", "choice", _("Age group"), _fixed(AGE_GROUPS)),
        Field("gender", "profile", "choice", _("Gender"), _customer_choices("Gender")),
        Field("kind", "profile", "choice", _("Customer kind"), _customer_choices("Kind")),
        Field("occupation", "profile", "choice", _("Occupation"), _customer_choices("Occupation")),
        Field("industry", "profile", "choice", _("Industry"), _customer_choices("Industry")),
        Field("education", "profile", "choice", _("Education"), _customer_choices("Education")),
        Field(
            "income_band", "profile", "choice", _("Income band"), _customer_choices("IncomeBand")
        ),
        Field("province", "profile", "choice", _("Province"), open_choices=True),
        Field("city", "profile", "choice", _("City"), open_choices=True),
        Field("branch", "profile", "choice", _("Branch (with its sub-branches)"), _branches),
        Field(
            "lifecycle_stage",
            "profile",
            "choice",
            _("Lifecycle stage"),
            _customer_choices("LifecycleStage"),
        ),
        Field(
            "risk_tolerance",
            "profile",
            "choice",
            _("Risk tolerance"),
            _customer_choices("RiskTolerance"),
        ),
        Field("tags", "profile", "choice", _("Tags"), _tags),
        # wealth
        Field("aum", "wealth", "money", _("Assets under management (AUM)")),
        Field("liabilities", "wealth", "money", _("Liabilities")),
        Field("wealth_tier", "wealth", "choice", _("Wealth tier"), _fixed(WEALTH_TIERS)),
        Field(
            "aum_change",
            "wealth",
            "money",
            _("Balance change over the window"),
            windowed=True,
            source="transactions",
        ),
        # holdings
        Field(
            "product_type",
            "holdings",
            "choice",
            _("Holds a product of type"),
            _product_types,
            source="holdings",
        ),
        Field(
            "product", "holdings", "choice", _("Holds the product"), _products, source="holdings"
        ),
        Field(
            "maturity_within",
            "holdings",
            "flag",
            _("Has a product maturing within the window"),
            windowed=True,
            source="holdings",
        ),
        # behaviour
        Field(
            "tx_count",
            "behaviour",
            "number",
            _("Number of transactions"),
            windowed=True,
            filters=("category", "channel"),
            source="transactions",
        ),
        Field(
            "tx_amount",
            "behaviour",
            "money",
            _("Amount of transactions"),
            windowed=True,
            filters=("category", "channel"),
            source="transactions",
        ),
        Field(
            "salary_credit",
            "behaviour",
            "flag",
            _("Salary credited"),
            windowed=True,
            source="transactions",
        ),
        Field(
            "digital_share",
            "behaviour",
            "ratio",
            _("Share of transactions on mobile and online (0–1)"),
            windowed=True,
            source="transactions",
        ),
        Field(
            "balance_trend",
            "behaviour",
            "choice",
            _("Balance trend over the window"),
            _fixed(BALANCE_TRENDS),
            windowed=True,
            source="transactions",
        ),
        Field(
            "days_since_last_tx",
            "behaviour",
            "number",
            _("Days since the last transaction"),
            source="transactions",
        ),
        # value (the standard segmentations of the last refresh, valuation.py)
        Field("rfm_cell", "value", "choice", _("RFM cell"), _fixed(RFM_CELLS), source="values"),
        Field("r_score", "value", "number", _("Recency score (1–5)"), source="values"),
        Field("f_score", "value", "number", _("Frequency score (1–5)"), source="values"),
        Field("m_score", "value", "number", _("Monetary score (1–5)"), source="values"),
        Field("contribution", "value", "money", _("Yearly contribution"), source="values"),
        Field("contribution_rank", "value", "number", _("Contribution rank"), source="values"),
        Field(
            "value_tier", "value", "choice", _("Value tier"), _fixed(VALUE_TIERS), source="values"
        ),
        Field("clv", "value", "money", _("Lifetime value"), source="values"),
        Field(
            "clv_band",
            "value",
            "choice",
            _("Lifetime value band"),
            _fixed(CLV_BANDS),
            source="values",
        ),
        # consent
        Field(
            "marketing_consent",
            "consent",
            "choice",
            _("Marketing consent by channel"),
            _channels,
        ),
    )
}

GROUPS = (
    ("profile", _("Profile")),
    ("wealth", _("Wealth")),
    ("holdings", _("Holdings")),
    ("behaviour", _("Behaviour")),
    ("value", _("Value")),
    ("consent", _("Consent")),
)


# ---------------------------------------------------------------------------------------------
# Parsed definitions


@dataclass(frozen=True)
class Condition:
    field: str
    op: str
    value: Any  # list[str] for choices, bool for flags, Decimal or (Decimal, Decimal) else
    window_days: int | None = None
    category: str | None = None
    channel: str | None = None


@dataclass(frozen=True)
class Group:
    op: str  # and, or
    conditions: tuple[Condition | Group, ...] = field(default_factory=tuple)

    def leaves(self) -> Iterable[Condition]:
        for item in self.conditions:
            if isinstance(item, Group):
                yield from item.leaves()
            else:
                yield item


def parse(document: Any) -> Group:
    """Check a definition document; the parsed tree, or DefinitionError naming the bad part."""
    group = _group(document, "", depth=1)
    count = sum(1 for _leaf in group.leaves())
    if count == 0:
        raise DefinitionError("", gettext("A segment needs at least one condition."))
    if count > MAX_CONDITIONS:
        raise DefinitionError(
            "",
            gettext("A segment may have at most %(max)d conditions.") % {"max": MAX_CONDITIONS},
        )
    return group


def _group(document: Any, path: str, depth: int) -> Group:
    if not isinstance(document, dict):
        raise DefinitionError(path, gettext("Expected a group of conditions (a JSON object)."))
    op = document.get("op")
    if op not in ("and", "or"):
        raise DefinitionError(path, gettext('A group joins its conditions with "and" or "or".'))
    items = document.get("conditions")
    if not isinstance(items, list) or not items:
        raise DefinitionError(path, gettext("A group needs a non-empty list of conditions."))
    unknown = set(document) - {"op", "conditions"}
    if unknown:
        raise DefinitionError(path, _unknown_keys(unknown))
    parsed = []
    for index, item in enumerate(items):
        where = f"{path}.conditions[{index}]" if path else f"conditions[{index}]"
        if isinstance(item, dict) and "conditions" in item:
            if depth >= MAX_DEPTH:
                raise DefinitionError(
                    where,
                    gettext("Groups may be nested at most %(max)d deep.") % {"max": MAX_DEPTH},
                )
            parsed.append(_group(item, where, depth + 1))
        else:
            parsed.append(_condition(item, where))
    return Group(op=op, conditions=tuple(parsed))


def _unknown_keys(keys: set[str]) -> str:
    return gettext("Unknown keys: %(keys)s.") % {"keys": ", ".join(sorted(map(str, keys)))}


def _condition(document: Any, path: str) -> Condition:
    if not isinstance(document, dict):
        raise DefinitionError(path, gettext("Expected a condition (a JSON object)."))
    unknown = set(document) - {"field", "op", "value", "window_days", "category", "channel"}
    if unknown:
        raise DefinitionError(path, _unknown_keys(unknown))
    name = document.get("field")
    spec = FIELDS.get(name) if isinstance(name, str) else None
    if spec is None:
        raise DefinitionError(
            path, gettext("Unknown field %(field)r.") % {"field": name if name else ""}
        )
    op = document.get("op")
    if op not in spec.operators:
        raise DefinitionError(
            path,
            gettext("%(field)s takes one of the operators %(ops)s.")
            % {"field": spec.label, "ops": ", ".join(spec.operators)},
        )
    window = document.get("window_days")
    if spec.windowed:
        if (
            not isinstance(window, int)
            or isinstance(window, bool)
            or not (1 <= window <= MAX_WINDOW_DAYS)
        ):
            raise DefinitionError(
                path,
                gettext("%(field)s needs a window of 1 to %(max)d days.")
                % {"field": spec.label, "max": MAX_WINDOW_DAYS},
            )
    elif window is not None:
        raise DefinitionError(path, gettext("%(field)s takes no window.") % {"field": spec.label})
    narrowing = {}
    for key, allowed in (
        ("category", schema.CATEGORIES + schema.MERCHANT_CATEGORIES),
        ("channel", schema.CHANNELS),
    ):
        given = document.get(key)
        if given in (None, ""):
            continue
        if key not in spec.filters:
            raise DefinitionError(
                path,
                gettext("%(field)s cannot be narrowed by %(key)s.")
                % {"field": spec.label, "key": key},
            )
        if given not in allowed:
            raise DefinitionError(
                path, gettext("Unknown %(key)s %(value)r.") % {"key": key, "value": given}
            )
        narrowing[key] = given
    value = _value(spec, op, document.get("value"), path)
    return Condition(
        field=name, op=op, value=value, window_days=window if spec.windowed else None, **narrowing
    )


def _value(spec: Field, op: str, value: Any, path: str):
    if spec.kind == "flag":
        if not isinstance(value, bool):
            raise DefinitionError(path, gettext("The value must be true or false."))
        return value
    if spec.kind == "choice":
        if (
            not isinstance(value, list)
            or not value
            or not all(isinstance(v, str) and v for v in value)
        ):
            raise DefinitionError(path, gettext("The value must be a non-empty list of choices."))
        if not spec.open_choices and spec.choices is not None:
            known = {choice for choice, _label in spec.choices()}
            bad = [v for v in value if v not in known]
            if bad:
                raise DefinitionError(
                    path,
                    gettext("Not a choice of %(field)s: %(values)s.")
                    % {"field": spec.label, "values": ", ".join(bad)},
                )
        return tuple(value)
    if op == "between":
        if not isinstance(value, list) or len(value) != 2:
            raise DefinitionError(path, gettext("Between takes two numbers: [from, to]."))
        low, high = (_number(v, path) for v in value)
        if low > high:
            raise DefinitionError(path, gettext("The first number must not exceed the second."))
        return (low, high)
    return _number(value, path)


def _number(value: Any, path: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise DefinitionError(path, gettext("The value must be a number."))
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise DefinitionError(path, gettext("The value must be a number.")) from None
    if not number.is_finite() or abs(number) >= Decimal("1e15"):
        raise DefinitionError(path, gettext("The value must be a number."))
    return number


# ---------------------------------------------------------------------------------------------
# Compilation


@dataclass(frozen=True)
class Scope:
    """Whose customers a viewer may see: all (None), a set of branch ids, or one RM's book."""

    branch_ids: tuple[int, ...] | None = None
    rm_id: int | None = None


def age_group_expr(age: ibis.Value) -> ibis.Value:
    middle, senior = settings.VALUE_AGE_BOUNDS
    return ibis.cases(
        (age.isnull(), ibis.null(dt.string)),
        (age < middle, "youth"),
        (age < senior, "middle"),
        else_="senior",
    )


def wealth_tier_expr(aum: ibis.Value) -> ibis.Value:
    affluent, private = (Decimal(v) for v in settings.VALUE_WEALTH_TIERS)
    return ibis.cases(
        (aum >= ibis.literal(private, type=schema.MONEY), "private"),
        (aum >= ibis.literal(affluent, type=schema.MONEY), "affluent"),
        else_="mass",
    )


def _money(value: Decimal) -> ibis.Value:
    return ibis.literal(value, type=dt.Decimal(20, 2))


@dataclass
class _Columns:
    """The aggregate columns the conditions need, named once each (deduplicated)."""

    tx: dict[tuple, ibis.Value] = field(default_factory=dict)
    holdings: dict[tuple, ibis.Value] = field(default_factory=dict)


def _tx_key(c: Condition) -> tuple:
    return (c.field, c.window_days, c.category, c.channel)


def _tx_aggregates(c: Condition, t: ibis.Table, as_of: date) -> dict[str, ibis.Value]:
    """The aggregate(s) over the transactions one behaviour condition needs."""
    if c.field == "days_since_last_tx":
        return {"last_day": t.booking_date.max()}
    since = ibis.literal(as_of - timedelta(days=c.window_days - 1))
    inside = t.booking_date >= since
    if c.category:
        merchant = c.category in schema.MERCHANT_CATEGORIES
        inside &= (t.merchant_category if merchant else t.category) == c.category
    if c.channel:
        inside &= t.channel == c.channel
    if c.field == "tx_count":
        return {"n": t.count(where=inside)}
    if c.field == "tx_amount":
        return {"amount": t.amount.abs().sum(where=inside)}
    if c.field == "salary_credit":
        return {"n": t.count(where=inside & (t.category == "salary"))}
    if c.field == "digital_share":
        digital = inside & t.channel.isin(DIGITAL_CHANNELS)
        return {"n": t.count(where=inside), "digital": t.count(where=digital)}
    if c.field in ("aum_change", "balance_trend"):
        return {"net": t.amount.sum(where=inside)}
    raise AssertionError(c.field)


def _holdings_aggregate(c: Condition, h: ibis.Table, as_of: date) -> ibis.Value:
    if c.field == "product_type":
        return h.product_type.isin(c.value).any()
    if c.field == "product":
        return h.product_code.isin(c.value).any()
    if c.field == "maturity_within":
        until = ibis.literal(as_of + timedelta(days=c.window_days))
        return ((h.matures_on >= ibis.literal(as_of)) & (h.matures_on <= until)).any()
    raise AssertionError(c.field)


def _compare(column: ibis.Value, op: str, value) -> ibis.Value:
    if op == "between":
        low, high = value
        return column.between(_money(low), _money(high))
    target = _money(value)
    return {
        "eq": lambda: column == target,
        "ne": lambda: column != target,
        "gt": lambda: column > target,
        "gte": lambda: column >= target,
        "lt": lambda: column < target,
        "lte": lambda: column <= target,
    }[op]()


def _branch_subtree_ids(ids: Iterable[str]) -> list[int]:
    from django.db.models import Q

    from bankcrm.org.models import Branch

    paths = list(Branch.objects.filter(pk__in=[int(i) for i in ids]).values_list("path", flat=True))
    if not paths:
        return []
    query = Q()
    for path in paths:
        query |= Q(path__startswith=path)
    return list(Branch.objects.filter(query).values_list("pk", flat=True))


class _Compiler:
    def __init__(self, definition: Group, as_of: date) -> None:
        self.definition = definition
        self.as_of = as_of
        self.tx_names: dict[tuple, dict[str, str]] = {}
        self.holding_names: dict[tuple, str] = {}
        self.uses_values = False

    def expression(self, scope: Scope | None) -> ibis.Table:
        c = latest(CUSTOMERS, "customers")
        c = c.mutate(_age=ibis.literal(self.as_of.year) - c.birth_year.cast("int64"))
        leaves = list(self.definition.leaves())
        tx_columns: dict[str, ibis.Value] = {}
        holding_columns: dict[str, ibis.Value] = {}
        t = TRANSACTIONS.filter(TRANSACTIONS.booking_date <= ibis.literal(self.as_of))
        windows = [x.window_days for x in leaves if FIELDS[x.field].source == "transactions"]
        if windows and all(w is not None for w in windows):
            # no "days since the last transaction": only the longest window is read
            t = t.filter(
                t.booking_date >= ibis.literal(self.as_of - timedelta(days=max(windows) - 1))
            )
        h = latest(HOLDINGS, "holdings")
        h = h.filter(h.status == "active")
        for leaf in leaves:
            source = FIELDS[leaf.field].source
            if source == "transactions":
                key = _tx_key(leaf)
                if key not in self.tx_names:
                    names = {}
                    for part, value in _tx_aggregates(leaf, t, self.as_of).items():
                        name = f"tx{len(tx_columns)}_{part}"
                        tx_columns[name] = value
                        names[part] = name
                    self.tx_names[key] = names
            elif source == "holdings":
                key = (leaf.field, leaf.value, leaf.window_days)
                if key not in self.holding_names:
                    name = f"h{len(holding_columns)}"
                    holding_columns[name] = _holdings_aggregate(leaf, h, self.as_of)
                    self.holding_names[key] = name
            elif source == "values":
                self.uses_values = True
        if scope is not None:
            c = self._scoped(c, scope)
        joined = c
        if tx_columns:
            tx = t.group_by(tx_key=t.customer_id).aggregate(**tx_columns)
            joined = joined.left_join(tx, joined.customer_id == tx.tx_key)
        if holding_columns:
            hs = h.group_by(h_key=h.customer_id).aggregate(**holding_columns)
            joined = joined.left_join(hs, joined.customer_id == hs.h_key)
        if self.uses_values:
            v = VALUES.select(
                v_key=VALUES.customer_id,
                **{
                    f"v_{name}": VALUES[name]
                    for name in (
                        "rfm_cell",
                        "r_score",
                        "f_score",
                        "m_score",
                        "contribution",
                        "contribution_rank",
                        "value_tier",
                        "clv",
                        "clv_band",
                    )
                },
            )
            joined = joined.left_join(v, joined.customer_id == v.v_key)
        predicate = self._predicate(self.definition, joined)
        return joined.filter(predicate).select("customer_id")

    @staticmethod
    def _scoped(c: ibis.Table, scope: Scope) -> ibis.Table:
        if scope.rm_id is not None:
            c = c.filter(c.rm_id == scope.rm_id)
        if scope.branch_ids is not None:
            c = c.filter(c.branch_id.isin(list(scope.branch_ids) or [-1]))
        return c

    def _predicate(self, node: Condition | Group, j: ibis.Table) -> ibis.Value:
        if isinstance(node, Group):
            parts = [self._predicate(item, j) for item in node.conditions]
            result = parts[0]
            for part in parts[1:]:
                result = (result & part) if node.op == "and" else (result | part)
            return result
        # A condition on a missing value (no birth year, no value row yet) is false, and so
        # is its negation: coalesce to False rather than let NULL spread through OR / NOT.
        return self._leaf(node, j).fill_null(False)

    def _leaf(self, c: Condition, j: ibis.Table) -> ibis.Value:
        spec = FIELDS[c.field]
        if spec.source == "customer":
            return self._customer_leaf(c, j)
        if spec.source == "holdings":
            held = j[self.holding_names[(c.field, c.value, c.window_days)]].fill_null(False)
            if c.field == "maturity_within":
                return held == ibis.literal(c.value)
            return held if c.op == "in" else ~held
        if spec.source == "values":
            column = j[f"v_{c.field}"]
            return self._test(spec, c, column)
        names = self.tx_names[_tx_key(c)]
        if c.field == "days_since_last_tx":
            last = j[names["last_day"]]
            days = ibis.literal(self.as_of).delta(last, unit="day")
            return _compare(days.cast(dt.Decimal(20, 2)), c.op, c.value)
        if c.field == "tx_count":
            return _compare(j[names["n"]].fill_null(0).cast(dt.Decimal(20, 2)), c.op, c.value)
        if c.field == "tx_amount":
            return _compare(j[names["amount"]].fill_null(0), c.op, c.value)
        if c.field == "salary_credit":
            return (j[names["n"]].fill_null(0) > 0) == ibis.literal(c.value)
        if c.field == "digital_share":
            n, digital = j[names["n"]].fill_null(0), j[names["digital"]].fill_null(0)
            share = ibis.cases(
                (n > 0, digital.cast("decimal(20, 6)") / n.cast("decimal(20, 6)")),
                else_=ibis.null(),
            )
            return _compare(share.cast(dt.Decimal(20, 6)), c.op, c.value)
        net = j[names["net"]].fill_null(0)
        if c.field == "aum_change":
            return _compare(net, c.op, c.value)
        trend = ibis.cases((net > 0, "rising"), (net < 0, "falling"), else_="flat")
        return trend.isin(c.value) if c.op == "in" else ~trend.isin(c.value)

    def _customer_leaf(self, c: Condition, j: ibis.Table) -> ibis.Value:
        spec = FIELDS[c.field]
        if c.field == "age":
            column = j._age
        elif c.field == "age_group":
            column = age_group_expr(j._age)
        elif c.field == "wealth_tier":
            column = wealth_tier_expr(j.aum)
        elif c.field in ("tags", "marketing_consent"):
            # any of the chosen tags / channels ("in"), or none of them ("not_in")
            listed = j["tags" if c.field == "tags" else "marketing_consents"]
            held = ibis.or_(*[listed.contains(value) for value in c.value]).fill_null(False)
            return held if c.op == "in" else ~held
        elif c.field == "branch":
            ids = _branch_subtree_ids(c.value) or [-1]
            held = j.branch_id.isin(ids)
            return held if c.op == "in" else ~held
        else:
            column = j[c.field]
        return self._test(spec, c, column)

    @staticmethod
    def _test(spec: Field, c: Condition, column: ibis.Value) -> ibis.Value:
        if spec.kind == "choice":
            inside = column.isin(list(c.value))
            return inside if c.op == "in" else (~inside & column.notnull())
        return _compare(column.cast(dt.Decimal(20, 2)), c.op, c.value)


def compile_segment(definition: Group, *, as_of: date, scope: Scope | None = None) -> ibis.Table:
    """One Ibis expression: the ids (column `customer_id`) of the customers the definition
    selects, as of the end of `as_of`, within `scope`."""
    return _Compiler(definition, as_of).expression(scope)


# ---------------------------------------------------------------------------------------------
# Evaluation


def current_run_id() -> str | None:
    """The run of the standard values segments read (the newest finished refresh)."""
    from bankcrm.analytics.models import ValueRun

    return (
        ValueRun.objects.filter(status=ValueRun.Status.DONE)
        .order_by("-finished_at", "-pk")
        .values_list("run_id", flat=True)
        .first()
    )


def live_inputs(run_id: str | None = None) -> dict:
    """Bindings of the four inputs to the lake: its live files and one run of values."""
    from bankcrm.analytics.tables import live_input

    run_id = run_id or current_run_id()
    values = lake.live_files("customer_values", run=run_id) if run_id else []
    return {
        "seg_customers": live_input("customers"),
        "seg_holdings": live_input("holdings"),
        "seg_transactions": live_input("transactions"),
        "seg_values": ("customer_values", values),
    }


def run(expr: ibis.Table, inputs: dict | None = None) -> pa.Table:
    """Run an expression over the segment inputs (the lake's, unless `inputs` binds others,
    e.g. Arrow tables in tests)."""
    from bankcrm.analytics.tables import Query, bind_inputs

    inputs = inputs if inputs is not None else live_inputs()
    w = warehouse()
    with w.lock():
        bind_inputs(**inputs)
        try:
            return Query(expr).fetch()
        finally:
            for name in inputs:
                w.unbind(name)


def members(
    definition: Group,
    *,
    as_of: date | None = None,
    scope: Scope | None = None,
    inputs: dict | None = None,
) -> list[int]:
    """The ids of the matching customers, ascending."""
    from bankcrm.analytics.queries import local_today

    expr = compile_segment(definition, as_of=as_of or local_today(), scope=scope)
    ids = run(expr.order_by("customer_id"), inputs).column("customer_id").to_pylist()
    return ids


PREVIEW_ATTRIBUTES = ("age_group", "wealth_tier", "gender", "rfm_cell")


@dataclass(frozen=True)
class Preview:
    """What the segment builder shows while conditions change."""

    count: int
    sample: list[int]  # a few member ids (the lowest), to list
    distributions: dict[str, list[tuple[str, int]]]  # attribute -> (value or "", members)


def preview(
    definition: Group,
    *,
    scope: Scope | None,
    as_of: date | None = None,
    sample_size: int = 10,
    inputs: dict | None = None,
) -> Preview:
    """Count, a sample and the distribution of a few key attributes of the members, in one
    query over the warehouse."""
    from bankcrm.analytics.queries import local_today

    as_of = as_of or local_today()
    ids = compile_segment(definition, as_of=as_of, scope=scope)
    c = latest(CUSTOMERS, "customers")
    c = c.select(
        m_key=c.customer_id,
        age_group=age_group_expr(ibis.literal(as_of.year) - c.birth_year.cast("int64")),
        wealth_tier=wealth_tier_expr(c.aum),
        gender=c.gender,
    )
    found = ids.inner_join(c, ids.customer_id == c.m_key)
    v = VALUES.select(v_key=VALUES.customer_id, rfm_cell=VALUES.rfm_cell)
    found = found.left_join(v, found.customer_id == v.v_key)
    found = found.select("customer_id", *PREVIEW_ATTRIBUTES)
    # The members are computed once (a temporary table), then counted several ways.
    kept = ibis.table(found.schema(), name="seg_preview_members")
    rows = []
    for name in PREVIEW_ATTRIBUTES:
        value = kept[name].fill_null("")
        rows.append(
            kept.group_by(attribute=ibis.literal(name), value=value).aggregate(n=kept.count())
        )
    ranked = kept.select(
        attribute=ibis.literal("_sample"),
        value=kept.customer_id.cast("string"),
        n=ibis.row_number().over(order_by=kept.customer_id).cast("int64"),
    )
    rows.append(ranked.filter(ranked.n < sample_size))
    from bankcrm.analytics.tables import Query, bind_inputs

    inputs = inputs if inputs is not None else live_inputs()
    w = warehouse()
    with w.lock():
        bind_inputs(**inputs)
        try:
            w.run_materialize(w.compile(found), "seg_preview_members")
            result = Query(ibis.union(*rows)).fetch().to_pylist()
        finally:
            for name in [*inputs, "seg_preview_members"]:
                w.unbind(name)
    distributions: dict[str, list[tuple[str, int]]] = {name: [] for name in PREVIEW_ATTRIBUTES}
    sample = []
    for row in result:
        if row["attribute"] == "_sample":
            sample.append((row["n"], int(row["value"])))
        else:
            distributions[row["attribute"]].append((row["value"], row["n"]))
    for pairs in distributions.values():
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
    count = sum(n for _value, n in distributions[PREVIEW_ATTRIBUTES[0]])
    return Preview(
        count=count,
        sample=[customer for _n, customer in sorted(sample)],
        distributions=distributions,
    )
