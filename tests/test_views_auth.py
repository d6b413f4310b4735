"""Sign-in, sign-out and the language switch of the staff UI."""

import re

import pytest
from django.urls import reverse

from bankcrm.audit.models import AuditEvent
from tests.factories import PASSWORD


def _login_error(response) -> str:
    match = re.search(
        r'<div class="alert alert-danger[^"]*" role="alert">(.*?)</div>',
        response.content.decode(),
        re.S,
    )
    return match.group(1).strip() if match else ""


def test_login_page_renders_a_username_and_password_form(client, db):
    # when
    response = client.get(reverse("login"))
    # then
    assert response.status_code == 200
    body = response.content.decode()
    assert 'name="username"' in body
    assert 'name="password"' in body


def test_signing_in_leads_to_the_workbench(client, bank):
    # given: a service agent (no second factor needed; tests/test_mfa.py has the others)
    # when
    response = client.post(reverse("login"), {"username": "agent", "password": PASSWORD})
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("workbench")
    assert client.get(reverse("workbench")).status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_answer(client, bank):
    # when
    wrong_password = client.post(
        reverse("login"), {"username": "rm", "password": "wrong-one"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    unknown_user = client.post(
        reverse("login"), {"username": "nobody", "password": "wrong-one"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    # then
    assert wrong_password.status_code == unknown_user.status_code == 200
    assert _login_error(wrong_password) == _login_error(unknown_user)
    assert "Please enter a correct" in _login_error(wrong_password)


@pytest.mark.parametrize(
    "url",
    ["/", "/customers/", "/customers/new/"],
)
def test_pages_ask_anonymous_visitors_to_sign_in(client, db, url):
    # when
    response = client.get(url)
    # then
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")


def test_customer_pages_ask_anonymous_visitors_to_sign_in(client, customer):
    # when
    detail = client.get(reverse("customers:detail", args=[customer.pk]))
    reveal = client.post(
        reverse("customers:reveal", args=[customer.pk]), {"field": "mobile", "reason": "check"}
    )
    # then
    assert detail.status_code == 302
    assert reveal.status_code == 302
    assert "+8613800138000" not in reveal.content.decode()


def test_logout_is_a_post_and_ends_the_session_on_the_server(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    as_get = client.get(reverse("logout"))
    as_post = client.post(reverse("logout"))
    # then
    assert as_get.status_code == 405
    assert as_post.status_code == 302
    assert as_post["Location"] == reverse("login")
    assert client.get(reverse("workbench")).status_code == 302


def test_language_switch_keeps_the_choice_on_the_staff_record(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(
        reverse("language"), {"language": "zh-hans", "next": reverse("customers:list")}
    )
    # then
    assert response.status_code == 302
    assert response["Location"] == reverse("customers:list")
    bank.rm.refresh_from_db()
    assert bank.rm.language == "zh-hans"
    assert AuditEvent.objects.filter(actor=bank.rm, action="staff.language").count() == 1
    page = client.get(reverse("workbench"))
    assert '<html lang="zh-hans">' in page.content.decode()
    assert page.headers["Content-Language"] == "zh-hans"


def test_language_switch_back_to_english(client, bank):
    # given
    bank.rm.language = "zh-hans"
    bank.rm.save()
    client.force_login(bank.rm)
    # when
    client.post(reverse("language"), {"language": "en"})
    # then
    bank.rm.refresh_from_db()
    assert bank.rm.language == "en"
    assert '<html lang="en">' in client.get(reverse("workbench")).content.decode()


def test_language_switch_refuses_an_unknown_language_and_a_foreign_next(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    unknown = client.post(reverse("language"), {"language": "fr"})
    foreign = client.post(
        reverse("language"), {"language": "en", "next": "https://evil.example/phish"}
    )
    # then
    assert unknown.status_code == 400
    bank.rm.refresh_from_db()
    assert bank.rm.language == "en"
    assert foreign.status_code == 302
    assert foreign["Location"] == reverse("workbench")


def test_language_switch_is_post_only(client, bank):
    # given
    client.force_login(bank.rm)
    # when
    response = client.get(reverse("language") + "?language=zh-hans")
    # then
    assert response.status_code == 405
    bank.rm.refresh_from_db()
    assert bank.rm.language == "en"
