"""Vectorised generation of demo customers and everything attached to them. No database here.

Customers are generated in fixed chunks of CHUNK_SIZE indexes. Chunk `c` draws all its random
numbers from `np.random.default_rng([seed, c])` for all CHUNK_SIZE indexes, whatever the number
of customers asked for, so customer `i` is the same person in every run: re-running adds only
the missing ones. Rows that link two customers (households, employers, guarantors, referrers)
always point from a later index to an earlier one in the same chunk, and are written with the
later customer, so a customer that exists in the database has all its rows.

Protected values are stored exactly as the services store them: normalised (ID upper case,
mobile E.164, email with a lower-case domain), encrypted with common.crypto.encrypt, with
common.crypto.blind_index beside them; pinyin keys come from common.text.pinyin_keys.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache, lru_cache

import numpy as np
from stdnum import luhn
from stdnum.cn import ric, uscc

from bankcrm.common import crypto
from bankcrm.common.identifiers import customer_number_for
from bankcrm.common.text import pinyin_keys
from bankcrm.demo import data

CHUNK_SIZE = 10_000
CORPORATE_SHARE = 0.07
HOUSEHOLD_PAIR_SHARE = 0.21  # of (even, odd) index pairs: ≈20 % of individuals linked
BIRTH_MIN = np.datetime64("1940-01-01")
BIRTH_MAX = np.datetime64("2006-12-31")
ADULT_DAYS = 18 * 366  # a little over 18 years: accounts open after the 18th birthday

OCCUPATIONS = (
    "civil_servant",
    "professional",
    "office_worker",
    "business_owner",
    "self_employed",
    "worker",
    "farmer",
    "student",
    "retired",
    "other",
)
EDUCATIONS = ("secondary", "college", "bachelor", "master", "doctorate")
INCOME_BANDS = ("lt50k", "50k-150k", "150k-500k", "500k-1m", "gt1m")
FAMILY = ("single", "married", "married_children", "divorced", "widowed")
STAGES = ("prospect", "onboarding", "active", "dormant", "churned", "won_back")
CHANNELS = ("sms", "email", "phone", "wechat", "app_push")  # customers.models.Channel order
CONTACT_TIMES = ("any", "weekday_morning", "weekday_afternoon", "weekday_evening", "weekend")
KYC = ("pending", "verified", "expired", "rejected")
LIABILITY_TYPES = frozenset({"personal_loan", "mortgage", "credit_card"})
COUNTED_STATUSES = ("active", "frozen")  # what products.services.customer_rollup counts


@dataclass(frozen=True)
class SubBranch:
    branch_id: int
    city: int  # index into data.CITIES
    district: int  # index into the city's districts
    rm_ids: tuple[int, ...]


@dataclass(frozen=True)
class Plan:
    """Everything a worker needs to generate a chunk: plain values, picklable."""

    seed: int
    vendor: str  # connection.vendor: "sqlite" or "postgresql"
    today: date
    now: datetime  # timezone-aware
    sub_branches: tuple[SubBranch, ...]
    product_ids: dict[str, int]
    tag_ids: dict[str, int]


@dataclass
class Table:
    """Rows for one table, column-wise: {column attname: list of plain Python values}."""

    model: str  # "app_label.ModelName", or "customers.Customer_tags" for the M2M table
    columns: dict[str, list]

    def __len__(self) -> int:
        return len(next(iter(self.columns.values()))) if self.columns else 0


@dataclass
class Chunk:
    index: int
    customers: int
    tables: list[Table]
    # Plain resident ID numbers of the individual customers of this chunk (row positions in
    # the customer table), so the loader can resolve the rare collision with an earlier chunk.
    resident_ids: dict[int, str] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(len(t) for t in self.tables)


# --- Helpers ----------------------------------------------------------------------------------


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of a (n, k) probability matrix (rows need not sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    return np.minimum((u[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _scramble(x: np.ndarray, digits: int, a: int, b: int, a2: int, b2: int) -> np.ndarray:
    """A bijection of [0, 10**digits): affine, digit reversal, affine. Unique in, unique out."""
    m = 10**digits
    y = (x.astype(np.int64) * a + b) % m
    rev = np.zeros_like(y)
    for _ in range(digits):
        rev = rev * 10 + y % 10
        y //= 10
    return (rev * a2 + b2) % m


def _add_months(days: np.ndarray, months: np.ndarray) -> np.ndarray:
    """Add whole months to datetime64[D] dates, clipping the day to the target month's length."""
    start_month = days.astype("datetime64[M]")
    day = (days - start_month.astype("datetime64[D]")).astype(np.int64)
    target = start_month + months.astype("timedelta64[M]")
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(
        np.int64
    )
    return target.astype("datetime64[D]") + np.minimum(day, length - 1).astype("timedelta64[D]")


def _dates(values: np.ndarray) -> list[str]:
    return np.datetime_as_string(values.astype("datetime64[D]"), unit="D").tolist()


def _timestamps(values: np.ndarray, vendor: str) -> list[str]:
    """UTC instants as the backend stores them (SQLite: naive UTC text, as Django writes it)."""
    text = np.datetime_as_string(values.astype("datetime64[s]"), unit="s")
    suffix = "+00" if vendor == "postgresql" else ""
    return [f"{t[:10]} {t[11:]}{suffix}" for t in text.tolist()]


def _age(birth: np.ndarray, today: np.datetime64) -> np.ndarray:
    """Completed years of age on `today`, counted as Customer.age counts them."""
    years = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    b_month = birth.astype("datetime64[M]").astype(np.int64) % 12
    b_day = (birth - birth.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64)
    t_year = int(today.astype("datetime64[Y]").astype(np.int64)) + 1970
    t_month = int(today.astype("datetime64[M]").astype(np.int64) % 12)
    t_day = int((today - today.astype("datetime64[M]").astype("datetime64[D]")).astype(np.int64))
    before_birthday = (t_month < b_month) | ((t_month == b_month) & (t_day < b_day))
    return t_year - years - before_birthday


def _money(cents: np.ndarray) -> list[str]:
    return [f"{c // 100}.{c % 100:02d}" for c in cents.tolist()]


@lru_cache(maxsize=200_000)
def _pinyin_cached(name: str) -> tuple[str, str]:
    return pinyin_keys(name)


@cache
def area_codes_for_year() -> dict[int, tuple[tuple[str, ...], np.ndarray]]:
    """Per city: its area codes and a (years 1940–2006) × codes validity matrix from stdnum.

    python-stdnum knows which district existed in which year; an ID whose area code did not
    exist in the birth year only earns a warning, but the demo should not earn any.
    """
    out = {}
    for ci, city in enumerate(data.CITIES):
        codes = tuple(d.code for d in city.districts) + city.older_codes
        valid = np.zeros((2007 - 1940, len(codes)), dtype=bool)
        for yi, year in enumerate(range(1940, 2007)):
            for ki, code in enumerate(codes):
                body = f"{code}{year}0615123"
                try:
                    ric.get_birth_place(body + ric.calc_check_digit(body + "0"))
                except Exception:  # noqa: BLE001, S112 - unknown for that year: not valid
                    continue
                valid[yi, ki] = True
        if not valid.any(axis=1).all():
            raise ValueError(f"{city.name}: some birth year has no valid area code")
        out[ci] = (codes, valid)
    return out


def resident_id(area: str, birth: str, seq: int) -> str:
    """GB 11643: area + YYYYMMDD + 3-digit sequence + check digit from python-stdnum."""
    body = f"{area}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")  # stdnum ignores the last character


def social_credit_code(area: str, org: int) -> str:
    body = f"91{area}{org:09d}"
    return body + uscc.calc_check_digit(body)


# --- Static tables built once per process -----------------------------------------------------


