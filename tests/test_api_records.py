"""Holdings, interactions and tasks through the API, with AUM roll-up and cursor pagination."""

from datetime import date, datetime, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.interactions.models import Interaction, Task
from bankcrm.interactions.services import interaction_create, task_create
from bankcrm.products.models import Holding, ProductType
from bankcrm.products.services import holding_create
from tests import factories
from tests.api_support import Api, field_codes

VALID_CARD = "6222021234567890128"  # passes Luhn
BAD_LUHN_CARD = "6222021234567890129"


@pytest.fixture
def products(db):
    return {
        "deposit": factories.product(type=ProductType.DEMAND_DEPOSIT, code="DEP01"),
        "fund": factories.product(type=ProductType.FUND, code="FND01"),
        "mortgage": factories.product(type=ProductType.MORTGAGE, code="MTG01"),
        "card": factories.product(type=ProductType.CREDIT_CARD, code="CRD01"),
    }


def _holding(**overrides):
    return {
        "product_code": "DEP01",
        "account_number": "6222 0202 0011 2233",
        "balance": "120000.50",
        "opened_on": "2024-03-01",
        **overrides,
    }


# --- Holdings -----------------------------------------------------------------------------------


def test_create_holdings_rolls_aum_and_liabilities_up_to_the_customer(bank, customer, products):
    # given
    api = Api(bank.rm)
    # when
    deposit = api.post(f"/customers/{customer.pk}/holdings", _holding())
    fund = api.post(
        f"/customers/{customer.pk}/holdings",
        _holding(product_code="FND01", account_number="88001234", balance="30000"),
    )
    loan = api.post(
        f"/customers/{customer.pk}/holdings",
        _holding(product_code="MTG01", account_number="99001234", balance="500000.00"),
    )
    seen = api.get(f"/customers/{customer.pk}").json()
    # then
    assert (deposit.status_code, fund.status_code, loan.status_code) == (201, 201, 201)
    body = deposit.json()
    assert body["account_number_masked"] == "************2233"
    assert (body["balance"], body["currency"], body["status"]) == ("120000.50", "CNY", "active")
    assert body["product"]["code"] == "DEP01"
    assert (body["customer_id"], body["version"], body["is_liability"]) == (customer.pk, 1, False)
    assert loan.json()["is_liability"] is True
    assert (seen["aum"], seen["liabilities"], seen["net_worth"]) == (
        "150000.50",
        "500000.00",
        "-349999.50",
    )
    assert "6222020200112233" not in deposit.content.decode()
    assert Holding.objects.get(pk=body["id"]).account_number == "6222020200112233"


def test_card_failing_luhn_needs_confirmation(bank, customer, products):
    # given
    api = Api(bank.rm)
    card = _holding(product_code="CRD01", account_number=BAD_LUHN_CARD, balance="0")
    # when
    refused = api.post(f"/customers/{customer.pk}/holdings", card)
    confirmed = api.post(f"/customers/{customer.pk}/holdings", {**card, "confirm_luhn": True})
    valid = api.post(f"/customers/{customer.pk}/holdings", {**card, "account_number": VALID_CARD})
    # then
    assert refused.status_code == 422
    assert field_codes(refused) == {"account_number": ["luhn_unconfirmed"]}
    assert confirmed.status_code == 201
    assert confirmed.json()["account_number_masked"] == "622202*********0129"
    assert valid.status_code == 201


def test_holding_input_errors(bank, customer, products):
    # given
    api = Api(bank.rm)
    url = f"/customers/{customer.pk}/holdings"
    api.post(url, _holding())
    # when
    duplicate = api.post(url, _holding())
    unknown_product = api.post(url, _holding(product_code="NOPE"))
    negative = api.post(url, _holding(balance="-1", account_number="11112222"))
    early = api.post(url, _holding(matures_on="2024-01-01", account_number="11113333"))
    huge = api.post(url, _holding(balance="1e30", account_number="11114444"))
    branch = api.post(url, _holding(branch_id=bank.pudong.pk, account_number="11115555"))
    # then
    assert field_codes(duplicate) == {"account_number": ["invalid"]}
    assert field_codes(unknown_product) == {"product_code": ["not_found"]}
    assert field_codes(negative) == {"balance": ["out_of_range"]}
    assert field_codes(early) == {"matures_on": ["invalid"]}
    assert field_codes(huge) == {"balance": ["too_many_digits"]}
    assert field_codes(branch) == {"branch_id": ["unknown_field"]}
    assert Holding.objects.count() == 1


