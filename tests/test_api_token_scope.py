"""API tokens narrowed at creation to a smaller role and a branch; revoked from the command line
or the admin site. A narrowed token never allows more than its staff member."""

import json
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from bankcrm.audit.models import AuditEvent
from bankcrm.org.models import ApiToken
from bankcrm.org.roles import Role
from bankcrm.org.services import api_token_create
from tests import factories


def _client(raw: str) -> Client:
    return Client(headers={"Authorization": f"Bearer {raw}"})


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["items"]}


@pytest.fixture
def two_branches(bank):
    beijing = factories.customer(actor=bank.rm)
    shanghai = factories.customer(actor=bank.sh_rm)
    return beijing, shanghai


def test_a_whole_bank_token_narrowed_to_a_branch_sees_only_that_branch(bank, two_branches):
    # given: the analyst sees the whole bank; their token only Beijing
    beijing, shanghai = two_branches
    _token, raw = api_token_create(staff=bank.analyst, name="bi", branch=bank.beijing)
    _full, full_raw = api_token_create(staff=bank.analyst, name="bi-all")
    narrowed, full = _client(raw), _client(full_raw)
    # when / then
    assert _ids(narrowed.get("/api/v1/customers")) == {beijing.pk}
    assert narrowed.get(f"/api/v1/customers/{shanghai.pk}").status_code == 404
    assert narrowed.get(f"/api/v1/customers/{beijing.pk}").status_code == 200
    assert _ids(full.get("/api/v1/customers")) == {beijing.pk, shanghai.pk}
    # and the staff record itself is unchanged
    bank.analyst.refresh_from_db()
    assert bank.analyst.branch == bank.head


def test_a_whole_bank_role_narrowed_to_a_branch_gets_that_branch_scope(bank, two_branches):
    # given: the system administrator's scope is the whole bank
    beijing, shanghai = two_branches
    assert bank.admin.scope == "all"
    _token, raw = api_token_create(staff=bank.admin, name="sync", branch=bank.shanghai)
    # when
    listed = _client(raw).get("/api/v1/customers")
    # then
    assert _ids(listed) == {shanghai.pk}


def test_a_token_narrowed_to_a_smaller_role_loses_the_other_permissions(bank, two_branches):
    # given: the Beijing manager's token acts as a service agent (no reveal, no create)
    beijing, _shanghai = two_branches
    _token, raw = api_token_create(staff=bank.bj_manager, name="desk", role=Role.SERVICE_AGENT)
    api = _client(raw)
    # when
    reveal = api.post(
        f"/api/v1/customers/{beijing.pk}/reveal",
        data=json.dumps({"field": "mobile", "reason": "check"}),
        content_type="application/json",
    )
    create = api.post(
        "/api/v1/customers",
        data=json.dumps({"name": "王小明", "id_type": "passport", "id_number": "E12345678"}),
        content_type="application/json",
    )
    listed = api.get("/api/v1/customers")
    # then
    assert reveal.status_code == 403
    assert create.status_code == 403
    assert _ids(listed) == {beijing.pk}
    denied = AuditEvent.objects.get(action="customer.reveal", outcome="denied")
    assert denied.actor == bank.bj_manager  # the audit trail names the real person


@pytest.mark.parametrize(
    ("who", "role", "branch", "field"),
    [
        ("rm", Role.BRANCH_MANAGER, None, "role"),  # more permissions than an RM
        ("analyst", Role.SYSTEM_ADMIN, None, "role"),  # administration the analyst lacks
        ("bj_manager", Role.AUDITOR, None, "role"),  # audit permission the manager lacks
        ("bj_manager", "", "shanghai", "branch"),  # outside the manager's subtree
        ("rm", "", "beijing", "branch"),  # an own-book role keeps its branch
        ("bj_manager", "nonsense", None, "role"),
    ],
)
def test_a_token_may_not_allow_more_than_its_staff_member(bank, who, role, branch, field):
    # given
    staff = getattr(bank, who)
    # when
    with pytest.raises(ValidationError) as caught:
        api_token_create(
            staff=staff, name="x", role=role, branch=getattr(bank, branch) if branch else None
        )
    # then
    assert field in caught.value.message_dict
    assert not ApiToken.objects.exists()


def test_allowed_narrowings_are_recorded(bank):
    # when
    token, _raw = api_token_create(
        staff=bank.bj_manager, name="desk", role=Role.RISK_OFFICER, branch=bank.chaoyang
    )
    # then
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.changes["role"] == Role.RISK_OFFICER
    assert event.changes["branch"] == bank.chaoyang.pk
    assert (token.role, token.branch) == (Role.RISK_OFFICER, bank.chaoyang)


def test_create_api_token_command_narrows(bank):
    # when
    out, err = StringIO(), StringIO()
    call_command(
        "create_api_token",
        "--username=analyst",
        "--name=bi",
        "--branch=110",
        f"--role={Role.ANALYST}",
        stdout=out,
        stderr=err,
    )
    # then
    token = ApiToken.objects.get()
    assert token.branch == bank.beijing and token.role == Role.ANALYST
    assert out.getvalue().strip().startswith("bcrm_")
    assert "branch 110" in err.getvalue()


def test_revoke_api_token_by_prefix(bank):
    # given
    token, raw = api_token_create(staff=bank.rm, name="core banking")
    api = _client(raw)
    assert api.get("/api/v1/customers").status_code == 200
    # when
    out = StringIO()
    call_command("revoke_api_token", raw[:10], stdout=out)
    # then
    assert api.get("/api/v1/customers").status_code == 401
    assert f"Revoked {token.prefix}" in out.getvalue()
    assert AuditEvent.objects.filter(action="api_token.revoke").count() == 1
    with pytest.raises(CommandError, match="No live token"):
        call_command("revoke_api_token", raw[:10])
    with translation.override("en"), pytest.raises(CommandError, match="at least 8"):
        call_command("revoke_api_token", "bcrm_")
