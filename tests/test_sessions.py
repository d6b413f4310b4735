"""Staff sessions end after the idle timeout: pages go to sign-in, the API answers 401."""

import time


def _age_session(client, seconds: int) -> None:
    session = client.session
    session["last_seen"] = int(time.time()) - seconds
    session.save()


def test_an_idle_session_ends_and_pages_ask_to_sign_in_again(client, bank, settings):
    # given
    client.force_login(bank.rm)
    assert client.get("/customers/").status_code == 200
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)
    # when
    response = client.get("/customers/")
    # then
    assert response.status_code == 302
    assert response.url.startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_an_idle_session_gets_401_from_the_api(client, bank, settings):
    client.force_login(bank.rm)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/api/v1/customers")
    assert response.status_code == 401


def test_an_idle_htmx_request_is_sent_to_sign_in(client, bank, settings):
    client.force_login(bank.rm)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT + 5)
    response = client.get("/customers/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"] == "/login/"


def test_an_active_session_stays(client, bank, settings):
    client.force_login(bank.rm)
    _age_session(client, settings.SESSION_IDLE_TIMEOUT - 60)
    assert client.get("/customers/").status_code == 200
    assert client.session["last_seen"] >= int(time.time()) - 2
