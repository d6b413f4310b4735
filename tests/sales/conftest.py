from datetime import date
from decimal import Decimal

import pytest

from bankcrm.products.models import ProductType
from bankcrm.sales import services
from bankcrm.sales.models import Lead, ProductLine
from tests import factories


@pytest.fixture
def mortgage(db) -> ProductLine:
    """The default mortgage line (migration 0002): application → documents → appraisal →
    approval → disbursement, then won or lost."""
    return ProductLine.objects.get(code="mortgage")


def stage(line: ProductLine, code: str):
    return line.stages.get(code=code)


@pytest.fixture
def home_loan(db):
    return factories.product(type=ProductType.MORTGAGE, code="MTG30")


def prospect(bank, **changes) -> services.LeadData:
    values = {
        "source": Lead.Source.WALK_IN,
        "branch": bank.chaoyang,
        "prospect_name": "李小龙",
        "prospect_mobile": "13800138001",
    }
    values.update(changes)
    return services.LeadData(**values)


def open_opportunity(bank, customer, line, *, owner=None, amount="1200000.00", **kw):
    return services.opportunity_create(
        actor=owner or bank.rm,
        customer=customer,
        line=line,
        name="首套房按揭",
        amount=Decimal(amount),
        expected_close=kw.pop("expected_close", date(2027, 3, 31)),
        **kw,
    )
