"""Personal data never reaches the logs: error reports hide request bodies, query strings and
local variables; request logging names the path only. (The session-wide log scan is in
tests/log_guard.py.)"""

import logging
import sys

import pytest
from django.core import mail
from django.test import RequestFactory
from django.utils.log import AdminEmailHandler

from tests.log_guard import LogGuard, leaks, variants

MOBILE, ID_NUMBER = "13800138000", "11010519491231002X"


def _failing_service(mobile: str) -> None:
    id_number = ID_NUMBER  # noqa: F841 - a local variable a traceback report could show
    raise RuntimeError("the service failed")


def _error_record(request) -> logging.LogRecord:
    try:
        _failing_service(MOBILE)
    except RuntimeError:
        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "django.request",
        logging.ERROR,
        __file__,
        1,
        "Internal Server Error: %s",
        (request.path,),
        exc_info,
    )
    record.request = request
    record.status_code = 500
    return record


@pytest.mark.parametrize("include_html", [False, True])
def test_error_emails_hide_post_bodies_query_strings_and_local_variables(settings, include_html):
    # given: an error while handling a POST with personal data in the body and the query string
    settings.ADMINS = [("Ops", "ops@bank.example")]
    request = RequestFactory().post(
        f"/customers/1/edit/?q={MOBILE}", {"mobile": MOBILE, "id_number": ID_NUMBER}
    )
    # when
    AdminEmailHandler(include_html=include_html).emit(_error_record(request))
    # then
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    texts = [message.subject, message.body] + [body for body, _type in message.alternatives]
    for text in texts:
        assert MOBILE not in text and ID_NUMBER not in text
    assert "RuntimeError" in message.body
    assert "_failing_service" in message.body
    assert "mobile" in message.body  # the parameter's name stays, its value is hidden


def test_request_logging_names_the_path_never_the_body(client, bank, caplog):
    # given
    client.force_login(bank.rm)
    # when: a refused POST (422) and a missing page (404) with personal data in the request
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.post(
            "/api/v1/customers",
            data={"name": "张三", "id_type": "resident_id", "id_number": ID_NUMBER, "mobile": "x"},
            content_type="application/json",
        )
        client.post("/customers/999999/edit/", {"mobile": MOBILE})
    # then
    logged = caplog.text
    assert "/customers/999999/edit/" in logged
    assert MOBILE not in logged and ID_NUMBER not in logged


def test_the_log_guard_finds_a_seeded_value_in_any_spelling():
    # given
    guard = LogGuard()
    guard.seeded |= variants("+8613800138000") | variants(ID_NUMBER) | variants("E1234")
    logger = logging.getLogger("tests.log_guard_probe")
    logger.addHandler(guard.handler)
    logger.propagate = False
    try:
        # when
        logger.warning("search for %s", MOBILE)
        logger.warning("customer %s saved", 42)
    finally:
        logger.removeHandler(guard.handler)
        logger.propagate = True
    # then
    assert leaks(guard.handler.messages, guard.seeded) == [
        (MOBILE, "tests.log_guard_probe WARNING search for 13800138000")
    ]
    assert guard.seeded == {"+8613800138000", MOBILE, ID_NUMBER}
