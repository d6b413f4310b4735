"""The demo bank's organisation, staff, product catalogue and tags (get-or-create, idempotent).

Head office (总行) → eight city branches (分行) → district sub-branches (支行) → teams. Staff of
every role; one fixed demo login per role (DEMO_LOGINS), all with DEMO_PASSWORD. The number of
relationship managers grows with the number of customers (about one per 500).
"""

import math
import zlib
from dataclasses import dataclass

import numpy as np
from django.contrib.auth.hashers import make_password
from django.utils.translation import gettext_lazy as _

from bankcrm.customers.models import Tag
from bankcrm.demo import data
from bankcrm.demo.generate import SubBranch
from bankcrm.org.models import Branch, Staff, Team
from bankcrm.org.roles import Role
from bankcrm.org.services import branch_create
from bankcrm.products.models import Product

DEMO_PASSWORD = "bankcrm-demo-2026"  # noqa: S105 - the documented demo password
HEAD_OFFICE = "000"
CUSTOMERS_PER_RM = 500
DEMO_RM_BRANCH = "110105"  # 朝阳支行: the `rm` login's sub-branch


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    branch_code: str
    note: object  # what the login shows (translatable)


DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin("admin", Role.SYSTEM_ADMIN, HEAD_OFFICE, _("Staff, branches, API tokens")),
    DemoLogin("analyst", Role.ANALYST, HEAD_OFFICE, _("Sees the whole bank")),
    DemoLogin("manager", Role.BRANCH_MANAGER, "110", _("Beijing branch and its sub-branches")),
    DemoLogin("rm", Role.RELATIONSHIP_MANAGER, DEMO_RM_BRANCH, _("Own book of customers")),
    DemoLogin("marketing", Role.MARKETING, HEAD_OFFICE, _("Campaign audiences, no reveals")),
    DemoLogin("risk", Role.RISK_OFFICER, "110", _("Beijing branch, may reveal")),
    DemoLogin("agent", Role.SERVICE_AGENT, "110", _("Beijing branch service desk")),
    DemoLogin("auditor", Role.AUDITOR, HEAD_OFFICE, _("Audit trail, whole bank")),
)

_ABBR = {
    Role.SYSTEM_ADMIN: "SA",
    Role.ANALYST: "AN",
    Role.BRANCH_MANAGER: "BM",
    Role.RELATIONSHIP_MANAGER: "RM",
    Role.MARKETING: "MK",
    Role.RISK_OFFICER: "RO",
    Role.SERVICE_AGENT: "SV",
    Role.AUDITOR: "AU",
}


def ensure_branches() -> dict[str, Branch]:
    """总行, the city branches and their sub-branches, created through org.services."""
    existing = {b.code: b for b in Branch.objects.all()}

    def get(code: str, name: str, name_en: str, parent: Branch | None, city: str) -> Branch:
        if code not in existing:
            existing[code] = branch_create(
                code=code, name=name, name_en=name_en, parent=parent, city=city
            )
        return existing[code]

    head = get(HEAD_OFFICE, "总行", "Head office", None, "北京市")
    out = {HEAD_OFFICE: head}
    for city in data.CITIES:
        branch = get(
            city.branch_code, f"{city.name}分行", f"{city.name_en} branch", head, city.city
        )
        out[city.branch_code] = branch
        for district in city.districts:
            out[district.code] = get(
                district.code,
                f"{district.short}支行",
                f"{district.name_en} sub-branch",
                branch,
                city.city,
            )
    return out


def rm_count(customers: int, city: data.City) -> int:
    """Relationship managers of one sub-branch of `city` for a bank of `customers`."""
    share = city.weight / len(city.districts)
    return max(1, round(customers * share / CUSTOMERS_PER_RM))


def _rm_username(code: str, k: int) -> str:
    return "rm" if (code == DEMO_RM_BRANCH and k == 0) else f"rm{code}_{k + 1:02d}"


def _display_name(username: str) -> str:
    rng = np.random.default_rng(zlib.crc32(username.encode()))
    weights = np.array([w for _, w in data.SURNAMES])
    surname = data.SURNAMES[rng.choice(len(weights), p=weights / weights.sum())][0]
    pool = data.GIVEN_NAMES[("mid" if rng.random() < 0.5 else "young", "MF"[rng.integers(2)])]
    return surname + pool[rng.integers(len(pool))]


