"""Scoping matrix of the customer pages: another RM and another branch's manager get 404 (exactly
like a missing customer) on every page and action, and nothing changes. An in-scope manager is
the control: the same requests do not answer 404 for them."""

from datetime import date

import pytest
from django.urls import reverse

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.models import Consent, Customer, LifecycleEvent
from bankcrm.interactions.models import Interaction, Task
from bankcrm.interactions.services import task_create


@pytest.fixture
def task(bank, customer):
    return task_create(
        actor=bank.rm, customer=customer, assignee=bank.rm, title="Call", due_date=date(2030, 1, 1)
    )


def _requests(customer, task) -> list[tuple[str, str, dict]]:
    pk = customer.pk
    return [
        ("get", reverse("customers:detail", args=[pk]), {}),
        ("get", reverse("customers:edit", args=[pk]), {}),
        (
            "post",
            reverse("customers:edit", args=[pk]),
            {
                "kind": "individual",
                "name": "改名",
                "id_type": "resident_id",
                "employer": "Hijacked",
                "kyc_status": "pending",
                "preferred_contact_time": "any",
                "version": customer.version,
            },
        ),
        ("post", reverse("customers:reveal", args=[pk]), {"field": "mobile", "reason": "curious"}),
        (
            "post",
            reverse("customers:consents", args=[pk]),
            {"channel": "sms", "purpose": "marketing", "granted": "1"},
        ),
        (
            "post",
            reverse("customers:lifecycle", args=[pk]),
            {"to_stage": "onboarding", "reason": "because"},
        ),
        ("post", reverse("customers:assign", args=[pk]), {"rm": 1}),
        (
            "post",
            reverse("interactions:create", args=[pk]),
            {"channel": "call", "outcome": "info", "subject": "Sneaky"},
        ),
        (
            "post",
            reverse("interactions:task_create", args=[pk]),
            {"title": "Sneaky", "due_date": "2030-01-01"},
        ),
        ("post", reverse("interactions:task_complete", args=[task.pk]), {"version": task.version}),
    ]


def _snapshot(customer, task) -> dict:
    fresh = Customer.objects.get(pk=customer.pk)
    return {
        "version": fresh.version,
        "name": fresh.name,
        "employer": fresh.employer,
        "stage": fresh.lifecycle_stage,
        "rm": fresh.rm_id,
        "consents": Consent.objects.filter(customer=customer).count(),
        "lifecycle": LifecycleEvent.objects.filter(customer=customer).count(),
        "interactions": Interaction.objects.filter(customer=customer).count(),
        "tasks": list(Task.objects.filter(customer=customer).values_list("status", "version")),
        "reveals": AuditEvent.objects.filter(action="customer.reveal").count(),
    }


@pytest.mark.parametrize("outsider", ["other_rm", "sh_manager", "sh_rm"])
def test_outsiders_get_404_on_every_customer_page_and_nothing_changes(
    client, bank, customer, task, outsider
):
    # given
    client.force_login(getattr(bank, outsider))
    before = _snapshot(customer, task)
    # when
    statuses = {
        (method, url): getattr(client, method)(url, data).status_code
        for method, url, data in _requests(customer, task)
    }
    # then
    assert set(statuses.values()) == {404}, statuses
    assert _snapshot(customer, task) == before


def test_a_missing_customer_answers_the_same_404(client, bank):
    # given
    client.force_login(bank.other_rm)
    # when
    missing = client.get(reverse("customers:detail", args=[999999]))
    # then
    assert missing.status_code == 404


def test_outsiders_do_not_find_the_customer_by_search(client, bank, customer):
    # given
    queries = ["13800138000", "11010519491231002X", "zhangsanfeng", "张三丰", customer.number]
    for outsider in (bank.other_rm, bank.sh_manager):
        client.force_login(outsider)
        # when
        bodies = [
            client.post(reverse("customers:list"), {"q": q}).content.decode() for q in queries
        ]
        # then
        detail = reverse("customers:detail", args=[customer.pk])
        assert all(detail not in body for body in bodies)
        assert all("No customers match." in body for body in bodies)


def test_the_branch_manager_above_is_not_refused(client, bank, customer, task):
    # given: the control for the matrix above
    client.force_login(bank.bj_manager)
    found = client.post(reverse("customers:list"), {"q": "13800138000"}).content.decode()
    # when
    statuses = [
        getattr(client, method)(url, data).status_code
        for method, url, data in _requests(customer, task)
    ]
    # then
    assert 404 not in statuses
    assert reverse("customers:detail", args=[customer.pk]) in found


def test_roles_without_the_permission_get_403_before_any_validation(client, bank, customer):
    # given: an analyst sees the customer but may not record work on it
    from bankcrm.interactions.models import Interaction, Task

    client.force_login(bank.analyst)
    # when: even an empty (invalid) form
    task = client.post(f"/customers/{customer.pk}/tasks/new/", {})
    interaction = client.post(f"/customers/{customer.pk}/interactions/new/", {})
    # then
    assert (task.status_code, interaction.status_code) == (403, 403)
    assert Task.objects.count() == 0 and Interaction.objects.count() == 0