@cache
def _tables():
    surnames = np.array([s for s, _ in data.SURNAMES], dtype=object)
    north = np.array([w for _, w in data.SURNAMES], dtype=float)
    south = north * np.array([data.SOUTHERN_BOOST.get(s, 1.0) for s, _ in data.SURNAMES])
    prefixes = [p for p, _ in data.MOBILE_PREFIXES]
    prefix_w = np.array([w for _, w in data.MOBILE_PREFIXES], dtype=float)
    domains = [d for d, _ in data.EMAIL_DOMAINS]
    domain_w = np.array([w for _, w in data.EMAIL_DOMAINS], dtype=float)
    subjects = [(ch, s) for ch, items in data.SUBJECTS.items() for s in items]
    channel_w = {"call": 0.34, "visit": 0.15, "meeting": 0.05, "email": 0.05, "sms": 0.10,
                 "wechat": 0.21, "note": 0.10}  # fmt: skip
    subject_w = np.array([channel_w[ch] / len(data.SUBJECTS[ch]) for ch, _ in subjects])
    return {
        "surnames": surnames,
        "surname_p": (north / north.sum(), south / south.sum()),
        "prefixes": prefixes,
        "prefix_p": prefix_w / prefix_w.sum(),
        "domains": domains,
        "domain_p": domain_w / domain_w.sum(),
        "subjects": subjects,
        "subject_p": subject_w / subject_w.sum(),
        "channels_json": [
            json.dumps([c for bit, c in enumerate(CHANNELS) if mask & (1 << bit)])
            for mask in range(1 << len(CHANNELS))
        ],
    }


PRODUCT_CODES = tuple(p.code for p in data.PRODUCTS)
_P = {code: i for i, code in enumerate(PRODUCT_CODES)}
_PRODUCT = {p.code: p for p in data.PRODUCTS}


# --- The chunk --------------------------------------------------------------------------------


