"""The customer's answer page: no sign-in, bilingual, one answer, clear pages otherwise."""

import re
from datetime import timedelta

from django.test import Client
from django.utils import timezone, translation
from django.utils.translation import gettext

from bankcrm.surveys.models import Survey
from tests.surveys.support import link_of, request_survey


def _in(language: str, msgid: str) -> str:
    """The text as the page shows it in `language` (the Chinese catalogue may lag behind)."""
    with translation.override(language):
        return gettext(msgid)


def _client() -> Client:
    return Client(enforce_csrf_checks=True)


def _csrf(client: Client, url: str) -> str:
    page = client.get(url).content.decode()
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)


def test_the_page_opens_without_signing_in_in_the_surveys_language(bank, customer):
    # given
    survey = request_survey(bank, customer)
    url = link_of(survey)
    # when
    chinese = Client().get(url)
    english = Client().get(url + "?lang=en")
    # then
    assert chinese.status_code == english.status_code == 200
    assert '<html lang="zh-hans">' in chinese.content.decode()
    question = "How satisfied are you with how we handled your request?"
    assert 'id="survey-form"' in chinese.content.decode()
    assert _in("zh-hans", question) in chinese.content.decode()
    assert "How satisfied are you with how we handled your request?" in english.content.decode()
    assert 'href="?lang=zh-hans"' in english.content.decode()
    assert "no-store" in chinese["Cache-Control"]
    assert "script-src 'self'" in chinese["Content-Security-Policy"]
    assert "<script" not in chinese.content.decode()
    assert " style=" not in chinese.content.decode()
    assert customer.name not in chinese.content.decode()


def test_an_answer_is_taken_once(bank, customer):
    # given
    survey = request_survey(bank, customer)
    url = link_of(survey)
    client = _client()
    token = _csrf(client, url)
    # when
    first = client.post(
        url, {"csrfmiddlewaretoken": token, "csat": "5", "nps": "10", "comment": "很满意"}
    )
    second = client.post(url + "?lang=en", {"csrfmiddlewaretoken": token, "csat": "1", "nps": "0"})
    # then
    assert first.status_code == 200
    assert _in("zh-hans", "Thank you for your answer") in first.content.decode()
    assert second.status_code == 200
    assert "This survey has already been answered" in second.content.decode()
    survey.refresh_from_db()
    assert (survey.status, survey.csat, survey.nps, survey.comment) == ("answered", 5, 10, "很满意")


def test_a_post_without_the_csrf_token_is_refused(bank, customer):
    # given
    survey = request_survey(bank, customer)
    # when
    response = _client().post(link_of(survey), {"csat": "5", "nps": "10"})
    # then
    assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.status == "sent"


def test_a_missing_score_keeps_the_input_and_says_so(bank, customer):
    # given
    survey = request_survey(bank, customer)
    url = link_of(survey)
    client = _client()
    token = _csrf(client, url + "?lang=en")
    # when
    response = client.post(
        url, {"csrfmiddlewaretoken": token, "csat": "4", "comment": "慢", "lang": "en"}
    )
    # then
    page = response.content.decode()
    assert response.status_code == 400
    assert "Please answer both questions." in page
    assert 'id="csat-4" value="4" checked' in page
    assert ">慢</textarea>" in page
    survey.refresh_from_db()
    assert survey.status == "sent"


def test_unknown_expired_and_malformed_links_get_a_clear_page(bank, customer):
    # given
    expired = request_survey(bank, customer, about_id=1)
    Survey.objects.filter(pk=expired.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    # when
    unknown = Client().get("/surveys/r/abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG/?lang=en")
    malformed = Client().get("/surveys/r/" + "x" * 300 + "/?lang=en")
    gone = Client().get(link_of(expired) + "?lang=en")
    # then
    assert (unknown.status_code, malformed.status_code, gone.status_code) == (404, 404, 410)
    assert "This link is not valid" in unknown.content.decode()
    assert unknown.content == malformed.content
    assert "This survey has closed" in gone.content.decode()
    expired.refresh_from_db()
    assert expired.status == "expired"
