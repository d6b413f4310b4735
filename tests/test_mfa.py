"""The second factor (TOTP and recovery codes): who must have it, enrolment with a QR code,
single-use codes, the pages and API reachable before it, and its audit events."""

import re
import time

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from bankcrm.audit.models import AuditEvent
from bankcrm.common import crypto
from bankcrm.org.auth_views import ENROL_CODE_SESSION_KEY
from bankcrm.org.models import Authenticator, RecoveryCode, RecoveryCodes
from bankcrm.org.roles import Role, mfa_required
from bankcrm.org.services import (
    ENROLMENT_CODE_TRIES,
    api_token_create,
    mfa_recovery_codes_create,
    mfa_reset,
)
from tests import mfa
from tests.factories import PASSWORD


def _password_step(client, staff):
    return client.post(reverse("login"), {"username": staff.username, "password": PASSWORD})


def _events(staff, action: str) -> list[tuple[str, dict]]:
    return [
        (e.outcome, e.changes)
        for e in AuditEvent.objects.filter(actor=staff, action=action).order_by("seq")
    ]


def test_roles_that_reveal_export_or_administer_must_have_a_second_factor():
    # then
    required = {role for role in Role.values if mfa_required(role)}
    assert required == {
        Role.SYSTEM_ADMIN,
        Role.ANALYST,
        Role.BRANCH_MANAGER,
        Role.RELATIONSHIP_MANAGER,
        Role.MARKETING,
        Role.RISK_OFFICER,
        Role.AUDITOR,
    }
    assert not mfa_required(Role.SERVICE_AGENT)


def test_after_the_password_every_page_waits_for_the_code(client, bank):
    # given
    device = mfa.enrol(bank.rm)
    # when
    login = _password_step(client, bank.rm)
    # then: sent to the code page; pages, the admin site and the session API are closed
    assert login.status_code == 302
    assert login["Location"] == reverse("mfa_verify") + "?next=%2F"
    for path in ["/", "/customers/", reverse("account"), "/admin/"]:
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == reverse("mfa_verify") + "?next=" + path.replace("/", "%2F")
    assert client.get("/api/v1/customers").status_code == 401
    htmx = client.get("/customers/", headers={"HX-Request": "true"})
    assert htmx.status_code == 204
    assert htmx["HX-Redirect"].startswith(reverse("mfa_verify"))
    page = client.get(reverse("mfa_verify"))
    assert page.status_code == 200
    assert 'autocomplete="one-time-code"' in page.content.decode()
    assert 'id="bk-nav"' not in page.content.decode()  # no navigation before the code
    # when
    before = client.session.session_key
    verified = client.post(reverse("mfa_verify"), {"code": mfa.fresh_code(device), "next": "/"})
    # then
    assert verified.status_code == 302
    assert verified["Location"] == "/"
    assert client.session.session_key != before
    assert client.get("/").status_code == 200
    assert client.get("/api/v1/customers").status_code == 200
    assert _events(bank.rm, "auth.login") == [("allowed", {"second_factor": "pending"})]
    assert _events(bank.rm, "auth.mfa_verify") == [("allowed", {"method": "totp"})]