def test_update_holding_rolls_up_and_guards_the_version(bank, customer, products):
    # given
    api = Api(bank.rm)
    holding = api.post(f"/customers/{customer.pk}/holdings", _holding()).json()
    url = f"/holdings/{holding['id']}"
    # when
    updated = api.patch(url, {"version": 1, "balance": "200000.00"})
    stale = api.patch(url, {"version": 1, "balance": "1.00"})
    closed = api.patch(url, {"version": 2, "status": "closed"})
    # then
    assert updated.status_code == 200
    assert (updated.json()["balance"], updated.json()["version"]) == ("200000.00", 2)
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert closed.status_code == 200
    customer.refresh_from_db()
    assert customer.aum == Decimal("0.00")
    assert Holding.objects.get(pk=holding["id"]).balance == Decimal("200000.00")


def test_holding_update_refuses_other_fields(bank, customer, products):
    # given
    api = Api(bank.rm)
    holding = api.post(f"/customers/{customer.pk}/holdings", _holding()).json()
    # when
    response = api.patch(
        f"/holdings/{holding['id']}", {"version": 1, "customer_id": 1, "account_number": "1"}
    )
    # then
    assert response.status_code == 422
    assert field_codes(response) == {
        "customer_id": ["unknown_field"],
        "account_number": ["unknown_field"],
    }


