"""The opportunity board in a real headless Chromium: drag a card to the next stage (htmx posts
the move), then to lost with the reason asked for; a stale card goes back with the reason.

Needs /usr/bin/chromium (skipped without it unless BANKCRM_REQUIRE_BROWSER=1), like
tests/test_e2e_browser.py, whose browser fixture this reuses.
"""

import pytest
from playwright.sync_api import expect

from bankcrm.sales import services
from bankcrm.sales.models import Opportunity, ProductLine
from tests import factories
from tests.sales.conftest import open_opportunity
from tests.segments.test_e2e_builder import sign_in
from tests.test_e2e_browser import chromium_page  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def test_drag_a_card_forward_then_to_lost(live_server, transactional_db, chromium_page):  # noqa: F811
    # given
    bank = factories.Bank()
    customer = factories.customer(actor=bank.rm, name="张三")
    mortgage = ProductLine.objects.get(code="mortgage")
    opp = open_opportunity(bank, customer, mortgage)
    stale = open_opportunity(bank, customer, mortgage, amount="500000")
    page = chromium_page
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, bank.rm)
    page.goto(f"{base}/sales/opportunities/board/?line=mortgage")
    columns = page.locator(".bk-board-col")
    # when: to documents
    page.locator(f"#opp-{opp.pk}").drag_to(columns.nth(1).locator(".bk-board-drop"))
    # then
    expect(columns.nth(1).locator(f"#opp-{opp.pk}")).to_have_attribute("data-version", "2")
    expect(columns.nth(1).locator(".bk-col-count")).to_have_text("1")
    # when: to lost, giving the reason asked for
    page.once("dialog", lambda dialog: dialog.accept("客户放弃购房"))
    page.locator(f"#opp-{opp.pk}").drag_to(columns.nth(6).locator(".bk-board-drop"))
    expect(columns.nth(6).locator(f"#opp-{opp.pk}")).to_have_attribute("data-version", "3")
    # when: someone else moved the other one meanwhile, then it is dragged here
    services.opportunity_move(
        actor=bank.rm, opportunity=stale, stage=mortgage.stages.get(code="approval"), version=1
    )
    page.locator(f"#opp-{stale.pk}").drag_to(columns.nth(2).locator(".bk-board-drop"))
    # then: it goes back, with the reason shown
    expect(page.locator("#board-error")).to_be_visible()
    expect(columns.nth(0).locator(f"#opp-{stale.pk}")).to_have_count(1)
    opp.refresh_from_db()
    stale.refresh_from_db()
    assert (opp.status, opp.lost_reason) == (Opportunity.Status.LOST, "客户放弃购房")
    assert stale.stage.code == "approval"
    assert errors == [] or all("409" in e for e in errors)