def test_a_code_is_accepted_once_and_a_replay_is_refused(client, bank):
    # given: the code was used to sign in
    device = mfa.enrol(bank.bj_manager)
    _password_step(client, bank.bj_manager)
    used = mfa.fresh_code(device)
    assert client.post(reverse("mfa_verify"), {"code": used}).status_code == 302
    client.post(reverse("logout"))
    # when: someone who saw it signs in with the password and replays it
    _password_step(client, bank.bj_manager)
    replay = client.post(reverse("mfa_verify"), {"code": used}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert replay.status_code == 200
    assert "Each code works only once" in replay.content.decode()
    assert client.get("/").status_code == 302
    assert _events(bank.bj_manager, "auth.mfa_verify")[-1] == ("denied", {"method": "totp"})


def test_a_later_code_is_accepted_after_one_was_used(client, bank):
    # given
    device = mfa.enrol(bank.bj_manager)
    _password_step(client, bank.bj_manager)
    client.post(reverse("mfa_verify"), {"code": mfa.fresh_code(device)})
    client.post(reverse("logout"))
    # when
    _password_step(client, bank.bj_manager)
    later = client.post(reverse("mfa_verify"), {"code": mfa.code(device, steps_ahead=1)})
    # then: the next time step's code (the app's clock may run a little ahead) is fine
    assert later.status_code == 302
    assert client.get("/").status_code == 200


def test_wrong_codes_slow_down_the_next_try(client, bank):
    # given
    device = mfa.enrol(bank.risk)
    _password_step(client, bank.risk)
    # when: two wrong codes, then the right one at once
    client.post(reverse("mfa_verify"), {"code": "000000"})
    client.post(reverse("mfa_verify"), {"code": "000001"})
    right = client.post(
        reverse("mfa_verify"), {"code": mfa.fresh_code(device)}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then
    assert right.status_code == 200
    assert re.search(
        r"Too many wrong codes\. Wait \d+ seconds? before trying again\.", right.content.decode()
    )
    assert _events(bank.risk, "auth.mfa_verify")[-1] == (
        "denied",
        {"method": "totp", "throttled": True},
    )


@pytest.mark.django_db(transaction=True)
def test_a_required_role_without_an_authenticator_sets_one_up_first(client, bank, mailoutbox):
    # given: an analyst who has never set one up
    bank.analyst.email = "analyst@bank.example"
    bank.analyst.save(update_fields=["email"])
    assert not Authenticator.objects.filter(user=bank.analyst).exists()
    _password_step(client, bank.analyst)
    # when
    verify = client.get(reverse("mfa_verify") + "?next=/customers/")
    mailbox = client.get(verify["Location"], HTTP_ACCEPT_LANGUAGE="en")
    # then: first a code to the work e-mail address; no authenticator key is shown yet
    assert verify.status_code == 302
    assert verify["Location"] == reverse("mfa_enrol") + "?next=%2Fcustomers%2F"
    assert "a***@bank.example" in mailbox.content.decode()
    assert 'id="mfa-secret"' not in mailbox.content.decode()
    assert not Authenticator.objects.filter(user=bank.analyst).exists()
    # when: the code from the e-mail is entered
    confirmed = client.post(
        reverse("mfa_enrol"),
        {"code": mfa.enrolment_code(mailoutbox), "next": "/customers/"},
    )
    assert confirmed.status_code == 302
    enrol = client.get(confirmed["Location"], HTTP_ACCEPT_LANGUAGE="en")
    # then: a QR code drawn on the server as SVG, and the key to type
    body = enrol.content.decode()
    assert enrol.status_code == 200
    assert re.search(r'<div class="bk-qr[^"]*" id="mfa-qr"><svg [^>]*>', body)
    assert "<script>" not in body and "style=" not in body
    device = Authenticator.objects.get(user=bank.analyst)
    assert not device.confirmed
    secret = re.search(r'<code[^>]*id="mfa-secret">([A-Z2-7 ]+)</code>', body).group(1)
    from base64 import b32encode

    assert secret.replace(" ", "") == b32encode(device.bin_key).decode()
    # and a reload shows the same key
    assert secret in client.get(reverse("mfa_enrol")).content.decode()
    # when: a wrong code, then the code from the app
    wrong = client.post(reverse("mfa_enrol"), {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
    time.sleep(1.1)  # one wrong code: the next try waits a second (django-otp's throttling)
    done = client.post(
        reverse("mfa_enrol"),
        {"code": mfa.fresh_code(device), "next": "/customers/"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # then: on, with ten recovery codes shown once, and the pages open
    assert "This code does not match" in wrong.content.decode()
    assert done.status_code == 200
    codes = re.findall(
        r'<li class="col"><code class="fs-5">([a-z2-7]{8})</code></li>', done.content.decode()
    )
    assert len(codes) == 10
    device.refresh_from_db()
    assert device.confirmed
    assert sorted(
        RecoveryCode.objects.filter(device__user=bank.analyst).values_list("code", flat=True)
    ) == sorted(codes)
    assert client.get("/customers/").status_code == 200
    assert _events(bank.analyst, "auth.mfa_enrol") == [
        ("denied", {}),
        ("allowed", {"method": "totp", "replaced": False, "recovery_codes": 10}),
    ]
    assert _events(bank.analyst, "auth.mfa_enrol_code") == [
        ("allowed", {"sent": True}),
        ("allowed", {"checked": True}),
    ]


def _mailbox_step(client, staff):
    staff.email = "person@bank.example"
    staff.save(update_fields=["email"])
    _password_step(client, staff)
    return client.get(reverse("mfa_enrol"), HTTP_ACCEPT_LANGUAGE="en")


@pytest.mark.django_db(transaction=True)
def test_a_password_alone_cannot_set_up_the_first_authenticator(client, bank, mailoutbox):
    # given: someone with only the password of an account that never set one up
    page = _mailbox_step(client, bank.analyst)
    code = mfa.enrolment_code(mailoutbox)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    # when: they guess, and try to confirm an authenticator without the e-mailed code
    guesses = [
        client.post(reverse("mfa_enrol"), {"code": wrong}, HTTP_ACCEPT_LANGUAGE="en")
        for _ in range(ENROLMENT_CODE_TRIES)
    ]
    late = client.post(reverse("mfa_enrol"), {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    confirm = client.post(reverse("mfa_enrol"), {"code": "123456"}, HTTP_ACCEPT_LANGUAGE="en")
    # then: each guess is refused, and after five even the right code is refused
    assert 'id="mfa-mailbox-form"' in page.content.decode()
    assert all("set-up code is not right" in g.content.decode() for g in guesses)
    assert "Too many wrong set-up codes" in late.content.decode()
    assert 'id="mfa-mailbox-form"' in confirm.content.decode()
    assert not Authenticator.objects.filter(user=bank.analyst).exists()
    assert [o for o, _c in _events(bank.analyst, "auth.mfa_enrol_code")] == ["allowed"] + [
        "denied"
    ] * ENROLMENT_CODE_TRIES


def _age_code(client, seconds: int) -> dict:
    session = client.session
    sent = session[ENROL_CODE_SESSION_KEY]
    session[ENROL_CODE_SESSION_KEY] = {**sent, "sent_at": sent["sent_at"] - seconds}
    session.save()
    return sent


@pytest.mark.django_db(transaction=True)
def test_a_set_up_code_expires_after_fifteen_minutes(client, bank, mailoutbox):
    # given: the right code, but sent more than fifteen minutes ago
    _mailbox_step(client, bank.analyst)
    code = mfa.enrolment_code(mailoutbox)
    _age_code(client, 15 * 60 + 1)
    # when
    late = client.post(reverse("mfa_enrol"), {"code": code}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert "set-up code is not right or has expired" in late.content.decode()
    assert _events(bank.analyst, "auth.mfa_enrol_code")[-1] == (
        "denied",
        {"checked": True, "expired": True},
    )


def test_a_new_set_up_code_waits_a_minute(client, bank):
    # given: a code was sent just now
    _mailbox_step(client, bank.marketing)
    sent = client.session[ENROL_CODE_SESSION_KEY]
    # when: another is asked for at once
    again = client.post(reverse("mfa_enrol"), {"resend": "1"}, HTTP_ACCEPT_LANGUAGE="en")
    # then: refused with a wait, the same code stays
    assert again.status_code == 302
    notice = client.get(again["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "before asking for another" in notice
    assert client.session[ENROL_CODE_SESSION_KEY]["digest"] == sent["digest"]
    # when: a minute has passed, a new code is sent
    _age_code(client, 61)
    client.post(reverse("mfa_enrol"), {"resend": "1"})
    # then
    assert client.session[ENROL_CODE_SESSION_KEY]["digest"] != sent["digest"]
    assert DBTaskResult.objects.filter(task_path="bankcrm.org.tasks.staff_mail_send").count() == 2


def test_an_account_without_an_e_mail_address_cannot_set_one_up_alone(client, bank):
    # given
    bank.risk.email = ""
    bank.risk.save(update_fields=["email"])
    _password_step(client, bank.risk)
    # when
    page = client.get(reverse("mfa_enrol"), HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert 'id="mfa-mailbox-missing"' in page.content.decode()
    assert not Authenticator.objects.filter(user=bank.risk).exists()
    assert not DBTaskResult.objects.exists()


def test_second_factor_secrets_are_stored_encrypted(bank):
    # given
    device = mfa.enrol(bank.admin)
    codes = mfa_recovery_codes_create(staff=bank.admin, record=False)
    # when: the raw column values are read
    raw_key = _raw_values(Authenticator, "key")
    raw_codes = _raw_values(RecoveryCode, "code")
    # then: Fernet tokens under the field key, never the secret or a code
    assert len(raw_key) == 1 and raw_key[0] != device.key
    assert crypto.decrypt(raw_key[0]) == device.key
    assert len(raw_codes) == len(codes) == 10
    assert not set(raw_codes) & set(codes)
    assert sorted(crypto.decrypt(r) for r in raw_codes) == sorted(codes)


def _raw_values(model, name: str) -> list[str]:
    from django.db.models import TextField
    from django.db.models.functions import Cast

    return list(
        model.objects.annotate(raw=Cast(name, output_field=TextField())).values_list(
            "raw", flat=True
        )
    )


def test_a_password_alone_cannot_replace_an_existing_authenticator(client, bank):
    # given: the marketing login has an authenticator; someone has only the password
    device = mfa.enrol(bank.marketing)
    _password_step(client, bank.marketing)
    # when
    response = client.get(reverse("mfa_enrol"))
    posted = client.post(reverse("mfa_enrol"), {"code": "123456"})
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))
    assert posted.status_code == 302
    assert list(Authenticator.objects.filter(user=bank.marketing)) == [device]


def test_a_recovery_code_signs_in_once(client, bank):
    # given
    client.force_login(bank.admin)
    codes = re.findall(
        r"<code class=\"fs-5\">([a-z2-7]{8})</code>",
        client.post(reverse("mfa_recovery_codes")).content.decode(),
    )
    client.post(reverse("logout"))
    # when
    _password_step(client, bank.admin)
    first = client.post(reverse("mfa_verify"), {"code": codes[0].upper()})
    client.post(reverse("logout"))
    _password_step(client, bank.admin)
    again = client.post(reverse("mfa_verify"), {"code": codes[0]})
    # then
    assert len(codes) == 10
    assert first.status_code == 302
    assert again.status_code == 200
    assert RecoveryCode.objects.filter(device__user=bank.admin).count() == 9
    assert _events(bank.admin, "auth.mfa_verify") == [
        ("allowed", {"method": "recovery_code", "recovery_codes_left": 9}),
        ("denied", {"method": "recovery_code"}),
    ]


def test_new_recovery_codes_replace_the_old_ones(client, bank):
    # given
    client.force_login(bank.admin)
    old = re.findall(
        r"<code class=\"fs-5\">([a-z2-7]{8})</code>",
        client.post(reverse("mfa_recovery_codes")).content.decode(),
    )
    # when
    new = re.findall(
        r"<code class=\"fs-5\">([a-z2-7]{8})</code>",
        client.post(reverse("mfa_recovery_codes")).content.decode(),
    )
    # then
    assert set(
        RecoveryCode.objects.filter(device__user=bank.admin).values_list("code", flat=True)
    ) == set(new)
    assert not set(old) & set(new)
    assert RecoveryCodes.objects.filter(user=bank.admin).count() == 1


def test_a_service_agent_is_not_asked_until_they_turn_it_on(client, bank):
    # given
    login = _password_step(client, bank.agent)
    assert login["Location"] == "/"
    assert client.get("/").status_code == 200
    account = client.get(reverse("account"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Turn on" in account
    # when: they turn it on from their account page
    client.get(reverse("mfa_enrol"))
    device = Authenticator.objects.get(user=bank.agent)
    client.post(reverse("mfa_enrol"), {"code": mfa.fresh_code(device)})
    client.post(reverse("logout"))
    again = _password_step(client, bank.agent)
    # then: from now on they are asked too
    assert again["Location"] == reverse("mfa_verify") + "?next=%2F"
    assert client.get("/").status_code == 302


def test_a_verified_staff_member_may_replace_their_authenticator(client, bank):
    # given
    old = mfa.enrol(bank.rm)
    mfa.sign_in(client, bank.rm)
    # when
    page = client.get(reverse("mfa_enrol"), HTTP_ACCEPT_LANGUAGE="en")
    new = Authenticator.objects.get(user=bank.rm, confirmed=False)
    client.post(reverse("mfa_enrol"), {"code": mfa.fresh_code(new)})
    # then
    assert "Replace your authenticator" in page.content.decode()
    assert list(Authenticator.objects.filter(user=bank.rm)) == [new]
    assert not Authenticator.objects.filter(pk=old.pk).exists()


def test_an_administrator_resets_a_lost_authenticator(client, bank):
    # given: the RM signed in on another browser
    other = type(client)()
    mfa.sign_in(other, bank.rm)
    # when
    removed = mfa_reset(staff=bank.rm, actor=bank.admin)
    # then: no device, the session is over, and the next sign-in sets one up
    assert removed >= 1
    assert not Authenticator.objects.filter(user=bank.rm).exists()
    assert other.get("/").status_code == 302
    _password_step(client, bank.rm)
    assert client.get(reverse("mfa_verify"))["Location"].startswith(reverse("mfa_enrol"))
    event = AuditEvent.objects.get(action="auth.mfa_reset")
    assert event.actor == bank.admin and event.object_id == str(bank.rm.pk)


def test_api_tokens_are_not_asked_for_a_second_factor(client, bank):
    # given: a token of a relationship manager who has no authenticator
    _token, raw = api_token_create(staff=bank.rm, name="core banking")
    # when
    response = client.get("/api/v1/customers", HTTP_AUTHORIZATION=f"Bearer {raw}")
    # then
    assert response.status_code == 200


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_code_page_speaks_the_staff_language(client, bank, language):
    # given
    bank.rm.language = language
    bank.rm.save(update_fields=["language"])
    mfa.enrol(bank.rm)
    _password_step(client, bank.rm)
    # when
    body = client.get(reverse("mfa_verify")).content.decode()
    # then
    expected = {"en": "Enter your sign-in code", "zh-hans": "输入登录验证码"}[language]
    assert expected in body
