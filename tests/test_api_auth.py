"""API authentication: bearer tokens (digest-only storage, expiry, revocation) and sessions."""

import hashlib
import io
import json
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.org.models import ApiToken, Staff
from bankcrm.org.services import api_token_create, api_token_revoke
from tests.api_support import Api

NOT_AUTHENTICATED = {
    "code": "not_authenticated",
    "message": "Authentication credentials were not provided or are not valid.",
    "errors": {},
}


def _get(token: str, path: str):
    return Client().get(
        f"/api/v1{path}", headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    )


def test_valid_token_acts_as_its_staff_member(bank, customer):
    # given
    api = Api(bank.rm)
    # when
    response = api.get(f"/customers/{customer.pk}")
    # then
    assert response.status_code == 200
    assert response.json()["id"] == customer.pk
    api.record.refresh_from_db()
    assert api.record.last_used_at is not None


def test_wrong_token_answers_401(bank, customer):
    # given
    Api(bank.rm)
    # when
    response = _get("bcrm_not-a-real-token", f"/customers/{customer.pk}")
    # then
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED
    assert response["WWW-Authenticate"] == 'Bearer realm="bankcrm"'


def test_no_credentials_answer_401(bank, customer):
    # when
    response = Client().get(f"/api/v1/customers/{customer.pk}", headers={"Accept-Language": "en"})
    # then
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_wrong_token_on_unsafe_method_answers_401_not_csrf_failure(bank, customer):
    # when
    response = Client().post(
        "/api/v1/customers/search",
        data="{}",
        content_type="application/json",
        headers={"Authorization": "Bearer wrong", "Accept-Language": "en"},
    )
    # then
    assert response.status_code == 401
    assert response.json() == NOT_AUTHENTICATED


def test_expired_token_answers_401(bank, customer):
    # given
    api = Api(bank.rm)
    ApiToken.objects.filter(pk=api.record.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    # when
    response = api.get(f"/customers/{customer.pk}")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


def test_revoked_token_answers_401_and_revocation_is_audited(bank, customer):
    # given
    api = Api(bank.rm)
    assert api.get(f"/customers/{customer.pk}").status_code == 200
    # when
    api_token_revoke(token=api.record, actor=bank.admin)
    response = api.get(f"/customers/{customer.pk}")
    # then
    assert response.status_code == 401
    assert api.record.revoked_at is not None
    event = AuditEvent.objects.get(action="api_token.revoke")
    assert (event.actor_id, event.object_id) == (bank.admin.pk, str(api.record.pk))


def test_token_of_inactive_staff_answers_401(bank, customer):
    # given
    api = Api(bank.rm)
    Staff.objects.filter(pk=bank.rm.pk).update(is_active=False)
    # when
    response = api.get(f"/customers/{customer.pk}")
    # then
    assert response.status_code == 401


def test_only_the_sha256_digest_of_a_token_is_stored(bank):
    # given
    record, raw = api_token_create(staff=bank.rm, name="core banking", days=30)
    # when
    row = ApiToken.objects.filter(pk=record.pk).values().get()
    audit = list(AuditEvent.objects.values_list("changes", flat=True))
    # then
    assert row["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith("bcrm_") and len(raw) >= 40
    assert row["prefix"] == raw[:12]
    assert all(raw not in str(value) for value in row.values())
    assert all(raw not in json.dumps(changes) for changes in audit)
    assert timedelta(days=29, hours=23) < row["expires_at"] - timezone.now() <= timedelta(days=30)


def test_tokens_are_random(bank):
    # when
    tokens = {api_token_create(staff=bank.rm, name=f"t{i}")[1] for i in range(5)}
    # then
    assert len(tokens) == 5


def test_create_api_token_command_prints_a_working_token_once(bank, customer):
    # given
    out, err = io.StringIO(), io.StringIO()
    # when
    call_command(
        "create_api_token",
        "--username",
        "rm",
        "--name",
        "core banking",
        "--days",
        "7",
        stdout=out,
        stderr=err,
    )
    token = out.getvalue().strip()
    # then
    record = ApiToken.objects.get(digest=hashlib.sha256(token.encode()).hexdigest())
    assert (record.staff_id, record.name) == (bank.rm.pk, "core banking")
    assert timedelta(days=6, hours=23) < record.expires_at - timezone.now() <= timedelta(days=7)
    assert token not in err.getvalue()
    assert _get(token, f"/customers/{customer.pk}").status_code == 200


def test_create_api_token_command_refuses_unknown_or_inactive_staff(bank):
    # given
    Staff.objects.filter(pk=bank.other_rm.pk).update(is_active=False)
    # when / then
    with pytest.raises(CommandError, match="No staff member"):
        call_command("create_api_token", "--username", "nobody", "--name", "x")
    with pytest.raises(CommandError):
        call_command("create_api_token", "--username", "rm2", "--name", "x")
    assert ApiToken.objects.count() == 0


def test_a_token_has_its_staff_members_permissions(bank, customer):
    # given: an analyst may read customers but not create them
    api = Api(bank.analyst)
    # when
    response = api.post(
        "/customers", {"name": "李四", "id_type": "passport", "id_number": "E1234567"}
    )
    # then
    assert response.status_code == 403
    assert response.json() == {
        "code": "permission_denied",
        "message": "You do not have permission to do this.",
        "errors": {},
    }
    assert api.get(f"/customers/{customer.pk}").status_code == 200


def test_session_auth_reads_and_needs_csrf_for_writes(bank, customer):
    # given: a signed-in browser that enforces CSRF like a real one
    browser = Client(enforce_csrf_checks=True, headers={"Accept-Language": "en"})
    browser.force_login(bank.rm)
    body = json.dumps({"version": customer.version, "city": "北京"})
    # when
    read = browser.get(f"/api/v1/customers/{customer.pk}")
    refused = browser.patch(
        f"/api/v1/customers/{customer.pk}", data=body, content_type="application/json"
    )
    browser.get("/api/docs")  # the docs page sets the CSRF cookie, as in a browser
    accepted = browser.patch(
        f"/api/v1/customers/{customer.pk}",
        data=body,
        content_type="application/json",
        headers={"X-CSRFToken": browser.cookies["csrftoken"].value},
    )
    # then
    assert read.status_code == 200
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    assert accepted.status_code == 200
    assert accepted.json()["city"] == "北京"
