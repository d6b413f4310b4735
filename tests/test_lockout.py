"""Lockout (django-axes): after 10 failed sign-ins for one username from one address, that pair
is refused for a while, with one translated message whatever the account's existence. The
address is REMOTE_ADDR (or what the configured trusted proxies saw): a forged X-Forwarded-For
neither escapes the lockout nor locks anyone else out. Failures and lockouts are audited."""

import pytest
from django.urls import reverse

from bankcrm.audit.models import AuditEvent
from tests import mfa
from tests.factories import PASSWORD

LIMIT = 10


WRONG_PASSWORD = "wrong password here"


def _attempt(client, username, password=None, addr="10.1.1.1", **headers):
    return client.post(
        reverse("login"),
        {"username": username, "password": password or WRONG_PASSWORD},
        REMOTE_ADDR=addr,
        HTTP_ACCEPT_LANGUAGE=headers.pop("language", "en"),
        **headers,
    )


def test_the_limit_is_ten(settings):
    assert settings.AXES_FAILURE_LIMIT == LIMIT
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]


def test_ten_failures_lock_the_username_from_that_address(client, bank):
    # when: nine failures, then the tenth
    nine = [_attempt(client, "agent") for _ in range(LIMIT - 1)]
    tenth = _attempt(client, "agent")
    right_password = _attempt(client, "agent", PASSWORD)
    # then: the tenth is refused with the lockout message, and so is the right password
    assert {r.status_code for r in nine} == {200}
    assert "Please enter a correct" in nine[-1].content.decode()
    assert tenth.status_code == 429
    assert "Too many failed sign-in attempts from this computer" in tenth.content.decode()
    assert "30 minutes" in tenth.content.decode()
    assert right_password.status_code == 429
    assert "_auth_user_id" not in client.session
    outcomes = list(
        AuditEvent.objects.filter(action__in=["auth.login_failed", "auth.lockout"])
        .order_by("seq")
        .values_list("action", "actor_id", "outcome")
    )
    assert outcomes == (
        [("auth.login_failed", bank.agent.pk, "denied")] * (LIMIT - 1)
        + [("auth.lockout", bank.agent.pk, "denied")] * 2
    )


def test_nine_failures_then_the_right_password_signs_in_and_starts_the_count_again(client, bank):
    # given
    for _ in range(LIMIT - 1):
        _attempt(client, "agent")
    # when
    ok = _attempt(client, "agent", PASSWORD)
    client.post(reverse("logout"))
    more = [_attempt(client, "agent") for _ in range(LIMIT - 1)]
    # then
    assert ok.status_code == 302
    assert {r.status_code for r in more} == {200}


def test_a_forged_forwarded_for_header_does_not_escape_the_lockout(client, bank):
    # when: every attempt claims another client address
    responses = [
        _attempt(client, "agent", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") for n in range(LIMIT)
    ]
    # then
    assert responses[-1].status_code == 429
    assert _attempt(client, "agent", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == (
        429
    )


def test_a_forged_forwarded_for_header_does_not_lock_out_the_real_user(client, bank):
    # given: an attacker at 10.9.9.9 claims to be the agent's own address 10.1.1.1
    for _ in range(LIMIT + 2):
        _attempt(client, "agent", addr="10.9.9.9", HTTP_X_FORWARDED_FOR="10.1.1.1")
    # when: the agent signs in from 10.1.1.1
    response = _attempt(client, "agent", PASSWORD, addr="10.1.1.1")
    # then
    assert response.status_code == 302
    denied = AuditEvent.objects.filter(action="auth.lockout").values_list("ip", flat=True)
    assert set(denied) == {"10.9.9.9"}


def test_behind_a_trusted_proxy_the_address_it_saw_counts(client, bank, settings):
    # given: one reverse proxy (at 10.0.0.2) appends the address it saw to X-Forwarded-For
    settings.TRUSTED_PROXIES = 1
    for n in range(LIMIT):
        # the client forges a left-hand entry each time; the proxy appends 198.51.100.20
        _attempt(
            client,
            "agent",
            addr="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"203.0.113.{n}, 198.51.100.20",
        )
    # when
    same_client = _attempt(
        client, "agent", PASSWORD, addr="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.20"
    )
    other_client = _attempt(
        client, "agent", PASSWORD, addr="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.21"
    )
    # then
    assert same_client.status_code == 429
    assert other_client.status_code == 302
    assert (
        AuditEvent.objects.filter(action="auth.login", actor=bank.agent).get().ip == "198.51.100.21"
    )


def test_a_lockout_does_not_skip_the_second_factor_afterwards(client, bank):
    # given: an RM locked out from one address
    for _ in range(LIMIT):
        _attempt(client, "rm", addr="10.2.2.2")
    mfa.enrol(bank.rm)
    # when: the right password from their usual address
    response = _attempt(client, "rm", PASSWORD, addr="10.1.1.1")
    # then: the password step passes, the code is still owed
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("mfa_verify"))


@pytest.mark.parametrize(
    ("language", "text"),
    [("en", "Too many failed sign-in attempts"), ("zh-hans", "登录失败次数过多")],
)
def test_the_lockout_message_is_translated(client, bank, language, text):
    # when
    for _ in range(LIMIT):
        response = _attempt(client, "agent", language=language)
    # then
    assert response.status_code == 429
    assert text in response.content.decode()
