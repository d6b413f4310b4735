"""The knowledge base in a real headless Chromium: an agent searches, copies an answer, opens
the article and says it helped (htmx). Needs /usr/bin/chromium, like tests/test_e2e_browser.py,
whose browser fixture this reuses."""

import pytest
from playwright.sync_api import expect

from bankcrm.knowledge.models import ArticleFeedback
from tests import factories
from tests.knowledge.conftest import publish
from tests.segments.test_e2e_builder import sign_in
from tests.test_e2e_browser import chromium_page  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_agent_searches_copies_the_answer_and_gives_feedback(
    live_server,
    transactional_db,
    chromium_page,  # noqa: F811
):
    # given a published bilingual article
    bank = factories.Bank()
    article = publish(
        author=bank.bj_manager,
        approver=bank.admin,
        title_zh="借记卡挂失与补卡",
        summary_zh="借记卡丢失后请立即办理挂失。",
        title_en="Reporting a lost debit card",
        summary_en="Report a lost debit card at once.",
    )
    page = chromium_page
    base = live_server.url
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, bank.agent)

    # when: a Chinese word found inside the title, the answer copied
    page.goto(f"{base}/knowledge/?q=挂失")
    result = page.locator("#kb-results [data-kb-hit]")
    expect(result).to_have_count(1)
    expect(result.locator("mark").first).to_have_text("挂失")
    result.locator("[data-kb-copy]").click()

    # then
    expect(result.locator("[data-kb-copy]")).to_have_attribute("data-kb-done", "1")
    assert page.evaluate("navigator.clipboard.readText()") == "借记卡丢失后请立即办理挂失。"

    # when: the article opened and marked helpful
    result.locator("a.bk-kb-hit-title").click()
    page.wait_for_url(f"{base}/knowledge/{article.pk}/")
    page.click("#kb-helpful")

    # then: the fragment is swapped in place, the vote recorded
    expect(page.locator("#kb-feedback .text-success")).to_be_visible()
    expect(page.locator("#kb-helpful .badge")).to_have_text("1")
    assert ArticleFeedback.objects.get().helpful is True
    assert errors == []