def generate_chunk(plan: Plan, chunk: int, new: np.ndarray) -> Chunk:
    """Rows for the customers of `chunk` whose offsets are True in `new` (length ≤ CHUNK_SIZE).

    Offsets beyond len(new) are not wanted (past the requested number of customers); offsets
    with False already exist in the database.
    """
    rng = np.random.default_rng([plan.seed, chunk])
    n = CHUNK_SIZE
    base = chunk * CHUNK_SIZE
    gidx = base + np.arange(n, dtype=np.int64)  # global customer index; pk = gidx + 1
    emit = np.zeros(n, dtype=bool)
    emit[: len(new)] = new
    exists = np.zeros(n, dtype=bool)
    exists[: len(new)] = True  # after this chunk, every offset < len(new) exists
    today = np.datetime64(plan.today, "D")
    now = np.datetime64(plan.now.replace(tzinfo=None) - plan.now.utcoffset(), "s")
    T = _tables()

    # Who and where ------------------------------------------------------------------------
    corporate = rng.random(n) < CORPORATE_SHARE
    subs = plan.sub_branches
    city_w = np.array(
        [data.CITIES[s.city].weight / len(data.CITIES[s.city].districts) for s in subs]
    )
    sb = rng.choice(len(subs), size=n, p=city_w / city_w.sum())
    rm_u = rng.random(n)
    male = rng.random(n) < 0.5
    band = rng.choice(6, size=n, p=[0.20, 0.24, 0.21, 0.17, 0.11, 0.07])
    band_lo = np.array([19, 30, 40, 50, 60, 70])[band]
    band_hi = np.array([29, 39, 49, 59, 69, 86])[band]
    age_years = band_lo + rng.random(n) * (band_hi - band_lo + 1)
    birth = today - (age_years * 365.25).astype("timedelta64[D]")
    birth = np.clip(birth, BIRTH_MIN, BIRTH_MAX)

    # Households: the odd offset of an (even, odd) pair may follow the even one.
    heads = np.arange(0, n, 2)
    followers = heads + 1
    pair_u = rng.random(len(heads))
    spouse_u = rng.random(len(heads))
    gap = rng.normal(2.0, 3.0, len(heads))
    child_gap = rng.uniform(22, 35, len(heads))
    head_age = (today - birth[heads]).astype(np.int64) / 365.25
    linked = (pair_u < HOUSEHOLD_PAIR_SHARE) & ~corporate[heads] & ~corporate[followers]
    linked &= head_age >= 24  # old enough to marry (22 for men, 20 for women) and then some
    is_child = linked & (spouse_u >= 0.55) & (head_age >= 45)
    is_spouse = linked & ~is_child
    f_sp, h_sp = followers[is_spouse], heads[is_spouse]
    male[f_sp] = ~male[h_sp]
    sign = np.where(male[h_sp], 1, -1)  # the husband is usually a little older
    birth[f_sp] = birth[h_sp] + (sign * gap[is_spouse] * 365.25).astype("timedelta64[D]")
    f_ch, h_ch = followers[is_child], heads[is_child]
    birth[f_ch] = birth[h_ch] + (child_gap[is_child] * 365.25).astype("timedelta64[D]")
    birth = np.clip(birth, BIRTH_MIN, BIRTH_MAX)
    birth[f_sp] = np.minimum(birth[f_sp], today - np.timedelta64(22 * 366, "D"))
    follower_of = np.full(n, -1, dtype=np.int64)
    follower_of[followers[linked]] = heads[linked]
    fo = follower_of >= 0
    link_kind = np.zeros(n, dtype=np.int64)  # 1: spouse of the head, 2: child of the head
    link_kind[f_sp] = 1
    link_kind[f_ch] = 2
    sb[fo] = sb[follower_of[fo]]
    rm_u[fo] = rm_u[follower_of[fo]]

    age = _age(birth, today)
    city_idx = np.array([s.city for s in subs])[sb]
    income_factor = np.array([c.income_factor for c in data.CITIES])[city_idx]

    # Profile --------------------------------------------------------------------------------
    occ_p = np.select(
        [age[:, None] < 23, age[:, None] < 30, age[:, None] < 50, age[:, None] < 60],
        [
            np.array([0, 0.02, 0.15, 0, 0.03, 0.10, 0.02, 0.60, 0, 0.08]),
            np.array([0.06, 0.16, 0.40, 0.03, 0.08, 0.17, 0.03, 0.02, 0, 0.05]),
            np.array([0.07, 0.17, 0.30, 0.08, 0.12, 0.16, 0.05, 0, 0, 0.05]),
            np.array([0.07, 0.12, 0.20, 0.08, 0.12, 0.16, 0.08, 0, 0.12, 0.05]),
        ],
        np.array([0.01, 0.02, 0.02, 0.04, 0.04, 0.02, 0.05, 0, 0.78, 0.02]),
    )
    occ = _pick(rng, occ_p)
    edu_by_occ = np.array(
        [
            [0.03, 0.15, 0.55, 0.24, 0.03],
            [0.02, 0.10, 0.50, 0.30, 0.08],
            [0.08, 0.30, 0.48, 0.13, 0.01],
            [0.25, 0.30, 0.33, 0.10, 0.02],
            [0.55, 0.28, 0.15, 0.02, 0.00],
            [0.75, 0.20, 0.05, 0.00, 0.00],
            [0.95, 0.05, 0.00, 0.00, 0.00],
            [0.05, 0.35, 0.50, 0.09, 0.01],
            [0.65, 0.20, 0.12, 0.03, 0.00],
            [0.55, 0.25, 0.17, 0.03, 0.00],
        ]
    )
    edu = _pick(rng, edu_by_occ[occ])
    edu = np.minimum(edu, np.select([age < 22, age < 25, age < 28], [1, 2, 3], 4))  # still studying
    occ_income = np.array([150, 260, 120, 500, 150, 65, 40, 8, 55, 60], dtype=float) * 1000
    edu_factor = np.array([0.8, 0.95, 1.15, 1.5, 1.8])
    income = occ_income[occ] * edu_factor[edu] * income_factor * rng.lognormal(0, 0.55, n)
    inc = np.searchsorted([50_000, 150_000, 500_000, 1_000_000], income, side="right")
    fam_p = np.select(
        [age[:, None] < 25, age[:, None] < 35, age[:, None] < 60],
        [
            np.array([0.92, 0.05, 0.03, 0, 0]),
            np.array([0.38, 0.22, 0.37, 0.03, 0]),
            np.array([0.08, 0.12, 0.70, 0.08, 0.02]),
        ],
        np.array([0.02, 0.10, 0.62, 0.06, 0.20]),
    )
    fam = _pick(rng, fam_p)
    with_children = rng.random(len(heads)) < 0.75
    couple = np.where(with_children[is_spouse] & (age[h_sp] > 30), 2, 1)
    fam[h_sp] = couple
    fam[f_sp] = couple
    fam[h_ch] = np.where(np.isin(fam[h_ch], [3, 4]), fam[h_ch], 2)
    fam[f_ch] = np.where(age[f_ch] < 28, 0, fam[f_ch])
    age_term = np.select([age < 35, age < 50, age < 60, age < 70], [0.6, 0.3, -0.2, -0.7], -1.2)
    risk = np.clip(np.rint(1.6 + 0.55 * inc + age_term + rng.normal(0, 0.7, n)), 1, 5)
    risk = risk.astype(np.int64)
    risk[corporate] = 2 + rng.integers(0, 3, n)[corporate]

    stage = rng.choice(6, size=n, p=[0.04, 0.03, 0.78, 0.09, 0.04, 0.02])
    kyc = _pick(rng, np.tile([0.0, 0.93, 0.07, 0.0], (n, 1)))
    kyc_u = rng.random(n)
    kyc[stage == 0] = np.where(kyc_u[stage == 0] < 0.97, 0, 3)
    kyc[stage == 1] = np.where(kyc_u[stage == 1] < 0.6, 0, 1)

    has_email = rng.random(n) < np.select([age < 35, age < 50, age < 65], [0.65, 0.5, 0.3], 0.1)
    has_email[corporate] = rng.random(n)[corporate] < 0.6
    ch_u = rng.random((n, 5))
    ch_p = np.stack(
        [
            np.full(n, 0.55),
            np.where(has_email, 0.3, 0.0),
            np.where(age >= 50, 0.6, 0.3),
            np.where(age < 50, 0.55, 0.3),
            np.where(age < 40, 0.45, 0.15),
        ],
        axis=1,
    )
    ch_mask = ((ch_u < ch_p) * (1 << np.arange(5))).sum(axis=1)
    ct_p = np.where(
        (occ == 8)[:, None],
        np.array([0.3, 0.35, 0.25, 0.02, 0.08]),
        np.where((occ == 7)[:, None], [0.4, 0.05, 0.1, 0.25, 0.2], [0.35, 0.05, 0.1, 0.3, 0.2]),
    )
    ct_p[corporate] = [0.3, 0.35, 0.35, 0.0, 0.0]
    contact = _pick(rng, ct_p)

    # When they became customers --------------------------------------------------------------
    adult = birth + np.timedelta64(ADULT_DAYS, "D")
    lb = np.maximum(np.datetime64("2000-01-01"), adult)
    lb[corporate] = np.datetime64("2005-01-01")
    lb = np.minimum(lb, today)
    span = np.maximum((today - np.timedelta64(60, "D") - lb).astype(np.int64), 0)
    since_u = rng.random(n)
    since = lb + (since_u * span).astype("timedelta64[D]")
    recent = today - (1 + since_u * 44).astype("timedelta64[D]")
    since = np.where(stage == 1, np.maximum(recent, lb), since)
    prospect_day = today - (1 + since_u * 179).astype("timedelta64[D]")
    since = np.where(stage == 0, np.maximum(prospect_day, lb), since)
    created = since.astype("datetime64[s]") + (3600 + rng.random(n) * 8 * 3600).astype(
        "timedelta64[s]"
    )  # 09:00–17:00 in Beijing time
    created = np.minimum(created, now)
    updated = created + (rng.random(n) * (now - created).astype(np.int64)).astype("timedelta64[s]")

    # Mobile, email, names, addresses: drawn for everyone ------------------------------------
    has_mobile = rng.random(n) < 0.98
    prefix_i = rng.choice(len(T["prefixes"]), size=n, p=T["prefix_p"])
    suffix = _scramble(gidx, 8, 73_194_817, 4_862_331, 2_940_173, 61_273_449)
    domain_i = rng.choice(len(T["domains"]), size=n, p=T["domain_p"])
    email_style = rng.integers(0, 3, n)
    email_digits = rng.integers(0, 1000, n)
    qq = 10_000_000 + _scramble(gidx, 9, 387_420_489, 17, 918_273_645 + 2, 5) % 2_000_000_000

    south = np.isin(city_idx, [i for i, c in enumerate(data.CITIES)
                               if c.branch_code in data.SOUTHERN_BRANCHES])  # fmt: skip
    p_north, p_south = T["surname_p"]
    surname_i = np.where(
        south,
        rng.choice(len(p_south), size=n, p=p_south),
        rng.choice(len(p_north), size=n, p=p_north),
    )
    surname_i[f_ch] = np.where(male[h_ch], surname_i[h_ch], surname_i[f_ch])
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    era = np.select([birth_year < 1965, birth_year < 1990], [0, 1], 2)
    name_u = rng.random(n)
    name_a = rng.integers(0, 1 << 30, n)
    name_b = rng.integers(0, 1 << 30, n)
    trade_i = rng.integers(0, len(data.TRADE_NAMES), n)
    industry_i = rng.integers(0, len(data.COMPANY_INDUSTRIES), n)
    joint_stock = rng.random(n) < 0.08
    other_district = rng.random(n) < 0.2
    district_pick = rng.integers(0, 6, n)
    road_i = rng.integers(0, 1 << 30, n)
    house_no = rng.integers(1, 300, n)
    building = rng.integers(1, 30, n)
    unit = rng.integers(1, 6, n)
    floor = rng.integers(1, 33, n)
    room = rng.integers(1, 5, n)
    for arr in (district_pick, road_i, house_no, building, unit, floor, room):
        arr[fo] = arr[follower_of[fo]]
    other_district[fo] = other_district[follower_of[fo]]

    # Resident ID and unified social credit code ----------------------------------------------
    codes_by_city = area_codes_for_year()
    max_codes = max(len(c[0]) for c in codes_by_city.values())
    area_u = rng.random((n, max_codes))
    prefer_home = rng.random(n) < 0.6
    seq = rng.integers(0, 500, n) * 2 + male.astype(np.int64)  # odd for men (GB 11643)
    area = np.empty(n, dtype=object)
    district_of_sb = np.array([s.district for s in subs])[sb]
    for ci, (codes, valid) in codes_by_city.items():
        rows = np.flatnonzero(city_idx == ci)
        if not len(rows):
            continue
        ok = valid[np.clip(birth_year[rows], 1940, 2006) - 1940]  # (m, k)
        score = area_u[rows, : len(codes)] * ok
        home = district_of_sb[rows]
        home_ok = ok[np.arange(len(rows)), home] & prefer_home[rows]
        score[np.arange(len(rows))[home_ok], home[home_ok]] = 2.0
        area[rows] = np.array(codes, dtype=object)[score.argmax(axis=1)]

    # Employer links: an individual employee → a corporate customer earlier in the chunk -------
    employs_u = rng.random(n)
    employer_pick = rng.random(n)
    employer_of = np.full(n, -1, dtype=np.int64)
    corp_rows = np.flatnonzero(corporate)
    employee = ~corporate & np.isin(occ, [1, 2, 5]) & (employs_u < 0.18)
    for ci in range(len(data.CITIES)):
        corp_city = corp_rows[city_idx[corp_rows] == ci]
        rows = np.flatnonzero(employee & (city_idx == ci))
        before = np.searchsorted(corp_city, rows)  # corporates with a smaller offset
        has = before > 0
        pick = (employer_pick[rows[has]] * before[has]).astype(np.int64)
        employer_of[rows[has]] = corp_city[pick]
    # Guarantors and referrers: an earlier individual of the chunk.
    guar_u = rng.random(n)
    ref_u = rng.random(n)
    other_pick = rng.random((n, 2))

    # Holdings ---------------------------------------------------------------------------------
    P = len(PRODUCT_CODES)
    W = np.zeros((n, P))
    ind = ~corporate
    a = age
    rk = risk

    def w(code: str, value) -> None:
        W[:, _P[code]] = np.where(ind, value, 0.0)

    older = np.where(a >= 45, 1.8, 1.0)
    w("TD-3M", 0.3 * older)
    w("TD-6M", 0.4 * older)
    w("TD-1Y", 1.0 * older)
    w("TD-3Y", 0.7 * older * (a >= 30))
    w("CD-3Y", 0.6 * (inc >= 2) * np.where(a >= 40, 1.5, 1.0))
    for code, level, min_inc, base_w in (
        ("WM-R1", 1, 1, 0.6),
        ("WM-R2", 2, 1, 0.7),
        ("WM-R3", 3, 2, 0.5),
        ("WM-R4", 4, 2, 0.25),
        ("WM-R5", 5, 4, 0.4),
    ):
        w(code, base_w * (1 + inc) * (inc >= min_inc) * (rk >= level))
    fund_age = np.where((a >= 22) & (a <= 55), 1.5, 0.6)
    for code, level, base_w in (
        ("FD-MMF", 1, 0.5),
        ("FD-BOND", 2, 0.3),
        ("FD-MIX", 3, 0.35),
        ("FD-IDX", 4, 0.3),
    ):
        w(code, base_w * fund_age * (rk >= level) * (occ != 7) + base_w * (occ == 7) * (level == 1))
    w("IN-LIFE", 0.3 * ((a >= 30) & (a <= 60)) * (inc >= 1))
    w("IN-PENS", 0.3 * ((a >= 40) & (a <= 65)) * (inc >= 1))
    w("LN-CONS", 0.4 * ((a >= 22) & (a <= 50)) * (inc >= 1) * (inc <= 3))
    w("LN-BIZ", 1.2 * np.isin(occ, [3, 4]) * (a >= 25) * (a <= 65))
    w("MG-HOME", 1.3 * ((a >= 28) & (a <= 55)) * (inc >= 1))
    w("CC-STD", 1.2 * ((a >= 20) & (a <= 65)) * (inc <= 2) * (occ != 7))
    w("CC-PLAT", 1.0 * ((a >= 22) & (a <= 65)) * (inc >= 2))
    w("FX-USD", 0.25 * (inc >= 2))
    w("FX-HKD", 0.2 * (inc >= 2) * south)
    for code, value in (("CO-TD", 1.0), ("WM-R1", 0.5), ("WM-R2", 0.6), ("FX-USD", 0.4)):
        W[:, _P[code]] = np.where(corporate, value, W[:, _P[code]])
    W[:, _P["DD-CNY"]] = 0
    W[:, _P["CO-DD"]] = 0

    lo = np.array([0, 0, 1, 2, 2])[inc]
    hi = np.array([1, 2, 3, 4, 5])[inc]
    extra = lo + (rng.random(n) * (hi - lo + 1)).astype(np.int64)
    extra[corporate] = rng.integers(0, 4, n)[corporate]
    extra = np.where(stage == 3, np.minimum(extra, 1), extra)
    extra = np.where(stage == 1, 0, extra)
    gumbel = -np.log(-np.log(rng.random((n, P)) * (1 - 1e-12) + 1e-12))
    with np.errstate(divide="ignore"):
        keys = np.log(W) + gumbel
    order = np.argsort(-keys, axis=1)
    ranked_ok = np.take_along_axis(keys, order, axis=1) > -np.inf
    slots = np.minimum(extra, ranked_ok.sum(axis=1))
    n_hold = np.where(stage == 0, 0, 1 + slots)  # prospects hold nothing yet

    hold_u = rng.random((n, 6, 6))  # per customer, per slot: six uniforms
    hold_z = rng.standard_normal((n, 6))  # per customer, per slot: log-normal noise

    # Relationship and activity draws ----------------------------------------------------------
    lam = np.select([stage == 2, stage == 5, stage == 0, stage == 1], [1.4, 2.0, 1.2, 1.5], 0.4)
    lam = lam * np.where(inc >= 3, 1.6, 1.0)
    n_inter = np.minimum(rng.poisson(lam), 8)
    task_u = rng.random(n)
    consent_u = rng.random((n, 10))
    withdraw_u = rng.random((n, 10))
    source_i = rng.integers(0, len(data.CONSENT_SOURCES), n)
    payroll_u = rng.random(n)
    sme_u = rng.random(n)
    life_u = rng.random((n, 3))
    inter_u = rng.random((n, 8, 5))
    task_v = rng.random((n, 5))

    # ------------------------------------------------------------------------------------------
    # Everything above was drawn for the whole chunk; from here on only emitted rows are built.
    rows = np.flatnonzero(emit)
    m = len(rows)
    out_tables: list[Table] = []
    pk = gidx + 1
    rm_tables = [s.rm_ids for s in subs]
    rm_id = np.array(
        [rm_tables[sb[i]][int(rm_u[i] * len(rm_tables[sb[i]]))] for i in range(n)], dtype=np.int64
    )
    branch_id = np.array([s.branch_id for s in subs], dtype=np.int64)[sb]

    # Names.
    names: dict[int, str] = {}
    industries: dict[int, str] = {}
    surnames = T["surnames"]
    for i in rows.tolist():
        if corporate[i]:
            city = data.CITIES[city_idx[i]]
            word, industry = data.COMPANY_INDUSTRIES[industry_i[i]]
            suffix_word = "股份有限公司" if joint_stock[i] else "有限公司"
            names[i] = f"{city.name}{data.TRADE_NAMES[trade_i[i]]}{word}{suffix_word}"
            industries[i] = industry
            continue
        key = (("old", "mid", "young")[era[i]], "M" if male[i] else "F")
        if name_u[i] < data.SINGLE_CHAR_SHARE[key[0]]:
            chars = data.GIVEN_CHARS[key]
            given = chars[name_a[i] % len(chars)]
        elif name_u[i] < data.SINGLE_CHAR_SHARE[key[0]] + data.WHOLE_NAME_SHARE:
            whole = data.GIVEN_NAMES[key]
            given = whole[name_a[i] % len(whole)]
        else:
            chars = data.GIVEN_CHARS[key]
            first, second = chars[name_a[i] % len(chars)], chars[name_b[i] % len(chars)]
            given = first + (second if second != first else chars[(name_b[i] + 1) % len(chars)])
        names[i] = surnames[surname_i[i]] + given

    # Employer names need the corporate's name even when the corporate already exists.
    for i in rows.tolist():
        j = employer_of[i]
        if j >= 0 and j not in names:
            city = data.CITIES[city_idx[j]]
            word, industry = data.COMPANY_INDUSTRIES[industry_i[j]]
            suffix_word = "股份有限公司" if joint_stock[j] else "有限公司"
            names[j] = f"{city.name}{data.TRADE_NAMES[trade_i[j]]}{word}{suffix_word}"
            industries[j] = industry

    occ_industry = {
        0: "public",
        1: ("finance", "it", "health", "education"),
        2: ("it", "finance", "manufacturing", "retail", "logistics", "real_estate"),
        3: ("retail", "manufacturing", "hospitality", "construction", "it"),
        4: ("retail", "hospitality", "logistics", "other"),
        5: ("manufacturing", "construction", "logistics", "hospitality"),
        6: "agriculture",
    }

    cols: dict[str, list] = {k: [] for k in _CUSTOMER_COLUMNS}  # filled below, in this order
    resident_ids: dict[int, str] = {}
    aum_cents = np.zeros(n, dtype=np.int64)
    liab_cents = np.zeros(n, dtype=np.int64)

    # Holdings (built before the customers: the customer row carries the roll-up).
    h_cols: dict[str, list] = {k: [] for k in _HOLDING_COLUMNS}
    has_product = np.zeros((n, P), dtype=bool)
    h_open: list = []
    h_mat: list = []
    for i in rows.tolist():
        k = int(n_hold[i])
        if k == 0:
            continue
        chosen = [_P["CO-DD"] if corporate[i] else _P["DD-CNY"]] + order[i, : k - 1].tolist()
        for slot, p in enumerate(chosen):
            has_product[i, p] = True
            h_cols["product"].append(p)
            h_cols["customer"].append(i)
            h_cols["slot"].append(slot)
    if h_cols["customer"]:
        hc = np.array(h_cols["customer"], dtype=np.int64)
        hp = np.array(h_cols["product"], dtype=np.int64)
        hs = np.array(h_cols["slot"], dtype=np.int64)
        u = hold_u[hc, hs]  # (h, 6)
        bal, opened, matures, status = _holding_values(
            hc, hp, hs, u, hold_z[hc, hs], inc, age, corporate, stage, since, today, income_factor
        )
        counted = np.isin(status, COUNTED_STATUSES)
        liability = np.array([_PRODUCT[c].type in LIABILITY_TYPES for c in PRODUCT_CODES])[hp]
        np.add.at(aum_cents, hc[counted & ~liability], bal[counted & ~liability])
        np.add.at(liab_cents, hc[counted & liability], bal[counted & liability])
        hid = gidx[hc] * 8 + hs
        is_card = np.array([_PRODUCT[c].type == "credit_card" for c in PRODUCT_CODES])[hp]
        serial12 = _scramble(hid, 12, 7_919_284_673, 123_456_789, 5_237_119, 987_654_321)
        serial9 = _scramble(hid, 9, 387_420_489, 97, 123_456_791, 4_242)
        sub_codes = [
            data.CITIES[subs[s].city].districts[subs[s].district].code for s in range(len(subs))
        ]
        numbers = []
        for c, card, s12, s9 in zip(
            hc.tolist(), is_card.tolist(), serial12.tolist(), serial9.tolist(), strict=True
        ):
            if card:
                body = f"628888{s9:09d}"
                numbers.append(body + luhn.calc_check_digit(body))
            else:
                numbers.append(f"8{sub_codes[sb[c]]}{s12:012d}")
        h_open = _dates(opened)
        h_mat = [None if v == "NaT" else v for v in _dates(matures)]
        currencies = [_PRODUCT[PRODUCT_CODES[p]].currency for p in hp.tolist()]
        updated_h = _timestamps(
            np.maximum(created[hc], opened.astype("datetime64[s]")), plan.vendor
        )
        out_tables.append(
            Table(
                "products.Holding",
                {
                    "customer_id": pk[hc].tolist(),
                    "product_id": [plan.product_ids[PRODUCT_CODES[p]] for p in hp.tolist()],
                    "account_number": [crypto.encrypt(x) for x in numbers],
                    "account_number_bidx": [
                        crypto.blind_index("account_number", x) for x in numbers
                    ],
                    "balance": _money(bal),
                    "currency": currencies,
                    "opened_on": h_open,
                    "matures_on": h_mat,
                    "status": status.tolist(),
                    "branch_id": branch_id[hc].tolist(),
                    "version": [1] * len(hc),
                    "updated_at": updated_h,
                },
            )
        )

    aum_text = _money(aum_cents)
    liab_text = _money(liab_cents)
    birth_text = _dates(birth)
    created_text = _timestamps(created, plan.vendor)
    updated_text = _timestamps(updated, plan.vendor)
    channels_json = T["channels_json"]
    # Per-row work on plain Python values (numpy scalars are slow one at a time).
    R = rows.tolist()
    L_corp, L_city, L_sb = corporate.tolist(), city_idx.tolist(), sb.tolist()
    L_dpick, L_other, L_road = district_pick.tolist(), other_district.tolist(), road_i.tolist()
    L_house, L_bldg, L_unit = house_no.tolist(), building.tolist(), unit.tolist()
    L_floor, L_room, L_trade = floor.tolist(), room.tolist(), trade_i.tolist()
    L_area, L_seq, L_gidx = area.tolist(), seq.tolist(), gidx.tolist()
    L_has_mobile, L_prefix, L_suffix = has_mobile.tolist(), prefix_i.tolist(), suffix.tolist()
    L_has_email, L_domain, L_style = has_email.tolist(), domain_i.tolist(), email_style.tolist()
    L_digits, L_qq, L_byear = email_digits.tolist(), qq.tolist(), birth_year.tolist()
    L_occ, L_emp, L_nameb = occ.tolist(), employer_of.tolist(), name_b.tolist()
    prefixes, domains = T["prefixes"], T["domains"]
    encrypt, bidx = crypto.encrypt, crypto.blind_index
    for pos, i in enumerate(R):
        name = names[i]
        full, initials = _pinyin_cached(name)
        city = data.CITIES[L_city[i]]
        home = subs[L_sb[i]].district
        district = city.districts[L_dpick[i] % len(city.districts) if L_other[i] else home]
        road = city.roads[L_road[i] % len(city.roads)]
        if L_corp[i]:
            number = social_credit_code(city.districts[home].code, _corp_org(L_gidx[i]))
            tower = data.TRADE_NAMES[L_trade[i]]
            address = f"{district.name}{road}{L_house[i]}号{tower}大厦{L_floor[i]}层"
            employer, industry = "", industries[i]
        else:
            number = resident_id(L_area[i], birth_text[i].replace("-", ""), L_seq[i])
            resident_ids[pos] = number
            address = (
                f"{district.name}{road}{L_house[i]}号{L_bldg[i]}栋{L_unit[i]}单元"
                f"{L_floor[i]}{L_room[i]:02d}室"
            )
            j = L_emp[i]
            if j >= 0:
                employer, industry = names[j], industries[j]
            else:
                employer, industry = _employer_text(
                    L_occ[i], city, district, L_nameb[i], occ_industry
                )
        mobile = f"+86{prefixes[L_prefix[i]]}{L_suffix[i]:08d}" if L_has_mobile[i] else ""
        email = ""
        if L_has_email[i]:
            if L_corp[i]:
                trade_full, _ = _pinyin_cached(data.TRADE_NAMES[L_trade[i]])
                box = data.CORPORATE_MAILBOXES[L_digits[i] % len(data.CORPORATE_MAILBOXES)]
                email = f"{box}@{trade_full}{L_gidx[i] % 997}.com.cn"
            else:
                domain = domains[L_domain[i]]
                if domain == "qq.com":
                    local = str(L_qq[i])
                elif L_style[i] == 0:
                    local = f"{initials}{L_qq[i] % 100000}"
                elif L_style[i] == 1:
                    local = f"{full}{L_byear[i] % 100:02d}{L_digits[i] % 100:02d}"
                else:
                    local = f"{full}.{L_digits[i]:03d}"
                email = f"{local}@{domain}"
        cols["name"].append(name)
        cols["name_pinyin"].append(full)
        cols["name_initials"].append(initials)
        cols["id_number"].append(encrypt(number))
        cols["id_number_bidx"].append(bidx("id_number", number))
        cols["mobile"].append(encrypt(mobile) if mobile else "")
        cols["mobile_bidx"].append(bidx("mobile", mobile) if mobile else "")
        cols["email"].append(encrypt(email) if email else "")
        cols["email_bidx"].append(bidx("email", email) if email else "")
        cols["province"].append(city.province)
        cols["city"].append(city.city)
        cols["address"].append(address)
        cols["industry"].append(industry)
        cols["employer"].append(employer)
    ind_r = ~corporate[rows]
    cols["id"] = pk[rows].tolist()
    cols["number"] = [customer_number_for(x) for x in cols["id"]]
    cols["kind"] = ["individual" if x else "corporate" for x in ind_r.tolist()]
    cols["gender"] = [
        ("M" if m else "F") if x else ""
        for x, m in zip(ind_r.tolist(), male[rows].tolist(), strict=True)
    ]
    cols["birth_date"] = [
        b if x else None for x, b in zip(ind_r.tolist(), [birth_text[i] for i in R], strict=True)
    ]
    cols["id_type"] = ["resident_id" if x else "uscc" for x in ind_r.tolist()]

    def label(values: tuple, codes: np.ndarray) -> list:
        return [
            values[c] if x else ""
            for x, c in zip(ind_r.tolist(), codes[rows].tolist(), strict=True)
        ]

    cols["occupation"] = label(OCCUPATIONS, occ)
    cols["education"] = label(EDUCATIONS, edu)
    cols["income_band"] = label(INCOME_BANDS, inc)
    cols["family_status"] = label(FAMILY, fam)
    cols["risk_tolerance"] = [f"C{x}" for x in risk[rows].tolist()]
    cols["kyc_status"] = [KYC[x] for x in kyc[rows].tolist()]
    cols["preferred_channels"] = [channels_json[x] for x in ch_mask[rows].tolist()]
    cols["preferred_contact_time"] = [CONTACT_TIMES[x] for x in contact[rows].tolist()]
    cols["branch_id"] = branch_id[rows].tolist()
    cols["rm_id"] = rm_id[rows].tolist()
    cols["lifecycle_stage"] = [STAGES[x] for x in stage[rows].tolist()]
    cols["aum"] = [aum_text[i] for i in R]
    cols["liabilities"] = [liab_text[i] for i in R]
    cols["version"] = [1] * m
    cols["created_at"] = [created_text[i] for i in R]
    cols["updated_at"] = [updated_text[i] for i in R]
    out_tables.insert(0, Table("customers.Customer", cols))

    # Tags -------------------------------------------------------------------------------------
    tag_rows: dict[str, list] = {"customer_id": [], "tag_id": []}
    has = has_product
    wealthish = has[:, [_P[c] for c in PRODUCT_CODES if c.startswith(("WM-", "FD-"))]].any(axis=1)
    employed = np.isin(occ, [0, 1, 2, 5]) & ~corporate
    tag_masks = {
        "payroll": employed & ((employer_of >= 0) | (payroll_u < 0.45)) & (n_hold > 0),
        "mortgage": has[:, _P["MG-HOME"]],
        "wealth": wealthish,
        "vip": (aum_cents >= 50_000_000) & ~corporate,
        "hnw": (aum_cents >= 600_000_000) & ~corporate,
        "sme_owner": np.isin(occ, [3, 4]) & ~corporate,
        "pension": (occ == 8) & (payroll_u < 0.8) & ~corporate,
        "sme": corporate & (sme_u < 0.65),
        "new": (today - since).astype(np.int64) <= 90,
    }
    for key, mask in tag_masks.items():
        sel = rows[mask[rows]]
        tag_rows["customer_id"].extend(pk[sel].tolist())
        tag_rows["tag_id"].extend([plan.tag_ids[key]] * len(sel))
    out_tables.append(Table("customers.Customer_tags", tag_rows))

    # Relationships ----------------------------------------------------------------------------
    rel: dict[str, list] = {
        "customer_id": [],
        "related_id": [],
        "kind": [],
        "note": [],
        "created_at": [],
    }
    seen: set[tuple[int, int, str]] = set()

    def relate(i: int, j: int, kind: str, note: str) -> None:
        if i == j or not exists[j] or (i, j, kind) in seen:
            return
        seen.add((i, j, kind))
        rel["customer_id"].append(int(pk[i]))
        rel["related_id"].append(int(pk[j]))
        rel["kind"].append(kind)
        rel["note"].append(note)
        rel["created_at"].append(created_text[i])

    for i in rows.tolist():
        h = follower_of[i]
        if h >= 0:
            if link_kind[i] == 1:
                relate(i, h, "household", "配偶")
                relate(h, i, "household", "配偶")
            else:
                relate(i, h, "household", "父母")
                relate(h, i, "household", "子女")
        j = employer_of[i]
        if j >= 0:
            relate(i, j, "employer", "雇主")
        if not corporate[i] and i > 0:
            if guar_u[i] < 0.02 and (
                has[i, _P["LN-CONS"]] or has[i, _P["LN-BIZ"]] or has[i, _P["MG-HOME"]]
            ):
                j = int(other_pick[i, 0] * i)
                if not corporate[j]:
                    relate(i, j, "guarantor", "贷款担保人")
            if ref_u[i] < 0.03:
                j = int(other_pick[i, 1] * i)
                if not corporate[j]:
                    relate(i, j, "referrer", "转介绍")
    out_tables.append(Table("customers.Relationship", rel))

    # Lifecycle events ---------------------------------------------------------------------------
    ev: dict[str, list] = {
        "customer_id": [],
        "from_stage": [],
        "to_stage": [],
        "reason": [],
        "actor_id": [],
        "at": [],
    }
    ev_at: list = []
    reasons = data.LIFECYCLE_REASONS
    for i in rows.tolist():
        s = STAGES[stage[i]]
        c0 = created[i]
        span_s = max(int((now - c0).astype(np.int64)), 3)
        u1, u2, u3 = life_u[i]
        if s in ("prospect", "onboarding"):
            steps = [("", "prospect", None)]
            if s == "onboarding":
                steps.append(("prospect", "onboarding", 0.3 + 0.6 * u1))
        else:
            steps = [("", "active", None)]
            if s == "dormant":
                steps.append(("active", "dormant", 0.5 + 0.45 * u1))
            elif s in ("churned", "won_back"):
                steps.append(("active", "churned", 0.4 + 0.3 * u1))
                if s == "won_back":
                    steps.append(("churned", "won_back", 0.75 + 0.2 * u2))
        for frm, to, frac in steps:
            options = reasons[to]
            ev["customer_id"].append(int(pk[i]))
            ev["from_stage"].append(frm)
            ev["to_stage"].append(to)
            ev["reason"].append(options[int(u3 * len(options))])
            ev["actor_id"].append(None if to == "dormant" else int(rm_id[i]))
            ev_at.append(c0 + np.timedelta64(int((frac or 0) * span_s), "s"))
    ev["at"] = _timestamps(np.array(ev_at, dtype="datetime64[s]"), plan.vendor) if ev_at else []
    out_tables.append(Table("customers.LifecycleEvent", ev))

    # Consents ---------------------------------------------------------------------------------
    combos = [(p, c) for p in ("service", "marketing") for c in CHANNELS]
    base_p = {
        ("service", "sms"): 0.93, ("service", "email"): 0.85, ("service", "phone"): 0.80,
        ("service", "wechat"): 0.30, ("service", "app_push"): 0.35,
        ("marketing", "sms"): 0.62, ("marketing", "email"): 0.30, ("marketing", "phone"): 0.35,
        ("marketing", "wechat"): 0.22, ("marketing", "app_push"): 0.18,
    }  # fmt: skip
    con: dict[str, list] = {
        k: []
        for k in (
            "customer_id",
            "channel",
            "purpose",
            "granted",
            "source",
            "granted_at",
            "withdrawn_at",
            "updated_at",
        )
    }
    granted_at: list = []
    withdrawn_at: list = []
    for k, (purpose, channel) in enumerate(combos):
        p = np.full(n, base_p[(purpose, channel)])
        if channel == "email":
            p = np.where(has_email, p, 0.0)
        if channel == "sms":
            p = np.where(has_mobile, p, 0.0)
        sel = rows[consent_u[rows, k] < p[rows]]
        if not len(sel):
            continue
        g_at = created[sel] + (
            withdraw_u[sel, k] * 0.05 * (now - created[sel]).astype(np.int64)
        ).astype("timedelta64[s]")
        withdrawn = (purpose == "marketing") & (withdraw_u[sel, (k + 3) % 10] < 0.08)
        w_at = g_at + ((now - g_at).astype(np.int64) * withdraw_u[sel, (k + 5) % 10]).astype(
            "timedelta64[s]"
        )
        con["customer_id"].extend(pk[sel].tolist())
        con["channel"].extend([channel] * len(sel))
        con["purpose"].extend([purpose] * len(sel))
        con["granted"].extend((~withdrawn).tolist())
        con["source"].extend(
            [
                data.CONSENT_SOURCES[(source_i[i] + k) % len(data.CONSENT_SOURCES)]
                for i in sel.tolist()
            ]
        )
        granted_at.append(g_at)
        withdrawn_at.append(np.where(withdrawn, w_at, np.datetime64("NaT")))
    if granted_at:
        g_all = np.concatenate(granted_at)
        w_all = np.concatenate(withdrawn_at)
        con["granted_at"] = _timestamps(g_all, plan.vendor)
        w_text = _timestamps(np.where(np.isnat(w_all), g_all, w_all), plan.vendor)
        con["withdrawn_at"] = [
            None if np.isnat(x) else t for x, t in zip(w_all, w_text, strict=True)
        ]
        con["updated_at"] = w_text
    out_tables.append(Table("customers.Consent", con))

    # Interactions and tasks (vectorised) ---------------------------------------------------------
    out_tables.append(_interactions(plan, rows, n_inter, inter_u, created, now, pk, rm_id))
    out_tables.append(
        _tasks(plan, rows, inc, stage, task_u, task_v, created, now, today, pk, rm_id)
    )

    return Chunk(index=chunk, customers=m, tables=out_tables, resident_ids=resident_ids)


