"""A complaint in a real headless Chromium: an agent opens it, escalates it, resolves it,
records the return visit and closes it. Needs /usr/bin/chromium (skipped without it unless
BANKCRM_REQUIRE_BROWSER=1), like tests/test_e2e_browser.py, whose browser fixture this reuses."""

import pytest
from playwright.sync_api import expect

from bankcrm.service.models import Case, Category
from bankcrm.surveys.models import Survey
from tests import factories
from tests.segments.test_e2e_builder import sign_in
from tests.test_e2e_browser import chromium_page  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_an_agent_takes_a_complaint_from_registration_to_closure(
    live_server,
    transactional_db,
    chromium_page,  # noqa: F811
):
    # given a customer of the Chaoyang sub-branch and the Beijing service agent
    bank = factories.Bank()
    customer = factories.customer(actor=bank.rm, name="张三丰")
    fraud = Category.objects.get(code="card-fraud")
    page = chromium_page
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, bank.agent)

    # when: the complaint is opened from the customer's page
    page.goto(f"{base}/customers/{customer.pk}/")
    page.click("#new-case")
    page.select_option("select[name=kind]", "complaint")
    page.select_option("select[name=channel]", "phone")
    page.select_option("select[name=category]", str(fraud.pk))
    page.fill("input[name=subject]", "信用卡境外盗刷")
    page.fill("textarea[name=description]", "客户称昨晚三笔境外消费非本人所为。")
    page.click("#case-submit")
    page.wait_for_selector("#case-header")
    case = Case.objects.get()
    assert page.url == f"{base}/service/{case.pk}/"
    expect(page.locator("#case-status")).to_have_text("Registered")
    expect(page.locator("#case-assignee")).to_contain_text(bank.agent.display_name)

    # and acknowledged, then escalated with a reason
    page.click("#btn-acknowledge")
    expect(page.locator("#case-status")).to_have_text("Acknowledged")
    page.click("#btn-escalate")
    page.fill("#escalate-reason", "金额较大，客户要求负责人跟进")
    page.click("#submit-escalate")
    expect(page.locator("#case-escalated")).to_be_visible()
    expect(page.locator("#case-priority")).to_have_text("High")
    expect(page.locator("#case-assignee")).to_contain_text(bank.bj_manager.display_name)

    # and investigated and resolved
    page.click("#btn-investigate")
    expect(page.locator("#case-status")).to_have_text("Investigating")
    page.click("#btn-resolve")
    page.fill("#resolution", "已确认为盗刷，三笔款项全额退回，卡片已换新。")
    page.click("#submit-resolve")
    expect(page.locator("#case-status")).to_have_text("Resolved")

    # and the return visit is recorded, then the complaint closed
    page.click("#btn-visit")
    page.select_option("#visit_outcome", "satisfied")
    page.fill("#visit_notes", "电话回访，客户对处理结果满意。")
    page.click("#submit-visit")
    expect(page.locator("#case-status")).to_have_text("Return visit done")
    page.click("#btn-close")

    # then
    expect(page.locator("#case-status")).to_have_text("Closed")
    expect(page.locator("#case-outcome")).to_contain_text("全额退回")
    expect(page.locator("#case-survey")).to_be_visible()
    case.refresh_from_db()
    assert case.status == Case.Status.CLOSED
    assert case.escalation_level == 1
    assert case.escalated_to == bank.bj_manager
    assert case.visit_outcome == "satisfied"
    assert list(case.events.values_list("kind", flat=True)) == [
        "opened",
        "assigned",
        "transition",
        "escalated",
        "priority",
        "transition",
        "transition",
        "transition",
        "transition",
    ]
    assert Survey.objects.filter(about_type="case", about_id=case.pk).count() == 1
    assert errors == []
