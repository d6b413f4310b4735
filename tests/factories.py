"""Test data built through the real services, so tests exercise what production does."""

import itertools
from datetime import date
from decimal import Decimal

from stdnum.cn import ric

from bankcrm.customers.services import customer_create
from bankcrm.org.models import Branch, Staff
from bankcrm.org.roles import Role
from bankcrm.org.services import branch_create
from bankcrm.products.models import Product, ProductType

_seq = itertools.count(1)

PASSWORD = "correct horse battery staple"


def resident_id(birth: date = date(1985, 6, 15), area: str = "110105") -> str:
    """A valid GB 11643 number: area + birth date + sequence + check digit (via stdnum)."""
    body = f"{area}{birth:%Y%m%d}{next(_seq) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def mobile() -> str:
    return f"139{next(_seq):08d}"


def staff(*, role: str, branch: Branch, username: str | None = None) -> Staff:
    n = next(_seq)
    user = Staff(
        username=username or f"{role}{n}",
        role=role,
        branch=branch,
        employee_number=f"E{n:06d}",
        display_name=f"{role} {n}",
        language="en",
    )
    user.set_password(PASSWORD)
    user.save()
    return user


def customer(*, actor: Staff, branch: Branch | None = None, rm: Staff | None = None, **fields):
    defaults = {
        "name": "张伟",
        "id_type": "resident_id",
        "id_number": resident_id(),
        "mobile": mobile(),
        "email": f"zhang{next(_seq)}@example.cn",
    }
    defaults.update(fields)
    created, _warnings = customer_create(
        actor=actor, branch=branch or actor.branch, rm=rm if rm is not None else actor, **defaults
    )
    return created


def product(*, type: str = ProductType.DEMAND_DEPOSIT, code: str | None = None) -> Product:
    return Product.objects.create(
        code=code or f"P{next(_seq):05d}",
        name="活期存款",
        name_en="Demand deposit",
        type=type,
        annual_rate=Decimal("0.25"),
    )


class Bank:
    """A small bank: head office → two branches → a sub-branch each, staff of every role."""

    def __init__(self) -> None:
        self.head = branch_create(code="000", name="总行", name_en="Head office", parent=None)
        self.beijing = branch_create(
            code="110", name="北京分行", name_en="Beijing branch", parent=self.head
        )
        self.shanghai = branch_create(
            code="310", name="上海分行", name_en="Shanghai branch", parent=self.head
        )
        self.chaoyang = branch_create(
            code="110105", name="朝阳支行", name_en="Chaoyang sub-branch", parent=self.beijing
        )
        self.pudong = branch_create(
            code="310115", name="浦东支行", name_en="Pudong sub-branch", parent=self.shanghai
        )
        self.admin = staff(role=Role.SYSTEM_ADMIN, branch=self.head, username="admin")
        self.analyst = staff(role=Role.ANALYST, branch=self.head, username="analyst")
        self.auditor = staff(role=Role.AUDITOR, branch=self.head, username="auditor")
        self.bj_manager = staff(role=Role.BRANCH_MANAGER, branch=self.beijing, username="bjmgr")
        self.sh_manager = staff(role=Role.BRANCH_MANAGER, branch=self.shanghai, username="shmgr")
        self.rm = staff(role=Role.RELATIONSHIP_MANAGER, branch=self.chaoyang, username="rm")
        self.other_rm = staff(role=Role.RELATIONSHIP_MANAGER, branch=self.chaoyang, username="rm2")
        self.sh_rm = staff(role=Role.RELATIONSHIP_MANAGER, branch=self.pudong, username="shrm")
        self.marketing = staff(role=Role.MARKETING, branch=self.head, username="marketing")
        self.risk = staff(role=Role.RISK_OFFICER, branch=self.beijing, username="risk")
        self.agent = staff(role=Role.SERVICE_AGENT, branch=self.beijing, username="agent")
