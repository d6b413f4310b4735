"""Segments over a small lake: customers of three RMs in two branches, synced to the warehouse."""

from types import SimpleNamespace

import pytest

from bankcrm.segments.models import Segment
from tests import factories
from tests.analytics.conftest import accounts, backend, lake  # noqa: F401 - fixtures

BEIJING = {"op": "and", "conditions": [{"field": "city", "op": "in", "value": ["北京"]}]}
WOMEN = {"op": "and", "conditions": [{"field": "gender", "op": "in", "value": ["F"]}]}


@pytest.fixture
def people(bank, lake):  # noqa: F811
    """a, b: the Chaoyang RM's; c: the other Chaoyang RM's; d: the Pudong RM's (Shanghai);
    e: booked at the Beijing branch by its manager. Women: a, c, d, e. Beijing: a, b, c, e."""
    from bankcrm.integration.services import warehouse_sync

    people = SimpleNamespace(
        a=factories.customer(actor=bank.rm, name="李娜", gender="F", city="北京"),
        b=factories.customer(actor=bank.rm, name="王强", gender="M", city="北京"),
        c=factories.customer(actor=bank.other_rm, name="赵敏", gender="F", city="北京"),
        d=factories.customer(actor=bank.sh_rm, name="周芷若", gender="F", city="上海"),
        e=factories.customer(actor=bank.bj_manager, name="黄蓉", gender="F", city="北京"),
    )
    warehouse_sync()
    return people


def ids(*customers) -> list[int]:
    return sorted(c.pk for c in customers)


def member_ids(segment: Segment) -> list[int]:
    return sorted(segment.members.values_list("customer_id", flat=True))
