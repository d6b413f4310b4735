"""The staff workbench: my book (scoped), today's and overdue tasks, recent interactions, AUM."""

import json
import re
from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from bankcrm.customers.selectors import book_summary
from bankcrm.interactions.services import interaction_create, task_create
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories


def _deposit(bank, customer, amount: str, number: str) -> None:
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=factories.product(type=ProductType.DEMAND_DEPOSIT),
        account_number=number,
        balance=Decimal(amount),
        opened_on=date(2024, 1, 1),
    )


def _json_script(body: str, element_id: str) -> dict:
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', body)
    assert match, f"no json_script {element_id}"
    return json.loads(match.group(1))


def test_book_summary_counts_only_what_the_actor_sees(bank):
    # given
    mine_small = factories.customer(actor=bank.rm, name="王小")
    mine_rich = factories.customer(actor=bank.rm, name="王富")
    factories.customer(actor=bank.other_rm, name="李别")
    factories.customer(actor=bank.sh_rm, name="沈外")
    _deposit(bank, mine_small, "1000.00", "6222000000000011")
    _deposit(bank, mine_rich, "7000000.00", "6222000000000012")
    # when
    rm_book = book_summary(actor=bank.rm)
    bj_book = book_summary(actor=bank.bj_manager)
    bank_book = book_summary(actor=bank.admin)
    # then
    assert rm_book.customers == 2
    assert rm_book.aum == Decimal("7001000.00")
    assert [b.customers for b in rm_book.bands] == [1, 0, 0, 1]
    assert [c.name for c in rm_book.top] == ["王富", "王小"]
    assert [(s.stage, s.customers) for s in rm_book.by_stage] == [("prospect", 2)]
    assert bj_book.customers == 3
    assert bank_book.customers == 4


def test_book_summary_of_an_empty_book(bank):
    # when
    summary = book_summary(actor=bank.rm)
    # then
    assert summary.customers == 0
    assert summary.aum == Decimal("0")
    assert summary.top == []
    assert [b.customers for b in summary.bands] == [0, 0, 0, 0]


def test_workbench_shows_my_tasks_due_today_or_overdue_and_my_interactions(client, bank):
    # given
    mine = factories.customer(actor=bank.rm, name="赵今")
    theirs = factories.customer(actor=bank.other_rm, name="钱他")
    today = timezone.localdate()
    task_create(actor=bank.rm, customer=mine, assignee=bank.rm, title="Call today", due_date=today)
    task_create(
        actor=bank.rm,
        customer=mine,
        assignee=bank.rm,
        title="Late review",
        due_date=today - timedelta(days=3),
    )
    task_create(
        actor=bank.rm,
        customer=mine,
        assignee=bank.rm,
        title="Next week",
        due_date=today + timedelta(days=7),
    )
    task_create(
        actor=bank.other_rm,
        customer=theirs,
        assignee=bank.other_rm,
        title="Not mine",
        due_date=today,
    )
    interaction_create(actor=bank.rm, customer=mine, channel="call", subject="Rate question")
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("workbench"))
    # then
    body = response.content.decode()
    assert response.status_code == 200
    assert "Call today" in body
    assert "Late review" in body
    assert "Next week" not in body
    assert "Not mine" not in body
    assert "钱他" not in body
    assert "Rate question" in body
    assert body.index("Late review") < body.index("Call today")  # overdue first


def test_workbench_chart_data_reaches_the_page_as_json(client, bank):
    # given
    customer = factories.customer(actor=bank.rm, name="孙图")
    _deposit(bank, customer, "80000.00", "6222000000000013")
    client.force_login(bank.rm)
    # when
    body = client.get(reverse("workbench")).content.decode()
    # then
    stage = _json_script(body, "chart-stage")
    bands = _json_script(body, "chart-bands")
    assert stage["items"] == [{"name": "Prospect", "value": 80000.0}]
    assert bands["values"] == [0, 1, 0, 0]
    assert 'data-chart="pie"' in body
    assert "<script>" not in body  # no inline scripts: data only, behaviour in static files


def test_workbench_query_count_does_not_grow_with_the_book(
    client, bank, django_assert_max_num_queries
):
    # given
    for i in range(12):
        c = factories.customer(actor=bank.rm, name=f"周{i}")
        task_create(
            actor=bank.rm,
            customer=c,
            assignee=bank.rm,
            title=f"T{i}",
            due_date=timezone.localdate(),
        )
        interaction_create(actor=bank.rm, customer=c, channel="call", subject=f"S{i}")
    client.force_login(bank.rm)
    # when / then
    with django_assert_max_num_queries(12):
        response = client.get(reverse("workbench"))
    assert response.status_code == 200