def ensure_staff(branches: dict[str, Branch], customers: int) -> dict[str, list[int]]:
    """Staff of every role; returns the RM ids of each sub-branch, in a stable order."""
    wanted: list[tuple[str, str, Branch, int, str | None]] = []  # username, role, branch, k, team

    def add(username: str, role: str, code: str, k: int, team: str | None = None) -> None:
        wanted.append((username, role, branches[code], k, team))

    add("admin", Role.SYSTEM_ADMIN, HEAD_OFFICE, 0)
    for k, name in enumerate(("analyst", "analyst02", "analyst03")):
        add(name, Role.ANALYST, HEAD_OFFICE, k)
    for k, name in enumerate(("marketing", "marketing02")):
        add(name, Role.MARKETING, HEAD_OFFICE, k)
    for k, name in enumerate(("auditor", "auditor02")):
        add(name, Role.AUDITOR, HEAD_OFFICE, k)
    rm_names: dict[str, list[str]] = {}
    for city in data.CITIES:
        code = city.branch_code
        beijing = code == "110"
        add("manager" if beijing else f"manager{code}", Role.BRANCH_MANAGER, code, 0)
        for k in range(2):
            add(
                "risk" if beijing and k == 0 else f"risk{code}_{k + 1:02d}",
                Role.RISK_OFFICER,
                code,
                k,
            )
        for k in range(3):
            name = "agent" if beijing and k == 0 else f"agent{code}_{k + 1:02d}"
            add(name, Role.SERVICE_AGENT, code, k)
        for district in city.districts:
            add(f"manager{district.code}", Role.BRANCH_MANAGER, district.code, 0)
            n_rm = rm_count(customers, city)
            teams = data.TEAM_NAMES[: min(len(data.TEAM_NAMES), max(1, math.ceil(n_rm / 12)))]
            rm_names[district.code] = []
            for k in range(n_rm):
                name = _rm_username(district.code, k)
                rm_names[district.code].append(name)
                add(name, Role.RELATIONSHIP_MANAGER, district.code, k, teams[k % len(teams)])

    existing = set(
        Staff.objects.filter(username__in=[w[0] for w in wanted]).values_list("username", flat=True)
    )
    missing = [w for w in wanted if w[0] not in existing]
    if missing:
        password = make_password(DEMO_PASSWORD)  # one hash for all demo staff: hashing is slow
        team_ids = {}
        for _username, _role, branch, _k, team in missing:
            if team and (branch.pk, team) not in team_ids:
                team_ids[(branch.pk, team)] = Team.objects.get_or_create(branch=branch, name=team)[
                    0
                ].pk
        Staff.objects.bulk_create(
            [
                Staff(
                    username=username,
                    role=role,
                    branch=branch,
                    team_id=team_ids.get((branch.pk, team)),
                    employee_number=f"{branch.code}-{_ABBR[role]}-{k + 1:03d}",
                    display_name=_display_name(username),
                    email=f"{username}@bank.example.cn",
                    language="zh-hans",
                    password=password,
                )
                for username, role, branch, k, team in missing
            ],
            batch_size=500,
        )
    ids = dict(
        Staff.objects.filter(
            username__in=[n for names in rm_names.values() for n in names]
        ).values_list("username", "pk")
    )
    return {code: [ids[name] for name in names] for code, names in rm_names.items()}


def ensure_products() -> dict[str, int]:
    out = {}
    for spec in data.PRODUCTS:
        product, _created = Product.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "name_en": spec.name_en,
                "type": spec.type,
                "currency": spec.currency,
                "annual_rate": spec.annual_rate,
                "term_months": spec.term_months,
                "risk_level": spec.risk_level,
            },
        )
        out[spec.code] = product.pk
    return out


def ensure_tags() -> dict[str, int]:
    out = {}
    for key, name, name_en in data.TAGS:
        tag, _created = Tag.objects.get_or_create(name=name, defaults={"name_en": name_en})
        out[key] = tag.pk
    return out


def sub_branches(branches: dict[str, Branch], rm_ids: dict[str, list[int]]) -> tuple:
    return tuple(
        SubBranch(
            branch_id=branches[district.code].pk,
            city=ci,
            district=di,
            rm_ids=tuple(rm_ids[district.code]),
        )
        for ci, city in enumerate(data.CITIES)
        for di, district in enumerate(city.districts)
    )
