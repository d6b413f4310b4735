"""Mass assignment on the API writes that test_api_customers.py and test_api_records.py do not
already cover: holdings, interactions and tasks refuse every field a caller may not set (owner,
branch, author, numbers, figures, versions, derived columns), and nothing is written."""

import pytest

from bankcrm.customers.models import Customer
from bankcrm.interactions.models import Interaction, Task
from bankcrm.products.models import Holding, ProductType
from tests import factories
from tests.api_support import Api, field_codes

HOLDING = {
    "product_code": "DEP01",
    "account_number": "6222020200112233",
    "balance": "100.00",
    "opened_on": "2024-03-01",
}
INTERACTION = {"channel": "call", "subject": "回访"}
TASK = {"title": "回访", "due_date": "2030-01-01"}


@pytest.fixture
def deposit(db):
    return factories.product(type=ProductType.DEMAND_DEPOSIT, code="DEP01")


@pytest.mark.parametrize(
    "extra",
    [
        {"customer_id": 1},
        {"branch_id": 1},
        {"branch": 1},
        {"version": 5},
        {"account_number_bidx": "x"},
        {"is_liability": True},
        {"id": 1},
    ],
)
def test_holding_create_refuses_fields_the_caller_may_not_set(bank, customer, deposit, extra):
    # when
    response = Api(bank.rm).post(f"/customers/{customer.pk}/holdings", {**HOLDING, **extra})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Holding.objects.count() == 0
    assert Customer.objects.get(pk=customer.pk).aum == 0


@pytest.mark.parametrize(
    "extra",
    [{"staff_id": 1}, {"staff": 1}, {"customer_id": 1}, {"created_at": "2020-01-01T00:00:00Z"}],
)
def test_interaction_create_refuses_fields_the_caller_may_not_set(bank, customer, extra):
    # when
    response = Api(bank.rm).post(f"/customers/{customer.pk}/interactions", {**INTERACTION, **extra})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Interaction.objects.count() == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"created_by_id": 1},
        {"customer_id": 1},
        {"status": "done"},
        {"version": 9},
        {"completed_at": "2020-01-01T00:00:00Z"},
        {"interaction_id": 1},
    ],
)
def test_task_create_refuses_fields_the_caller_may_not_set(bank, customer, extra):
    # when
    response = Api(bank.rm).post(f"/customers/{customer.pk}/tasks", {**TASK, **extra})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Task.objects.count() == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"assignee_id": 1},
        {"created_by_id": 1},
        {"customer_id": 1},
        {"completed_at": "2020-01-01T00:00:00Z"},
    ],
)
def test_task_update_refuses_fields_the_caller_may_not_set(bank, customer, extra):
    # given
    api = Api(bank.rm)
    task = api.post(f"/customers/{customer.pk}/tasks", TASK).json()
    before = Task.objects.filter(pk=task["id"]).values().get()
    # when
    response = api.patch(f"/tasks/{task['id']}", {"version": 1, "title": "改", **extra})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Task.objects.filter(pk=task["id"]).values().get() == before


@pytest.mark.parametrize("extra", [{"score": 900}, {"credit_score": 1}, {"kyc_score": 1}])
def test_customer_update_refuses_scores(bank, customer, extra):
    # given
    before = Customer.objects.filter(pk=customer.pk).values().get()
    # when
    response = Api(bank.bj_manager).patch(
        f"/customers/{customer.pk}", {"version": customer.version, **extra}
    )
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Customer.objects.filter(pk=customer.pk).values().get() == before