def test_get_holding_and_list_a_customers_holdings_page_by_page(bank, customer, products):
    # given
    ids = [
        holding_create(
            actor=bank.rm,
            customer=customer,
            product=products["deposit"],
            account_number=f"6222000000{i:04d}",
            balance=Decimal(i),
            opened_on=date(2024, 1, 1),
        ).pk
        for i in range(7)
    ]
    api = Api(bank.rm)
    # when
    seen, cursor, pages = [], None, 0
    while True:
        body = api.get(
            f"/customers/{customer.pk}/holdings",
            {"limit": 3} | ({"cursor": cursor} if cursor else {}),
        ).json()
        seen += [h["id"] for h in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if not cursor:
            break
    detail = api.get(f"/holdings/{ids[0]}")
    # then
    assert seen == sorted(ids, reverse=True)
    assert pages == 3
    assert detail.status_code == 200
    assert detail.json()["account_number_masked"] == "**********0000"


# --- Interactions -------------------------------------------------------------------------------


def test_record_an_interaction_with_a_follow_up(bank, customer):
    # given
    api = Api(bank.rm)
    due = (timezone.localdate() + timedelta(days=2)).isoformat()
    # when
    response = api.post(
        f"/customers/{customer.pk}/interactions",
        {
            "channel": "visit",
            "subject": "面谈理财配置",
            "occurred_at": "2025-03-01T10:30:00+08:00",
            "outcome": "interested",
            "notes": "偏好稳健型",
            "follow_up_title": "发送产品说明书",
            "follow_up_due": due,
        },
    )
    # then
    assert response.status_code == 201
    body = response.json()
    assert (body["channel"], body["outcome"], body["staff"]["id"]) == (
        "visit",
        "interested",
        bank.rm.pk,
    )
    assert body["occurred_at"] == "2025-03-01T02:30:00Z"
    interaction = Interaction.objects.get(pk=body["id"])
    task = Task.objects.get(interaction=interaction)
    assert (task.title, task.assignee_id, task.due_date.isoformat()) == (
        "发送产品说明书",
        bank.rm.pk,
        due,
    )
    assert api.get(f"/interactions/{body['id']}").json() == body


def test_interaction_input_errors(bank, customer):
    # given
    api = Api(bank.rm)
    url = f"/customers/{customer.pk}/interactions"
    future = (timezone.now() + timedelta(days=1)).isoformat()
    # when
    naive = api.post(url, {"channel": "call", "subject": "x", "occurred_at": "2025-03-01T10:30"})
    bad_channel = api.post(url, {"channel": "fax", "subject": "x"})
    in_future = api.post(url, {"channel": "call", "subject": "x", "occurred_at": future})
    no_due = api.post(url, {"channel": "call", "subject": "x", "follow_up_title": "回访"})
    bad_date = api.post(
        url, {"channel": "call", "subject": "x", "occurred_at": "2025-02-30T10:00:00+08:00"}
    )
    # then
    assert field_codes(naive) == {"occurred_at": ["timezone_required"]}
    assert field_codes(bad_channel) == {"channel": ["invalid_choice"]}
    assert field_codes(in_future) == {"occurred_at": ["invalid"]}
    assert field_codes(no_due) == {"follow_up_due": ["invalid"]}
    assert field_codes(bad_date) == {"occurred_at": ["invalid_datetime"]}
    assert Interaction.objects.count() == 0


def test_interactions_page_newest_first_without_gaps_on_equal_times(bank, customer):
    # given: several interactions at the very same moment, others earlier
    moment = timezone.now() - timedelta(hours=1)
    made = []
    for i in range(7):
        at = moment if i < 4 else moment - timedelta(minutes=i)
        made.append(
            interaction_create(
                actor=bank.rm, customer=customer, channel="note", subject=f"s{i}", occurred_at=at
            )
        )
    expected = [i.pk for i in sorted(made, key=lambda i: (i.occurred_at, i.pk), reverse=True)]
    api = Api(bank.rm)
    # when
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        body = api.get(f"/customers/{customer.pk}/interactions", params).json()
        seen += [i["id"] for i in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    # then
    assert seen == expected


# --- Tasks --------------------------------------------------------------------------------------


def test_create_read_and_complete_a_task(bank, customer):
    # given
    api = Api(bank.rm)
    # when
    created = api.post(
        f"/customers/{customer.pk}/tasks", {"title": "准备开户资料", "due_date": "2030-01-15"}
    )
    task_id = created.json()["id"]
    done = api.patch(f"/tasks/{task_id}", {"version": 1, "status": "done"})
    stale = api.patch(f"/tasks/{task_id}", {"version": 1, "title": "x"})
    # then
    assert created.status_code == 201
    assert created.json()["assignee"]["id"] == bank.rm.pk
    assert (created.json()["status"], created.json()["version"]) == ("open", 1)
    assert done.status_code == 200
    assert (done.json()["status"], done.json()["version"]) == ("done", 2)
    assert done.json()["completed_at"] is not None
    assert (stale.status_code, stale.json()["code"]) == (409, "conflict")
    assert api.get(f"/tasks/{task_id}").json()["title"] == "准备开户资料"
    assert AuditEvent.objects.filter(action="task.update", object_id=str(task_id)).count() == 1


def test_task_for_a_colleague_must_be_someone_the_actor_sees(bank, customer):
    # given
    manager = Api(bank.bj_manager)
    # when
    for_rm = manager.post(
        f"/customers/{customer.pk}/tasks",
        {"title": "回访", "due_date": "2030-01-01", "assignee_id": bank.rm.pk},
    )
    for_shanghai = manager.post(
        f"/customers/{customer.pk}/tasks",
        {"title": "回访", "due_date": "2030-01-01", "assignee_id": bank.sh_rm.pk},
    )
    # then
    assert for_rm.status_code == 201
    assert for_rm.json()["assignee"]["id"] == bank.rm.pk
    assert (for_shanghai.status_code, field_codes(for_shanghai)) == (
        422,
        {"assignee_id": ["not_found"]},
    )


def test_task_input_errors(bank, customer):
    # given
    api = Api(bank.rm)
    url = f"/customers/{customer.pk}/tasks"
    # when
    bad_date = api.post(url, {"title": "x", "due_date": "2030-13-01"})
    no_title = api.post(url, {"title": "", "due_date": "2030-01-01"})
    bad_status = api.post(url, {"title": "x", "due_date": "2030-01-01", "status": "done"})
    # then
    assert field_codes(bad_date) == {"due_date": ["invalid_date"]}
    assert field_codes(no_title) == {"title": ["too_short"]}
    assert field_codes(bad_status) == {"status": ["unknown_field"]}


def test_task_list_is_mine_by_default_filterable_and_paged_by_due_date(bank, customer):
    # given: 7 tasks of the RM on 3 due dates (ties broken by id), 1 of a colleague
    base = date(2030, 1, 1)
    mine = [
        task_create(
            actor=bank.rm,
            customer=customer,
            assignee=bank.rm,
            title=f"t{i}",
            due_date=base + timedelta(days=i % 3),
        )
        for i in range(7)
    ]
    theirs = task_create(
        actor=bank.bj_manager, customer=customer, assignee=bank.bj_manager, title="m", due_date=base
    )
    expected = [t.pk for t in sorted(mine, key=lambda t: (t.due_date, t.pk))]
    api = Api(bank.rm)
    # when
    seen, cursor = [], None
    while True:
        body = api.get("/tasks", {"limit": 3} | ({"cursor": cursor} if cursor else {})).json()
        seen += [t["id"] for t in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    of_customer = api.get("/tasks", {"customer_id": customer.pk, "limit": 100}).json()
    done = api.get("/tasks", {"status": "done"}).json()
    # then
    assert seen == expected
    assert {t["id"] for t in of_customer["items"]} == set(expected) | {theirs.pk}
    assert done == {"items": [], "next_cursor": None}


def test_naive_datetime_in_a_cursor_is_refused(bank):
    # given: a hand-made cursor for the interaction order without a UTC offset
    import base64
    import json

    raw = json.dumps([datetime(2025, 1, 1).isoformat(), 1]).encode()  # noqa: DTZ001
    cursor = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    customer = factories.customer(actor=bank.rm)
    # when
    response = Api(bank.rm).get(f"/customers/{customer.pk}/interactions", {"cursor": cursor})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {"cursor": ["invalid_cursor"]}
