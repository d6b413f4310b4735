"""End to end in a real headless Chromium (the Debian package), driven by Playwright.

A relationship manager signs in, finds a customer by mobile number, opens the 360 page, edits
the employer and sees the change. Needs /usr/bin/chromium: skipped without it, unless
BANKCRM_REQUIRE_BROWSER=1 (CI), where a missing browser fails the test.
"""

import os
from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import expect

from bankcrm.customers.models import Customer
from tests import factories, mfa

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]

pytestmark = pytest.mark.browser


@pytest.fixture
def chromium_page(monkeypatch):
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium fonts-noto-cjk)"
        if os.environ.get("BANKCRM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and BANKCRM_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the ORM calls of the test itself
    # (building data, checking the result) are still plain synchronous code. Only for this test:
    # the variable must not leak into other tests (the deployment check refuses it).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page.set_default_timeout(15_000)
        try:
            yield page
        finally:
            browser.close()
            # The ORM calls made while Playwright's loop ran opened their own connection: close
            # it, or PostgreSQL refuses to drop the test database at the end of the run.
            connections.close_all()


def test_find_by_mobile_open_360_edit_and_see_the_change(
    live_server, transactional_db, chromium_page
):
    # given
    bank = factories.Bank()
    customer = factories.customer(
        actor=bank.rm,
        name="张三丰",
        mobile="13800138000",
        id_number="11010519491231002X",
        employer="武当派",
    )
    factories.customer(actor=bank.rm, name="李四光")
    page = chromium_page
    base = live_server.url
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    device = mfa.enrol(bank.rm)

    # when: sign in (password, then the authenticator code)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", "rm")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/login/verify/**")
    page.fill("input[name=code]", mfa.fresh_code(device))
    page.click("#mfa-verify-form button[type=submit]")
    page.wait_for_url(f"{base}/")

    # and search by mobile with the live search (htmx, POST)
    page.goto(f"{base}/customers/")
    page.locator("#customer-search input[name=q]").press_sequentially("13800138000", delay=20)
    # Locator waits run in Playwright's own world: the page's CSP (no eval) stays in force.
    expect(page.locator("#customer-results tbody tr a")).to_have_count(1)
    results = page.inner_text("#customer-results")

    # and open the 360 page
    page.click("#customer-results tbody tr a")
    page.wait_for_selector("#customer-name")
    profile = page.inner_text("#profile")

    # and edit the employer
    page.click("#edit-customer")
    page.fill("input[name=employer]", "峨眉投资有限公司")
    page.click("form.bk-customer-form button[type=submit]")
    page.wait_for_url(f"{base}/customers/{customer.pk}/")

    # then
    assert "张三丰" in results
    assert "李四光" not in results
    assert "138****8000" in results
    assert "138****8000" in profile
    assert "13800138000" not in profile
    assert page.inner_text("#customer-employer") == "峨眉投资有限公司"
    assert "Changes saved." in page.inner_text("#messages")
    assert Customer.objects.get(pk=customer.pk).employer == "峨眉投资有限公司"
    assert not [url for url in requested if "13800138000" in url]  # never in a URL
