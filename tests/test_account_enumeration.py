"""Sign-in, its lockout and password reset answer exactly the same whether the account exists
or not (and whether it is active), so the pages cannot be used to find out who works at the
bank. Staff cannot register themselves (administrators create staff accounts): there is no
registration page to test."""

import re

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from tests.factories import PASSWORD
from tests.worker import run_worker

# A masked CSRF token (in the form, and in the htmx headers): 64 letters and digits.
CSRF_TOKEN = re.compile(r"\b[A-Za-z0-9]{64}\b")


def _normalised(response, username: str) -> str:
    body = CSRF_TOKEN.sub("CSRF", response.content.decode())
    return body.replace(f'value="{username}"', 'value="USERNAME"')


@pytest.fixture
def inactive(bank):
    bank.other_rm.is_active = False
    bank.other_rm.save(update_fields=["is_active"])
    return bank.other_rm


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_sign_in_answers_the_same_for_existing_missing_and_inactive_accounts(
    client, bank, inactive, language
):
    # given: a wrong password for a real account, any password for a missing one, the right
    # password for a disabled one
    attempts = {
        "existing": ("rm", "not-the-password"),
        "missing": ("nobody-here", "not-the-password"),
        "inactive": (inactive.username, PASSWORD),
    }
    # when
    responses = {
        name: client.post(
            reverse("login"),
            {"username": username, "password": password},
            HTTP_ACCEPT_LANGUAGE=language,
        )
        for name, (username, password) in attempts.items()
    }
    # then
    statuses = {name: r.status_code for name, r in responses.items()}
    assert statuses == {"existing": 200, "missing": 200, "inactive": 200}
    bodies = {name: _normalised(r, attempts[name][0]) for name, r in responses.items()}
    assert bodies["existing"] == bodies["missing"] == bodies["inactive"]
    headers = {
        name: sorted(k for k in r.headers if k.lower() not in {"content-length"})
        for name, r in responses.items()
    }
    assert headers["existing"] == headers["missing"] == headers["inactive"]
    assert not client.session.get("_auth_user_id")


def _same_answers(responses: dict, usernames: dict) -> None:
    statuses = {name: r.status_code for name, r in responses.items()}
    assert len(set(statuses.values())) == 1, statuses
    bodies = {name: _normalised(r, usernames[name]) for name, r in responses.items()}
    assert len(set(bodies.values())) == 1
    headers = {
        name: sorted(k for k in r.headers if k.lower() not in {"content-length"})
        for name, r in responses.items()
    }
    assert len({tuple(h) for h in headers.values()}) == 1


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_lockout_answers_the_same_for_existing_missing_and_inactive_accounts(
    client, bank, inactive, language
):
    # given: ten failures for each
    usernames = {"existing": "rm", "missing": "nobody-here", "inactive": inactive.username}
    # when
    responses = {}
    for name, username in usernames.items():
        for _ in range(10):
            responses[name] = client.post(
                reverse("login"),
                {"username": username, "password": "not-the-password"},
                HTTP_ACCEPT_LANGUAGE=language,
            )
    # then
    assert responses["existing"].status_code == 429
    _same_answers(responses, usernames)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_password_reset_answers_the_same_for_existing_missing_and_inactive_accounts(
    client, bank, inactive, mailoutbox, language
):
    # given
    bank.rm.email = "rm@bank.example"
    bank.rm.save(update_fields=["email"])
    inactive.email = "gone@bank.example"
    inactive.save(update_fields=["email"])
    addresses = {
        "existing": "rm@bank.example",
        "missing": "nobody@bank.example",
        "inactive": "gone@bank.example",
    }
    # when
    responses = {
        name: client.post(
            reverse("password_reset"), {"email": address}, HTTP_ACCEPT_LANGUAGE=language
        )
        for name, address in addresses.items()
    }
    pages = {
        name: client.get(r["Location"], HTTP_ACCEPT_LANGUAGE=language)
        for name, r in responses.items()
    }
    # then: the same redirect and the same page; one message, to the real active account
    assert {r.status_code for r in responses.values()} == {302}
    assert {r["Location"] for r in responses.values()} == {reverse("password_reset_done")}
    _same_answers(pages, {name: "" for name in pages})
    # and each answer queued the same single task, whatever the address; nothing was sent yet
    assert mailoutbox == []
    assert [r.task_path for r in DBTaskResult.objects.order_by("enqueued_at")] == [
        "bankcrm.org.tasks.password_reset_send"
    ] * 3
    # and, once the worker has run, one message went, to the real active account
    run_worker()
    assert [m.to for m in mailoutbox] == [["rm@bank.example"]]