_OUTCOMES = (
    "reached",
    "no_answer",
    "interested",
    "not_interested",
    "follow_up",
    "resolved",
    "info",
)
_OUTCOME_P = {  # per interaction channel, in _OUTCOMES order
    "call": [0.45, 0.2, 0.12, 0.08, 0.1, 0.05, 0.0],
    "visit": [0.4, 0.0, 0.15, 0.05, 0.1, 0.3, 0.0],
    "meeting": [0.4, 0.0, 0.3, 0.1, 0.2, 0.0, 0.0],
    "email": [0.0, 0.0, 0.05, 0.0, 0.05, 0.0, 0.9],
    "sms": [0.0, 0.0, 0.03, 0.0, 0.02, 0.0, 0.95],
    "wechat": [0.5, 0.1, 0.15, 0.05, 0.1, 0.1, 0.0],
    "note": [0.0, 0.0, 0.0, 0.0, 0.1, 0.0, 0.9],
}


def _interactions(plan, rows, n_inter, inter_u, created, now, pk, rm_id) -> Table:
    """Contacts over the last twelve months, by the customer's RM, in office hours."""
    T = _tables()
    subjects = T["subjects"]
    counts = n_inter[rows]
    cust = np.repeat(rows, counts)
    k = np.arange(len(cust)) - np.repeat(np.cumsum(counts) - counts, counts)
    u = inter_u[cust, k]  # (h, 5)
    si = np.minimum(np.searchsorted(np.cumsum(T["subject_p"]), u[:, 0]), len(subjects) - 1)
    channel_names = list(_OUTCOME_P)
    channel_of_subject = np.array([channel_names.index(ch) for ch, _ in subjects])
    cum = np.array([np.cumsum(v) / sum(v) for v in _OUTCOME_P.values()])  # (channels, outcomes)
    ci = channel_of_subject[si]
    oi = np.minimum((u[:, 1][:, None] >= cum[ci]).sum(axis=1), len(_OUTCOMES) - 1)
    start = np.maximum(created[cust], now - np.timedelta64(365 * 86400, "s"))
    window = (now - start).astype(np.int64)
    at = start + (u[:, 2] * window).astype("timedelta64[s]")
    day = at.astype("datetime64[D]").astype("datetime64[s]")
    at = np.minimum(day + (3600 + u[:, 3] * 9 * 3600).astype("timedelta64[s]"), now)  # 09–18h
    text = _timestamps(at, plan.vendor)
    return Table(
        "interactions.Interaction",
        {
            "customer_id": pk[cust].tolist(),
            "staff_id": rm_id[cust].tolist(),
            "channel": [subjects[x][0] for x in si.tolist()],
            "subject": [subjects[x][1] for x in si.tolist()],
            "outcome": [_OUTCOMES[x] for x in oi.tolist()],
            "notes": [data.NOTES[x] for x in (u[:, 4] * len(data.NOTES)).astype(np.int64).tolist()],
            "occurred_at": text,
            "created_at": text,
        },
    )


