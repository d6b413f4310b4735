"""Case pages: rendering in both languages, the workflow through the page, filters, query
counts, and the scoping matrix (other branch, other RM, anonymous, role without permission)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bankcrm.org.roles import Role
from bankcrm.service.models import Case, CaseComment
from tests import factories
from tests.service.conftest import open_case


def _get(client, staff, url, **params):
    client.force_login(staff)
    return client.get(url, params)


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_the_pages_render_in_both_languages(client, bank, customer, complaint, language):
    # given
    bank.agent.language = language
    bank.agent.save()
    client.force_login(bank.agent)
    # when
    pages = {
        "list": client.get("/service/"),
        "case": client.get(f"/service/{complaint.pk}/"),
        "new": client.get("/service/new/", {"customer": customer.pk}),
        "dashboard": client.get("/service/dashboard/"),
    }
    # then
    assert {k: r.status_code for k, r in pages.items()} == dict.fromkeys(pages, 200)
    case_page = pages["case"].content.decode()
    assert complaint.number in case_page
    assert 'id="btn-acknowledge"' in case_page
    assert "knowledge/panel/?q=" in case_page  # the knowledge panel, loaded by htmx
    expected = "首次响应" if language == "zh-hans" else "First response"
    if language == "en":
        assert expected in case_page
    assert customer.number in pages["new"].content.decode()
    translation.activate("zh-hans")


def test_the_knowledge_panel_query_leaves_numbers_out_of_the_url(client, bank, customer):
    from urllib.parse import quote

    case = open_case(bank.agent, customer, subject="卡号6222021234567890123被盗刷 13800138000")
    client.force_login(bank.agent)
    page = client.get(f"/service/{case.pk}/").content.decode()
    assert f"knowledge/panel/?q={quote('卡号 被盗刷')}&amp;category={case.category_id}" in page
    assert "6222021234567890123" not in page.split("hx-get")[1].split(">")[0]


def test_opening_a_case_from_the_form(client, bank, customer):
    # given
    client.force_login(bank.rm)
    from bankcrm.service.models import Category

    category = Category.objects.get(code="account-loss")
    # when
    response = client.post(
        "/service/new/",
        {
            "customer_number": customer.number,
            "kind": "request",
            "channel": "counter",
            "category": category.pk,
            "priority": 3,
            "subject": "借记卡丢失，申请挂失",
            "description": "",
        },
    )
    # then
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/service/{case.pk}/"
    assert (case.customer, case.kind, case.priority, case.assignee) == (
        customer,
        "request",
        3,
        bank.agent,
    )
    assert case.number.startswith("CS")


def test_the_form_refuses_an_unknown_or_out_of_scope_customer(client, bank, customer):
    # given a customer of the other RM
    other = factories.customer(actor=bank.other_rm, rm=bank.other_rm)
    client.force_login(bank.rm)
    data = {
        "kind": "question",
        "channel": "phone",
        "category": 1,
        "priority": 2,
        "subject": "利率",
    }
    # when
    for number in (other.number, "999999999999"):
        response = client.post("/service/new/", {**data, "customer_number": number})
        # then: the same answer for both, nothing saved
        assert response.status_code == 200
        assert response.context["form"].errors["customer_number"]
    assert Case.objects.count() == 0


def test_a_complaint_worked_through_the_page(client, bank, customer, complaint):
    client.force_login(bank.agent)
    url = f"/service/{complaint.pk}/"

    def post(path, **data):
        complaint.refresh_from_db()
        return client.post(url + path, {"version": complaint.version, **data})

    assert post("transition/", action="acknowledge").status_code == 302
    post("comment/", visibility="customer", body="您好，我们已受理。")
    post("comment/", visibility="internal", body="已调取交易流水")
    post("escalate/", reason="金额较大")
    post("transition/", action="investigate")
    post("transition/", action="resolve", resolution="已全额退回")
    post("transition/", action="visit", visit_outcome="satisfied", visit_notes="满意")
    post("transition/", action="close")
    # then
    complaint.refresh_from_db()
    assert complaint.status == Case.Status.CLOSED
    assert complaint.escalation_level == 1
    assert list(complaint.comments.values_list("visibility", flat=True)) == [
        CaseComment.Visibility.CUSTOMER,
        CaseComment.Visibility.INTERNAL,
    ]
    page = client.get(url).content.decode()
    assert "已全额退回" in page
    assert 'id="case-survey"' in page  # the survey requested at closure


def test_a_stale_form_is_refused_with_a_message(client, bank, complaint):
    client.force_login(bank.agent)
    old = complaint.version
    client.post(f"/service/{complaint.pk}/transition/", {"action": "acknowledge", "version": old})
    # when the same (stale) form is sent again with another step
    response = client.post(
        f"/service/{complaint.pk}/transition/",
        {"action": "investigate", "version": old},
        follow=True,
    )
    # then
    assert Case.objects.get(pk=complaint.pk).status == Case.Status.ACKNOWLEDGED
    with translation.override("en"):
        assert any("Someone else changed" in str(m) for m in response.context["messages"])


def test_list_filters(client, bank, customer):
    # given
    fraud = open_case(bank.agent, customer)
    question = open_case(bank.agent, customer, kind="question", code="loan-mortgage", priority=1)
    client.force_login(bank.agent)

    def listed(**params):
        return [c.pk for c in client.get("/service/", params).context["cases"]]

    # then (the list shows cases not closed unless asked)
    assert listed() == [question.pk, fraud.pk]
    Case.objects.filter(pk=question.pk).update(status="closed")
    assert listed() == [fraud.pk]
    assert listed(status="all") == [question.pk, fraud.pk]
    assert listed(status="closed") == [question.pk]
    Case.objects.filter(pk=fraud.pk).update(status="resolved")
    assert listed() == [fraud.pk]
    assert listed(status="unresolved") == []
    Case.objects.filter(pk=fraud.pk).update(status="registered")
    Case.objects.filter(pk=question.pk).update(status="open")
    assert listed(kind="complaint") == [fraud.pk]
    from bankcrm.service.models import Category

    assert listed(category=Category.objects.get(code="loan").pk) == [question.pk]
    assert listed(priority=1) == [question.pk]
    assert listed(status="registered") == [fraud.pk]
    assert listed(sla="on_track") == [question.pk, fraud.pk]
    assert listed(sla="breached") == []
    assert listed(assignee=bank.agent.pk) == [question.pk, fraud.pk]
    assert listed(branch=bank.chaoyang.pk) == [question.pk, fraud.pk]
    assert listed(branch=bank.beijing.pk, kind="question") == [question.pk]
    assert listed(q=fraud.number) == [fraud.pk]


def test_the_list_costs_the_same_queries_for_more_cases(client, bank, customer):
    client.force_login(bank.agent)
    open_case(bank.agent, customer)
    client.get("/service/")
    with CaptureQueriesContext(connection) as few:
        client.get("/service/")
    for _ in range(10):
        open_case(bank.agent, customer, code="fees-sms")
    with CaptureQueriesContext(connection) as many:
        client.get("/service/")
    assert len(many) == len(few)


def test_the_case_page_costs_the_same_queries_with_more_history(client, bank, complaint):
    client.force_login(bank.agent)
    client.get(f"/service/{complaint.pk}/")
    with CaptureQueriesContext(connection) as few:
        client.get(f"/service/{complaint.pk}/")
    from bankcrm.service.services import case_comment_add

    for i in range(5):
        case_comment_add(actor=bank.agent, case=complaint, visibility="internal", body=f"n{i}")
    with CaptureQueriesContext(connection) as many:
        client.get(f"/service/{complaint.pk}/")
    assert len(many) == len(few)


# --- Scoping matrix ------------------------------------------------------------------------------


def _case_requests(case):
    base = f"/service/{case.pk}/"
    return [
        ("get", base, {}),
        ("post", base + "transition/", {"action": "acknowledge", "version": case.version}),
        ("post", base + "comment/", {"visibility": "internal", "body": "x"}),
        ("post", base + "escalate/", {"version": case.version, "reason": "x"}),
        ("post", base + "assign/", {"version": case.version, "assignee": case.assignee_id}),
        ("get", base + "attachments/1/", {}),
    ]


def _snapshot(case):
    return (
        Case.objects.filter(pk=case.pk).values().get(),
        case.events.count(),
        case.comments.count(),
    )


@pytest.mark.parametrize("stranger", ["sh_manager", "other_rm", "sh_rm"])
def test_out_of_scope_case_pages_answer_404_and_change_nothing(client, bank, complaint, stranger):
    # given
    client.force_login(getattr(bank, stranger))
    before = _snapshot(complaint)
    # when
    answers = {
        url: getattr(client, m)(url, data).status_code for m, url, data in _case_requests(complaint)
    }
    missing = client.get("/service/999999/").status_code
    # then
    assert set(answers.values()) == {404}
    assert missing == 404
    assert _snapshot(complaint) == before
    listed = client.get("/service/").context["cases"]
    assert complaint.pk not in [c.pk for c in listed]


def test_anonymous_callers_are_sent_to_sign_in(client, complaint):
    for method, url, data in _case_requests(complaint):
        response = getattr(client, method)(url, data)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/?next=")


def test_a_role_without_the_permission_is_refused(client, bank, complaint):
    # given marketing (no service permission) and the analyst (may read, not work)
    before = _snapshot(complaint)
    client.force_login(bank.marketing)
    assert client.get("/service/").status_code == 403
    assert client.get(f"/service/{complaint.pk}/").status_code == 403
    assert client.get("/service/dashboard/").status_code == 403
    client.force_login(bank.analyst)
    assert client.get(f"/service/{complaint.pk}/").status_code == 200
    refused = {
        url: getattr(client, m)(url, data).status_code
        for m, url, data in _case_requests(complaint)[1:5]
    }
    assert set(refused.values()) == {403}
    assert client.get("/service/new/").status_code == 403
    assert _snapshot(complaint) == before


def test_the_rm_sees_the_cases_of_their_customers_and_those_assigned_to_them(
    client, bank, customer, complaint
):
    # given a case of a customer of rm2 assigned to rm (a relationship manager can work cases)
    others = factories.customer(actor=bank.other_rm, rm=bank.other_rm)
    theirs = open_case(bank.other_rm, others, assignee=bank.rm)
    hidden = open_case(bank.other_rm, others)
    # when
    client.force_login(bank.rm)
    listed = [c.pk for c in client.get("/service/").context["cases"]]
    # then
    assert listed == [theirs.pk, complaint.pk]
    assert client.get(f"/service/{hidden.pk}/").status_code == 404


def test_the_customer_360_links_to_a_new_case_and_shows_cases_on_the_timeline(
    client, bank, customer, complaint
):
    client.force_login(bank.rm)
    page = client.get(f"/customers/{customer.pk}/").content.decode()
    assert f"/service/new/?customer={customer.pk}" in page
    from bankcrm.customers.timeline import customer_timeline

    entries = [e for e in customer_timeline(actor=bank.rm, customer=customer) if e.kind == "case"]
    assert [e.url for e in entries] == [f"/service/{complaint.pk}/"]
    assert complaint.number in entries[0].title
    # a role that cannot read cases sees no case on the timeline
    nobody = factories.staff(role=Role.MARKETING, branch=bank.head)
    assert [e for e in customer_timeline(actor=nobody, customer=customer) if e.kind == "case"] == []


def test_the_dashboard_counts_in_the_viewers_scope_with_constant_queries(client, bank, customer):
    # given a complaint in Beijing and one in Shanghai
    open_case(bank.agent, customer)
    sh_customer = factories.customer(actor=bank.sh_rm, rm=bank.sh_rm)
    open_case(bank.sh_rm, sh_customer, kind="request", code="fees-sms")
    client.force_login(bank.bj_manager)
    client.get("/service/dashboard/")
    # when
    with CaptureQueriesContext(connection) as first:
        board = client.get("/service/dashboard/").context["board"]
    for _ in range(5):
        open_case(bank.agent, customer, code="attitude-counter")
    with CaptureQueriesContext(connection) as second:
        more = client.get("/service/dashboard/").context["board"]
    # then
    assert board.open_total == 1
    assert more.open_total == 6
    assert [n for _name, n in more.top_complaint_categories] == [5, 1]
    assert len(second) == len(first)
    client.force_login(bank.admin)
    assert client.get("/service/dashboard/").context["board"].open_total == 7
