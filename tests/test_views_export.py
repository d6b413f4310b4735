"""The export button of the customer list: a POST with the search, a format and a reason."""

import csv
import io

from django.urls import reverse

from bankcrm.audit.models import AuditEvent
from tests import factories


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def test_the_list_offers_the_export_only_to_those_who_may_export(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    manager_page = client.get(reverse("customers:list")).content.decode()
    client.force_login(bank.agent)
    agent_page = client.get(reverse("customers:list")).content.decode()
    # then
    assert f'action="{reverse("customers:export")}"' in manager_page
    assert 'name="reason"' in manager_page
    assert reverse("customers:export") not in agent_page


def test_the_export_follows_the_search_masks_and_is_audited(client, bank, customer):
    # given: another customer the search does not find
    factories.customer(actor=bank.rm, name="李四光")
    client.force_login(bank.bj_manager)
    # when: the search by mobile travels in the POST body
    response = client.post(
        reverse("customers:export"),
        {"q": "13800138000", "format": "csv", "reason": "branch review"},
    )
    # then
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="customers-')
    rows = _rows(response)
    assert len(rows) == 2
    assert rows[1][0] == customer.number
    assert "138****8000" in rows[1] and "13800138000" not in response.content.decode()
    event = AuditEvent.objects.get(action="customer.export", outcome="allowed")
    assert event.actor == bank.bj_manager and event.reason == "branch review"
    assert event.changes["customers"] == [customer.pk]


def test_clear_values_need_the_reveal_permission_too(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.post(
        reverse("customers:export"),
        {"q": "13800138000", "format": "csv", "reason": "KYC refresh", "unmasked": "1"},
    )
    # then
    assert "'+8613800138000" in _rows(response)[1]


def test_no_reason_no_export(client, bank, customer):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.post(reverse("customers:export"), {"format": "csv", "reason": ""})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list")
    assert not AuditEvent.objects.filter(action="customer.export").exists()


def test_without_the_export_permission_the_answer_is_403(client, bank, customer):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(reverse("customers:export"), {"format": "csv", "reason": "please"})
    # then
    assert response.status_code == 403
    assert client.get(reverse("customers:export")).status_code == 405
