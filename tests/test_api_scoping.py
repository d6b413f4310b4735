"""The scoping matrix of the API: another RM's or another branch's customer answers 404 exactly
like a missing one, on every object endpoint, and nothing about it changes."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.models import Customer
from bankcrm.interactions.models import Interaction, Task
from bankcrm.interactions.services import interaction_create, task_create
from bankcrm.products.models import Holding, ProductType
from bankcrm.products.services import holding_create
from tests import factories
from tests.api_support import Api

MISSING = 999_999

# (method, path, body) with {c} customer, {h} holding, {i} interaction, {t} task.
ENDPOINTS = [
    ("get", "/customers/{c}", None),
    ("patch", "/customers/{c}", {"version": 1, "city": "深圳"}),
    ("get", "/customers/{c}/360", None),
    ("post", "/customers/{c}/reveal", {"field": "mobile", "reason": "verify identity"}),
    ("post", "/customers/{c}/assign", {"rm_id": None}),
    ("get", "/customers/{c}/holdings", None),
    (
        "post",
        "/customers/{c}/holdings",
        {
            "product_code": "DEP01",
            "account_number": "62220000009999",
            "balance": "1.00",
            "opened_on": "2024-01-01",
        },
    ),
    ("get", "/holdings/{h}", None),
    ("patch", "/holdings/{h}", {"version": 1, "balance": "0.01"}),
    ("get", "/customers/{c}/interactions", None),
    ("post", "/customers/{c}/interactions", {"channel": "call", "subject": "hello"}),
    ("get", "/interactions/{i}", None),
    ("post", "/customers/{c}/tasks", {"title": "call back", "due_date": "2030-01-01"}),
    ("get", "/tasks/{t}", None),
    ("patch", "/tasks/{t}", {"version": 1, "title": "changed"}),
]
IDS = [f"{method} {path}" for method, path, _body in ENDPOINTS]


@pytest.fixture
def book(bank, customer):
    """The RM's customer with one holding, one interaction and one task."""
    product = factories.product(type=ProductType.DEMAND_DEPOSIT, code="DEP01")
    holding = holding_create(
        actor=bank.rm,
        customer=customer,
        product=product,
        account_number="6222000000001111",
        balance=Decimal("5000.00"),
        opened_on=date(2024, 1, 1),
    )
    interaction = interaction_create(actor=bank.rm, customer=customer, channel="call", subject="x")
    task = task_create(
        actor=bank.rm, customer=customer, assignee=bank.rm, title="回访", due_date=date(2030, 1, 1)
    )
    return {"c": customer.pk, "h": holding.pk, "i": interaction.pk, "t": task.pk}


def _snapshot(ids: dict) -> dict:
    return {
        "customer": Customer.objects.filter(pk=ids["c"]).values().get(),
        "holdings": list(Holding.objects.filter(customer_id=ids["c"]).values().order_by("id")),
        "interactions": list(
            Interaction.objects.filter(customer_id=ids["c"]).values().order_by("id")
        ),
        "tasks": list(Task.objects.filter(customer_id=ids["c"]).values().order_by("id")),
        "reveals": AuditEvent.objects.filter(action="customer.reveal").count(),
    }


def _call(api: Api, method: str, path: str, body, ids: dict):
    url = path.format(**ids)
    if method == "get":
        return api.get(url)
    return getattr(api, method)(url, body)


@pytest.mark.parametrize("stranger", ["other_rm", "sh_manager", "sh_rm"])
@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_out_of_scope_answers_404_like_missing_and_changes_nothing(
    bank, book, stranger, method, path, body
):
    # given
    api = Api(getattr(bank, stranger))
    before = _snapshot(book)
    missing_ids = dict.fromkeys(book, MISSING)
    # when
    response = _call(api, method, path, body, book)
    missing = _call(api, method, path, body, missing_ids)
    # then
    assert response.status_code == 404
    assert response.content == missing.content
    assert response.json() == {"code": "not_found", "message": "Not found.", "errors": {}}
    assert _snapshot(book) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_in_scope_the_same_requests_succeed(bank, book, method, path, body):
    # given: the Beijing manager, whose subtree holds the customer (the matrix's control)
    api = Api(bank.bj_manager)
    # when
    response = _call(api, method, path, body, book)
    # then
    assert response.status_code in (200, 201), response.content


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=IDS)
def test_anonymous_answers_401(bank, book, method, path, body):
    # given
    client = Client()
    url = "/api/v1" + path.format(**book)
    # when
    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(url, data=body, content_type="application/json")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@pytest.mark.parametrize("stranger", ["other_rm", "sh_manager", "sh_rm"])
def test_out_of_scope_customer_is_absent_from_lists_and_searches(bank, book, stranger):
    # given
    api = Api(getattr(bank, stranger))
    own = factories.customer(actor=getattr(bank, stranger), rm=getattr(bank, stranger))
    # when
    listed = api.get("/customers", {"limit": 100}).json()
    by_mobile = api.post("/customers/search", {"q": "13800138000"}).json()
    by_id = api.post("/customers/search", {"q": "11010519491231002X"}).json()
    by_name = api.get("/customers", {"q": "张三丰"}).json()
    by_pinyin = api.get("/customers", {"q": "zsf"}).json()
    by_branch = api.get("/customers", {"branch_id": bank.chaoyang.pk}).json()
    by_rm = api.post("/customers/search", {"rm_id": bank.rm.pk}).json()
    tasks = api.get("/tasks", {"customer_id": book["c"]}).json()
    # then
    assert [c["id"] for c in listed["items"]] == [own.pk]
    for result in (by_mobile, by_id, by_name, by_pinyin, by_rm, tasks):
        assert result == {"items": [], "next_cursor": None}
    assert book["c"] not in [c["id"] for c in by_branch["items"]]


def test_in_scope_customer_is_found_by_the_same_searches(bank, book):
    # given
    api = Api(bank.bj_manager)
    # when
    by_mobile = api.post("/customers/search", {"q": "13800138000"}).json()
    tasks = api.get("/tasks", {"customer_id": book["c"]}).json()
    # then
    assert [c["id"] for c in by_mobile["items"]] == [book["c"]]
    assert [t["id"] for t in tasks["items"]] == [book["t"]]
