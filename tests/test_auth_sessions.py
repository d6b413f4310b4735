"""Sessions: a new key at sign-in and after the second factor, server-side sign-out (the old
cookie is worthless), an absolute lifetime, and disabling an account ends its sessions now.
Role changes made in the admin site are audited as such."""

from datetime import timedelta

from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.org.services import staff_deactivate
from tests import mfa
from tests.factories import PASSWORD


def test_signing_in_gives_a_new_session_key(client, bank):
    # given: a session exists before sign-in (e.g. the language was chosen)
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    client.cookies["sessionid"] = before
    # when
    client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    # then
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_signing_out_deletes_the_session_so_the_old_cookie_is_worthless(client, bank):
    # given
    mfa.sign_in(client, bank.rm)
    cookie = client.cookies["sessionid"].value
    assert client.get("/").status_code == 200
    # when
    client.post(reverse("logout"))
    # then: the same cookie, presented again by someone who kept it, opens nothing
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert not Session.objects.filter(session_key=cookie).exists()
    assert replay.get("/").status_code == 302
    assert replay.get("/api/v1/customers").status_code == 401
    assert AuditEvent.objects.filter(actor=bank.rm, action="auth.logout").count() == 1


def test_sessions_have_an_absolute_lifetime(client, bank, settings):
    # given
    client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    key = client.cookies["sessionid"].value
    session = Session.objects.get(session_key=key)
    # then: it expires SESSION_COOKIE_AGE after sign-in, however active it is
    lifetime = session.expire_date - timezone.now()
    assert settings.SESSION_COOKIE_AGE == 8 * 3600
    assert timedelta(hours=8) - timedelta(minutes=1) < lifetime <= timedelta(hours=8)
    assert client.cookies["sessionid"]["max-age"] == 8 * 3600
    # when: the lifetime is over
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(1))
    # then
    assert client.get("/").status_code == 302


def test_disabling_an_account_ends_its_sessions_at_once(client, bank):
    # given: the RM is signed in on two browsers; the admin on a third
    browsers = [Client(), Client()]
    for browser in browsers:
        mfa.sign_in(browser, bank.rm)
    admin = Client()
    admin.force_login(bank.admin)
    keys = [b.cookies["sessionid"].value for b in browsers]
    # when
    staff_deactivate(staff=bank.rm, actor=bank.admin)
    # then
    assert not Session.objects.filter(session_key__in=keys).exists()
    assert [b.get("/").status_code for b in browsers] == [302, 302]
    assert admin.get("/").status_code == 200
    event = AuditEvent.objects.get(action="staff.deactivate")
    assert event.actor == bank.admin and event.changes == {"is_active": False, "sessions_ended": 2}


def _staff_form(staff, **changes) -> dict:
    data = {
        "username": staff.username,
        "display_name": staff.display_name,
        "employee_number": staff.employee_number,
        "email": staff.email,
        "language": staff.language,
        "role": staff.role,
        "branch": staff.branch_id,
        "team": "",
        "is_active": "on" if staff.is_active else "",
        "last_login_0": "",
        "last_login_1": "",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "09:00:00",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v != "" or k in ("team",)}


def test_unticking_active_in_the_admin_site_ends_the_sessions(client, bank):
    # given
    victim = Client()
    mfa.sign_in(victim, bank.rm)
    client.force_login(bank.admin)
    url = reverse("admin:org_staff_change", args=[bank.rm.pk])
    # when
    response = client.post(url, _staff_form(bank.rm, is_active=""))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    bank.rm.refresh_from_db()
    assert not bank.rm.is_active
    assert victim.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="staff.deactivate", object_id=str(bank.rm.pk)).exists()


def test_a_role_change_in_the_admin_site_is_audited_with_both_roles(client, bank):
    # given
    client.force_login(bank.admin)
    url = reverse("admin:org_staff_change", args=[bank.agent.pk])
    # when
    response = client.post(url, _staff_form(bank.agent, role="risk_officer"))
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    event = AuditEvent.objects.get(action="staff.role_change")
    assert event.actor == bank.admin and event.object_id == str(bank.agent.pk)
    assert event.changes == {"role": {"from": "service_agent", "to": "risk_officer"}}
    update = AuditEvent.objects.get(action="staff.update", object_id=str(bank.agent.pk))
    assert "role" in update.changes


def test_the_admin_actions_revoke_tokens_and_reset_second_factors(client, bank):
    # given
    from bankcrm.org.models import ApiToken, Authenticator
    from bankcrm.org.services import api_token_create

    token, _raw = api_token_create(staff=bank.rm, name="core banking")
    mfa.enrol(bank.rm)
    client.force_login(bank.admin)
    # when
    revoke = client.post(
        reverse("admin:org_apitoken_changelist"),
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    reset = client.post(
        reverse("admin:org_staff_changelist"),
        {"action": "reset_second_factor", "_selected_action": [bank.rm.pk]},
    )
    # then
    assert revoke.status_code == 302 and reset.status_code == 302
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert not Authenticator.objects.filter(user=bank.rm).exists()
    actions = set(AuditEvent.objects.filter(actor=bank.admin).values_list("action", flat=True))
    assert {"api_token.revoke", "auth.mfa_reset"} <= actions


def test_the_admin_sites_password_page_is_our_own(client, bank):
    # given
    client.force_login(bank.admin)
    # when
    response = client.get(reverse("admin:password_change"))
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change")


def test_an_administrator_setting_a_password_is_audited_and_ends_sessions(client, bank):
    # given: the agent is signed in elsewhere
    victim = Client()
    victim.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    client.force_login(bank.admin)
    url = reverse("admin:auth_user_password_change", args=[bank.agent.pk]).replace(
        "/auth/user/", "/org/staff/"
    )
    # when
    response = client.post(
        url, {"password1": "handed over in person", "password2": "handed over in person"}
    )
    # then
    assert response.status_code == 302, response.content.decode()[:2000]
    bank.agent.refresh_from_db()
    assert bank.agent.check_password("handed over in person")
    assert victim.get("/").status_code == 302
    event = AuditEvent.objects.get(action="staff.password_set")
    assert event.actor == bank.admin and event.changes == {"sessions_ended": 1}