def _tasks(plan, rows, inc, stage, task_u, task_v, created, now, today, pk, rm_id) -> Table:
    """Follow-up tasks: open ones due around today (some overdue), done and cancelled ones."""
    p_task = np.where(inc >= 3, 0.5, np.where(np.isin(stage, [2, 5]), 0.3, 0.15))
    cust = rows[task_u[rows] < p_task[rows]]
    u = task_v[cust]
    day = np.timedelta64(86400, "s")
    known_days = ((now - created[cust]) // day).astype(np.int64)
    status = np.where(u[:, 0] < 0.5, 0, np.where(u[:, 0] < 0.95, 1, 2))  # open, done, cancelled
    status[known_days < 10] = 0
    is_open = status == 0
    due_open = today + (-15 + u[:, 1] * 45).astype(np.int64).astype("timedelta64[D]")
    back = 1 + (u[:, 1] * np.clip(known_days - 5, 0, 300)).astype(np.int64)
    due_past = today - back.astype("timedelta64[D]")
    due = np.where(is_open, due_open, due_past)
    made_open = now - ((1 + u[:, 2] * 20) * 86400).astype(np.int64).astype("timedelta64[s]")
    made_past = due.astype("datetime64[s]") - ((3 + u[:, 2] * 27) * 86400).astype(np.int64).astype(
        "timedelta64[s]"
    )
    made = np.minimum(np.maximum(np.where(is_open, made_open, made_past), created[cust]), now)
    done_at = np.maximum(
        made,
        due.astype("datetime64[s]")
        - (u[:, 3] * 5 * 86400).astype(np.int64).astype("timedelta64[s]"),
    )
    done_at = np.minimum(done_at, now)
    done_text = _timestamps(done_at, plan.vendor)
    statuses = ("open", "done", "cancelled")
    h = len(cust)
    return Table(
        "interactions.Task",
        {
            "customer_id": pk[cust].tolist(),
            "assignee_id": rm_id[cust].tolist(),
            "created_by_id": rm_id[cust].tolist(),
            "interaction_id": [None] * h,
            "title": [
                data.TASK_TITLES[x]
                for x in (u[:, 4] * len(data.TASK_TITLES)).astype(np.int64).tolist()
            ],
            "notes": [""] * h,
            "due_date": _dates(due),
            "status": [statuses[x] for x in status.tolist()],
            "completed_at": [
                t if st == 1 else None for t, st in zip(done_text, status.tolist(), strict=True)
            ],
            "created_at": _timestamps(made, plan.vendor),
            "version": [1] * h,
        },
    )


def _corp_org(global_index: int) -> int:
    """A unique 9-digit organisation code body for a corporate customer."""
    return int(_scramble(np.array([global_index]), 9, 912_673, 31_337, 387_420_489, 7)[0])


def _employer_text(occ: int, city, district, pick: int, occ_industry: dict) -> tuple[str, str]:
    """An employer name and industry for an individual without an employer link."""
    if occ == 0:
        body = data.PUBLIC_BODIES[pick % len(data.PUBLIC_BODIES)]
        return f"{city.city}{district.name}{body}", "public"
    if occ == 1 and pick % 3 == 0:
        return f"{city.city}{data.HOSPITALS[pick % len(data.HOSPITALS)]}", "health"
    if occ == 1 and pick % 3 == 1:
        return f"{city.city}{data.SCHOOLS[pick % len(data.SCHOOLS)]}", "education"
    if occ in (2, 5, 1):
        word, industry = data.COMPANY_INDUSTRIES[pick % len(data.COMPANY_INDUSTRIES)]
        trade = data.TRADE_NAMES[(pick // 7) % len(data.TRADE_NAMES)]
        return f"{city.name}{trade}{word}有限公司", industry
    choices = occ_industry.get(occ)
    if choices is None:
        return "", ""
    if isinstance(choices, str):
        return "", choices
    return "", choices[pick % len(choices)]


def _holding_values(hc, hp, hs, u, z, inc, age, corporate, stage, since, today, income_factor):
    """Balances (cents), opening and maturity dates and statuses of holdings, vectorised."""
    h = len(hc)
    codes = np.array(PRODUCT_CODES, dtype=object)[hp]
    types = np.array([_PRODUCT[c].type for c in PRODUCT_CODES], dtype=object)[hp]
    term = np.array([_PRODUCT[c].term_months or 0 for c in PRODUCT_CODES])[hp]
    scale = np.array([0.3, 1.0, 3.0, 8.0, 25.0])[inc[hc]]
    a = age[hc]
    age_factor = np.select([a < 30, a < 45, a < 65], [0.5, 1.0, 1.5], 1.3)
    noise = np.exp(z)  # log-normal(0, 1)
    median = np.zeros(h)
    lo = np.zeros(h)
    hi = np.full(h, np.inf)

    def put(mask, med, low=0.0, high=np.inf):
        median[mask] = med[mask] if isinstance(med, np.ndarray) else med
        lo[mask] = low
        hi[mask] = high

    put(codes == "DD-CNY", 15_000 * scale * age_factor, 10.0)
    put(np.isin(codes, ["TD-3M", "TD-6M", "TD-1Y", "TD-3Y"]), 50_000 * scale * age_factor, 1_000.0)
    put(codes == "CD-3Y", 300_000 * np.maximum(scale / 3, 1) * age_factor, 200_000.0)
    put(codes == "WM-R1", 50_000 * scale, 1_000.0)
    put(np.isin(codes, ["WM-R2", "WM-R3", "WM-R4"]), 120_000 * scale, 10_000.0)
    put(codes == "WM-R5", 1_500_000 * scale / 25, 1_000_000.0)
    put(types == "fund", 30_000 * scale, 1_000.0)
    put(types == "insurance", 80_000 * scale, 5_000.0)
    put(codes == "LN-CONS", 60_000 * np.minimum(scale, 3.0), 10_000.0, 300_000.0)
    put(codes == "LN-BIZ", 600_000 * np.minimum(scale, 8.0) / 3, 100_000.0, 3_000_000.0)
    put(codes == "MG-HOME", 900_000 * income_factor[hc], 300_000.0, 3_000_000.0)
    put(codes == "CC-STD", 3_000 * np.sqrt(scale), 0.0, 50_000.0)
    put(codes == "CC-PLAT", 8_000 * np.sqrt(scale), 0.0, 50_000.0)
    put(codes == "FX-USD", 5_000 * scale, 100.0)
    put(codes == "FX-HKD", 30_000 * scale, 500.0)
    corp = corporate[hc]
    put(corp & (codes == "CO-DD"), 1_200_000.0, 10_000.0)
    put(corp & (codes == "CO-TD"), 3_000_000.0, 100_000.0)
    put(corp & np.isin(codes, ["WM-R1", "WM-R2"]), 2_000_000.0, 100_000.0)
    put(corp & (codes == "FX-USD"), 150_000.0, 1_000.0)
    spread = np.where(corp, 1.3, np.where(types == "mortgage", 0.5, 1.0))
    amount = median * noise**spread
    amount = np.clip(amount, lo, hi)
    amount[types == "credit_card"] *= u[types == "credit_card", 1] >= 0.25  # a quarter owe nothing
    dormant = stage[hc] == 3
    amount[dormant & ~np.isin(types, list(LIABILITY_TYPES))] *= 0.05
    step = np.where(amount >= 100_000, 1000, 100)  # whole hundreds or thousands of yuan
    exact = np.isin(types, ["demand_deposit", "credit_card"])  # to the fen
    cents = np.where(exact, np.rint(amount * 100), np.rint(amount / step) * step * 100)
    cents = cents.astype(np.int64)

    # Dates: every holding opens on or after the customer's start (after the 18th birthday).
    start = since[hc]
    avail = np.maximum((today - start).astype(np.int64), 0)
    opened = start + (u[:, 2] * avail).astype("timedelta64[D]")
    opened = np.where(hs == 0, start, opened)
    term_days = np.rint(term * 30.44).astype(np.int64)
    running = np.isin(types, ["time_deposit", "wealth"]) & (term > 0)
    matured = running & (u[:, 3] < 0.15)
    back = np.where(
        matured,
        term_days + 1 + (u[:, 4] * 365).astype(np.int64),
        (u[:, 4] * np.maximum(term_days - 1, 0)).astype(np.int64),
    )
    opened = np.where(running, np.maximum(today - back.astype("timedelta64[D]"), start), opened)
    loan_window = np.where(
        types == "mortgage", 14 * 365, np.where(types == "personal_loan", 3 * 365 - 30, 0)
    )
    is_loan = loan_window > 0
    opened = np.where(
        is_loan,
        np.maximum(
            today - (u[:, 4] * loan_window).astype(np.int64).astype("timedelta64[D]"), start
        ),
        opened,
    )
    months = term.copy()
    mortgage = types == "mortgage"
    months[mortgage] = np.array([180, 240, 300, 360])[(u[mortgage, 5] * 4).astype(np.int64)]
    has_maturity = (term > 0) & (types != "fund")
    matures = np.full(h, np.datetime64("NaT"), dtype="datetime64[D]")
    matures[has_maturity] = _add_months(opened[has_maturity], months[has_maturity])

    status = np.full(h, "active", dtype=object)
    status[has_maturity & (matures < today) & running] = "matured"
    frozen = (u[:, 5] < 0.004) & ~is_loan & (status == "active")
    status[frozen] = "frozen"
    churned = stage[hc] == 4
    status[churned] = "closed"
    cents[churned] = 0
    return cents, opened, matures, status


_CUSTOMER_COLUMNS = (
    "id", "number", "kind", "name", "name_pinyin", "name_initials", "gender", "birth_date",
    "id_type", "id_number", "id_number_bidx", "mobile", "mobile_bidx", "email", "email_bidx",
    "province", "city", "address", "occupation", "industry", "employer", "education",
    "income_band", "family_status", "risk_tolerance", "kyc_status", "preferred_channels",
    "preferred_contact_time", "branch_id", "rm_id", "lifecycle_stage", "aum", "liabilities",
    "version", "created_at", "updated_at",
)  # fmt: skip
_HOLDING_COLUMNS = ("customer", "product", "slot")
