"""Passwords: Argon2 in the real settings, 12+ characters checked against a common-password
list and no composition rules; the staff password-change page; password reset by e-mail
(through a real SMTP server on loopback too)."""

import re
import socket
import subprocess
import sys

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from bankcrm.audit.models import AuditEvent
from tests import mfa
from tests.factories import PASSWORD
from tests.test_settings import _bankcrm, _production_env
from tests.worker import run_worker


def test_the_real_settings_hash_new_passwords_with_argon2():
    # given: the local and the production settings (the test settings use a fast hasher)
    code = (
        "from django.contrib.auth.hashers import get_hasher, make_password; "
        "print(get_hasher().algorithm, make_password('x' * 12).split('$')[0])"
    )
    env = _production_env()
    # when
    production = _bankcrm("shell", "-v0", "-c", code, env=env)
    local = subprocess.run(  # noqa: S603 - our own command
        [sys.executable, "-m", "bankcrm.manage", "shell", "-v0", "-c", code],
        env={**env, "DJANGO_SETTINGS_MODULE": "bankcrm.config.settings", "DATABASE_URL": ""},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    # then
    assert production.stdout.split() == ["argon2", "argon2"], production.stderr
    assert local.stdout.split() == ["argon2", "argon2"], local.stderr


def test_argon2_hashes_verify_and_older_hashes_still_work(settings):
    # given
    from bankcrm.config import settings as real

    settings.PASSWORD_HASHERS = real.PASSWORD_HASHERS
    # when
    encoded = make_password("a long enough passphrase")
    # then
    assert identify_hasher(encoded).algorithm == "argon2"
    assert encoded.startswith("argon2$argon2id$")
    assert check_password("a long enough passphrase", encoded)
    legacy = make_password("a long enough passphrase", hasher="pbkdf2_sha256")
    assert check_password("a long enough passphrase", legacy)


@pytest.mark.parametrize(
    ("password", "accepted"),
    [
        ("short pass1", False),  # 11 characters
        ("qwerty123456", False),  # on the common-password list
        ("1q2w3e4r5t6y", False),
        ("correct horse battery staple", True),  # lower case and spaces: no composition rules
        ("我的密码是一句很长的话啊", True),  # twelve Chinese characters
    ],
)
def test_length_and_common_passwords_no_composition_rules(bank, password, accepted):
    # when / then
    if accepted:
        validate_password(password, user=bank.agent)
    else:
        with pytest.raises(ValidationError):
            validate_password(password, user=bank.agent)


def test_a_staff_member_changes_their_password_and_other_sessions_end(client, bank):
    # given: the agent is signed in here and on another browser
    other = type(client)()
    other.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    # when: a too-short one first, then a good one
    short = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    done = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a brand new passphrase",
            "new_password2": "a brand new passphrase",
        },
    )
    # then
    assert short.status_code == 200
    assert "This password is too short" in short.content.decode()
    assert done.status_code == 302 and done["Location"] == reverse("account")
    bank.agent.refresh_from_db()
    assert bank.agent.check_password("a brand new passphrase")
    assert client.get("/").status_code == 200
    assert other.get("/").status_code == 302
    event = AuditEvent.objects.get(action="auth.password_change")
    assert event.actor == bank.agent and event.changes == {"sessions_ended": 1}


def _reset_link(body: str) -> str:
    return re.search(r"https?://[^/\s]+(/password-reset/[^/\s]+/[^/\s]+/)", body).group(1)


@pytest.mark.django_db(transaction=True)
def test_password_reset_by_e_mail_sets_a_new_password_and_keeps_the_second_factor(
    client, bank, mailoutbox
):
    # given
    bank.rm.email = "rm@bank.example"
    bank.rm.save(update_fields=["email"])
    device = mfa.enrol(bank.rm)
    elsewhere = type(client)()
    mfa.sign_in(elsewhere, bank.rm)
    # when
    client.post(reverse("password_reset"), {"email": "RM@bank.example"})
    assert mailoutbox == []  # the page only queues the message; the worker sends it
    run_worker()
    link = _reset_link(mailoutbox[0].body)
    form = client.get(link, follow=True)
    posted = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fresh long passphrase", "new_password2": "a fresh long passphrase"},
    )
    again = client.get(link, follow=True)
    login = client.post(reverse("login"), {"username": "rm", "password": "a fresh long passphrase"})
    # then: the token leaves the URL at once, works once; sessions elsewhere end; the second
    # factor is still asked
    assert form.redirect_chain[-1][0].endswith("/set-password/")
    assert posted.status_code == 302 and posted["Location"] == reverse("password_reset_complete")
    assert again.context["validlink"] is False
    assert elsewhere.get("/").status_code == 302
    assert login["Location"].startswith(reverse("mfa_verify"))
    assert client.post(reverse("mfa_verify"), {"code": mfa.fresh_code(device)}).status_code == 302
    actions = list(
        AuditEvent.objects.filter(actor=bank.rm, action__startswith="auth.password_reset")
        .order_by("seq")
        .values_list("action", flat=True)
    )
    assert actions == ["auth.password_reset_request", "auth.password_reset"]


@pytest.fixture
def smtp_server():
    """A real SMTP server on loopback (aiosmtpd) that keeps what it receives."""
    from aiosmtpd.controller import Controller

    received: list[tuple[list[str], str]] = []

    class Keep:
        async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
            received.append((envelope.rcpt_tos, envelope.content.decode("utf-8", "replace")))
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()


@pytest.mark.django_db(transaction=True)
def test_the_reset_message_goes_through_smtp(client, bank, settings, smtp_server):
    # given
    port, received = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    bank.agent.email = "agent@bank.example"
    bank.agent.save(update_fields=["email"])
    # when
    client.post(reverse("password_reset"), {"email": "agent@bank.example"})
    client.post(reverse("password_reset"), {"email": "nobody@bank.example"})
    run_worker()
    # then
    assert [to for to, _body in received] == [["agent@bank.example"]]
    assert "/password-reset/" in received[0][1]
