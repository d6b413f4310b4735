"""Row-level scoping in the selectors: who sees which customer (security.md, must-hold 1)."""

import pytest
from django.http import Http404

from bankcrm.customers.selectors import (
    CustomerFilters,
    customer_get,
    customer_page,
    customer_search,
    customers_visible_to,
)
from bankcrm.interactions.selectors import interactions_visible_to, tasks_visible_to
from bankcrm.interactions.services import interaction_create
from bankcrm.products.selectors import holdings_visible_to
from tests import factories

SEES_CHAOYANG_CUSTOMER = {
    "admin": True,
    "analyst": True,
    "auditor": True,
    "marketing": True,
    "bj_manager": True,
    "risk": True,
    "agent": True,
    "rm": True,
    "other_rm": False,
    "sh_manager": False,
    "sh_rm": False,
}


@pytest.mark.parametrize(("who", "sees"), sorted(SEES_CHAOYANG_CUSTOMER.items()))
def test_who_sees_a_chaoyang_customer(bank, customer, who, sees):
    # given
    actor = getattr(bank, who)
    interaction_create(actor=bank.rm, customer=customer, channel="call", subject="回访")
    # when / then: every read path agrees
    assert customers_visible_to(actor).filter(pk=customer.pk).exists() is sees
    assert customers_visible_to(actor).count() == (1 if sees else 0)
    found = customer_search(actor=actor, filters=CustomerFilters(query="13800138000"))
    assert list(found) == ([customer] if sees else [])
    assert interactions_visible_to(actor).filter(customer=customer).exists() is sees
    if sees:
        assert customer_get(actor=actor, pk=customer.pk) == customer
    else:
        with pytest.raises(Http404):
            customer_get(actor=actor, pk=customer.pk)


def test_out_of_scope_and_missing_customers_are_indistinguishable(bank, customer):
    with pytest.raises(Http404):
        customer_get(actor=bank.other_rm, pk=customer.pk)
    with pytest.raises(Http404):
        customer_get(actor=bank.other_rm, pk=customer.pk + 10_000)
    with pytest.raises(Http404):
        customer_get(actor=bank.rm, pk="not-a-number")


def test_anonymous_and_inactive_staff_see_nothing(bank, customer):
    from django.contrib.auth.models import AnonymousUser

    assert customers_visible_to(AnonymousUser()).count() == 0
    bank.rm.is_active = False
    bank.rm.save()
    assert customers_visible_to(bank.rm).count() == 0


def test_holdings_and_tasks_follow_their_customer(bank, customer):
    from datetime import date, timedelta

    from bankcrm.interactions.services import task_create
    from bankcrm.products.services import holding_create

    product = factories.product()
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=product,
        account_number="6222020000000000001",
        balance=1000,
        opened_on=date(2020, 1, 1),
    )
    task_create(
        actor=bank.rm,
        customer=customer,
        assignee=bank.rm,
        title="回访",
        due_date=date.today() + timedelta(days=1),  # noqa: DTZ011
    )
    assert holdings_visible_to(bank.rm).count() == 1
    assert holdings_visible_to(bank.other_rm).count() == 0
    assert holdings_visible_to(bank.sh_manager).count() == 0
    assert tasks_visible_to(bank.bj_manager).count() == 1
    assert tasks_visible_to(bank.sh_manager).count() == 0


def test_keyset_pages_walk_every_customer_once(bank):
    # given
    created = [factories.customer(actor=bank.rm, name=f"客户{i}") for i in range(7)]
    # when
    seen, after = [], None
    while True:
        page = customer_page(actor=bank.rm, filters=CustomerFilters(), after=after, size=3)
        seen.extend(c.pk for c in page.items)
        if page.next_cursor is None:
            break
        after = page.next_cursor
    # then
    assert seen == sorted((c.pk for c in created), reverse=True)
    back = customer_page(actor=bank.rm, filters=CustomerFilters(), before=seen[3], size=3)
    assert [c.pk for c in back.items] == seen[:3]
    assert back.prev_cursor is None


def test_branch_filter_cannot_widen_scope(bank, customer):
    other = factories.customer(actor=bank.sh_rm, name="上海客户")
    found = customer_search(
        actor=bank.bj_manager, filters=CustomerFilters(branch_id=other.branch_id)
    )
    assert list(found) == []
