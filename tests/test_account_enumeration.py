"""Sign-in answers exactly the same whether the account exists or not (and whether it is active),
so the page cannot be used to find out who works at the bank. Password reset and registration
do not exist yet; when they are added, they get the same test."""

import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD

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
