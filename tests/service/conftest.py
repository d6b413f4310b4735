import pytest

from bankcrm.service.models import Case, Category
from bankcrm.service.services import case_create


def open_case(actor, customer, *, kind="complaint", code="card-fraud", **fields) -> Case:
    values = {
        "channel": "phone",
        "subject": "信用卡被盗刷",
        "description": "客户称昨晚有三笔境外消费不是本人所为。",
        "priority": 2,
    }
    values.update(fields)
    return case_create(
        actor=actor,
        customer=customer,
        kind=kind,
        category=Category.objects.get(code=code),
        **values,
    )


@pytest.fixture
def complaint(bank, customer) -> Case:
    """A complaint of `customer` (Chaoyang), opened by the Beijing agent and assigned to them."""
    return open_case(bank.agent, customer)
