"""In a real headless Chromium: the customer opens the link from the invitation, switches to
English, answers, and the answer is on the results page of the case's branch manager.
Reuses tests/test_e2e_browser.py's browser fixture."""

import pytest
from django.test import Client
from playwright.sync_api import expect

from bankcrm.surveys.models import Survey
from tests import factories
from tests.surveys.support import link_of, request_survey
from tests.test_e2e_browser import chromium_page  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_the_customer_answers_in_english_and_the_manager_sees_it(
    live_server,
    transactional_db,
    chromium_page,  # noqa: F811
):
    # given
    page = chromium_page
    bank = factories.Bank()
    customer = factories.customer(actor=bank.rm, name="张三丰")
    survey = request_survey(bank, customer)
    # when: the customer opens the link, switches language and answers
    page.goto(live_server.url + link_of(survey))
    page.get_by_role("link", name="English").click()
    expect(page.get_by_text("How did we do?")).to_be_visible()
    page.locator("label[for=csat-4]").click()
    page.locator("label[for=nps-9]").click()
    page.fill("#survey-comment", "Quick and friendly.")
    page.click("#survey-submit")
    # then
    expect(page.locator("#survey-thanks")).to_be_visible()
    survey.refresh_from_db()
    assert (survey.status, survey.csat, survey.nps, survey.comment) == (
        "answered",
        4,
        9,
        "Quick and friendly.",
    )
    # and the branch manager's results count it, with the comment
    client = Client()
    client.force_login(bank.bj_manager)
    results = client.get("/surveys/")
    assert results.context["summary"].responses == 1
    assert "Quick and friendly." in results.content.decode()
    # the link answers once: opening it again says so
    page.goto(live_server.url + link_of(survey) + "?lang=en")
    expect(page.locator("#survey-closed")).to_have_attribute("data-state", "answered")
    assert Survey.objects.get(pk=survey.pk).csat == 4
