"""The satisfaction pages and API: scoping (other branch, other RM, roles without the right),
constant queries, and answered surveys on the customer 360 timeline."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bankcrm.customers.timeline import customer_timeline
from tests import factories
from tests.api_support import Api
from tests.surveys.support import answered, request_survey


@pytest.fixture
def answered_survey(bank, customer):
    return answered(bank, csat=4, nps=9, at=timezone.now(), customer=customer, comment="柜员很耐心")


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("bj_manager", 200),
        ("rm", 200),
        ("agent", 200),
        ("analyst", 200),
        ("sh_manager", 404),
        ("other_rm", 404),
        ("marketing", 403),
        ("risk", 403),
    ],
)
def test_a_survey_page_is_scoped(client, bank, answered_survey, who, status):
    # given
    client.force_login(getattr(bank, who))
    # when
    response = client.get(f"/surveys/{answered_survey.pk}/")
    # then
    assert response.status_code == status
    if status == 200:
        assert "柜员很耐心" in response.content.decode()


def test_the_results_page_shows_the_viewers_figures_and_comments(client, bank, answered_survey):
    # given
    answered(
        bank,
        csat=1,
        nps=0,
        at=timezone.now(),
        customer=factories.customer(actor=bank.sh_rm),
        comment="上海的意见",
    )
    client.force_login(bank.bj_manager)
    # when
    response = client.get("/surveys/")
    # then
    page = response.content.decode()
    assert response.status_code == 200
    assert response.context["summary"].responses == 1
    assert "柜员很耐心" in page
    assert "上海的意见" not in page
    assert 'id="survey-charts"' in page
    assert "<script>" not in page


def test_the_results_page_for_another_branch_shows_none_of_it(client, bank, answered_survey):
    # given
    client.force_login(bank.sh_manager)
    # when
    response = client.get("/surveys/?months=3")
    # then
    assert response.context["summary"].responses == 0
    assert "柜员很耐心" not in response.content.decode()
    assert response.context["months"] == 3


def test_the_results_and_list_pages_cost_the_same_queries_for_more_surveys(client, bank):
    # given
    client.force_login(bank.bj_manager)
    for _ in range(2):
        answered(bank, csat=5, nps=10, at=timezone.now(), comment="好")
    client.get("/surveys/")
    with CaptureQueriesContext(connection) as few_results:
        client.get("/surveys/")
    with CaptureQueriesContext(connection) as few_list:
        client.get("/surveys/list/")
    other_agent = factories.staff(role="service_agent", branch=bank.beijing)
    for n in range(10):
        answered(
            bank, csat=n % 5 + 1, nps=n, at=timezone.now(), comment=f"意见{n}", staff=other_agent
        )
    # when
    with CaptureQueriesContext(connection) as many_results:
        client.get("/surveys/")
    with CaptureQueriesContext(connection) as many_list:
        client.get("/surveys/list/")
    # then
    assert len(many_results) == len(few_results)
    assert len(many_list) == len(few_list)


def test_the_list_pages_by_cursor(client, bank):
    # given
    client.force_login(bank.bj_manager)
    surveys = [answered(bank, csat=5, nps=10, at=timezone.now()) for _ in range(3)]
    from bankcrm.surveys import selectors

    # when
    first, cursor = selectors.survey_page(actor=bank.bj_manager, size=2)
    second, end = selectors.survey_page(actor=bank.bj_manager, size=2, after=cursor)
    # then
    assert [s.pk for s in first + second] == [s.pk for s in reversed(surveys)]
    assert end is None


def test_the_api_lists_the_callers_surveys_with_a_cursor(bank, customer, answered_survey):
    # given
    second = request_survey(bank, customer, about_id=77)
    answered(bank, csat=2, nps=2, at=timezone.now(), customer=factories.customer(actor=bank.sh_rm))
    api = Api(bank.bj_manager)
    # when
    first_page = api.get("/surveys", {"limit": 1}).json()
    next_page = api.get("/surveys", {"limit": 1, "cursor": first_page["next_cursor"]}).json()
    by_case = api.get("/surveys", {"about_type": "case", "about_id": 77}).json()
    # then
    assert [s["id"] for s in first_page["items"]] == [second.pk]
    assert [s["id"] for s in next_page["items"]] == [answered_survey.pk]
    assert next_page["next_cursor"] is None
    item = next_page["items"][0]
    assert (item["csat"], item["nps"], item["comment"], item["status"]) == (
        4,
        9,
        "柜员很耐心",
        "answered",
    )
    assert item["staff"] == {"id": bank.agent.pk, "display_name": bank.agent.display_name}
    assert [s["id"] for s in by_case["items"]] == [second.pk]
    assert by_case["items"][0]["message_status"] == "suppressed"


@pytest.mark.parametrize(("who", "status"), [("sh_manager", 404), ("other_rm", 404), ("rm", 200)])
def test_the_api_answers_404_out_of_scope(bank, answered_survey, who, status):
    # when
    response = Api(getattr(bank, who)).get(f"/surveys/{answered_survey.pk}")
    # then
    assert response.status_code == status


def test_an_answered_survey_is_on_the_timeline(bank, customer, answered_survey):
    # given: one survey still waiting for an answer (not on the timeline)
    request_survey(bank, customer, about_id=99)
    # when
    with translation.override("en"):
        entries = [
            e for e in customer_timeline(actor=bank.rm, customer=customer) if e.kind == "survey"
        ]
    # then
    assert [(e.title, e.detail, e.url) for e in entries] == [
        ("Survey answered: CSAT 4/5 · NPS 9/10", "柜员很耐心", f"/surveys/{answered_survey.pk}/")
    ]
    assert not [
        e for e in customer_timeline(actor=bank.marketing, customer=customer) if e.kind == "survey"
    ]


def test_a_survey_past_its_date_reads_as_expired_before_it_is_marked(bank, customer):
    # given: one survey whose link ran out an hour ago (not yet marked), one still open
    from datetime import timedelta

    from bankcrm.surveys.models import Survey

    late = request_survey(bank, customer, about_id=1)
    request_survey(bank, customer, about_id=2)
    Survey.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    api = Api(bank.bj_manager)
    # when
    expired = api.get("/surveys", {"status": "expired"}).json()["items"]
    sent = api.get("/surveys", {"status": "sent"}).json()["items"]
    # then
    assert [(s["about_id"], s["status"]) for s in expired] == [(1, "expired")]
    assert [(s["about_id"], s["status"]) for s in sent] == [(2, "sent")]


def test_expire_surveys_marks_them(bank, customer):
    # given
    from datetime import timedelta
    from io import StringIO

    from django.core.management import call_command

    from bankcrm.surveys.models import Survey

    late = request_survey(bank, customer, about_id=1)
    Survey.objects.filter(pk=late.pk).update(expires_at=timezone.now() - timedelta(hours=1))
    out = StringIO()
    # when
    call_command("expire_surveys", stdout=out)
    # then
    assert out.getvalue().strip() == "1 surveys expired"
    late.refresh_from_db()
    assert late.status == "expired"
