"""Content Security Policy: no inline script or style is allowed, so no page may carry one.

The markup tests render the main pages and look for what the policy would block: a <script>
with a body (other than inert JSON data blocks), an on* event-handler attribute, a style
attribute or <style> element, a javascript: URL. They guard the templates against later changes;
the browser test loads the same pages in Chromium and fails on any reported violation.
"""

import os
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.db import connections
from django.urls import reverse

from bankcrm.interactions.services import task_create
from tests import factories, mfa

EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    parts = [p.strip().split(None, 1) for p in header.split(";") if p.strip()]
    return {name: value for name, value in parts}


class _Violations(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._script: str | None = None
        self._body = ""

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=...> event-handler attribute")
            if name == "style":
                self.found.append(f"<{tag} style={value!r}> inline style")
            if name in {"href", "src", "action", "formaction"} and (
                value or ""
            ).strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}> javascript: URL")
        if tag == "style":
            self.found.append("<style> element")
        if tag == "script":
            kind = (values.get("type") or "").lower()
            self._script = None if "src" in values or kind in DATA_BLOCK_TYPES else tag
            self._body = ""

    def handle_data(self, data):
        if self._script:
            self._body += data

    def handle_endtag(self, tag):
        if tag == "script" and self._script:
            if self._body.strip():
                self.found.append(f"inline <script>: {self._body.strip()[:60]!r}")
            self._script = None


def csp_violations(html: str) -> list[str]:
    parser = _Violations()
    parser.feed(html)
    return parser.found


def _main_pages(customer) -> list[tuple[str, str, dict]]:
    return [
        ("get", reverse("workbench"), {}),
        ("get", reverse("customers:list"), {}),
        ("post", reverse("customers:list"), {"q": "zsf"}),
        ("get", reverse("customers:detail", args=[customer.pk]), {}),
        ("get", reverse("customers:edit", args=[customer.pk]), {}),
        ("get", reverse("customers:create"), {}),
        ("post", reverse("customers:create"), {"name": ""}),  # the form with its errors
        ("post", reverse("customers:reveal", args=[customer.pk]), {"field": "mobile"}),
    ]


def test_every_response_carries_the_policy(client, db):
    # when
    response = client.get(reverse("login"))
    api = client.get("/api/v1/customers")
    # then
    assert policy(response) == EXPECTED_POLICY
    assert policy(api) == EXPECTED_POLICY
    assert "unsafe-inline" not in response["Content-Security-Policy"]
    assert "unsafe-eval" not in response["Content-Security-Policy"]


def test_the_sign_in_page_has_nothing_the_policy_would_block(client, db):
    # when
    response = client.get(reverse("login"))
    # then
    assert response.status_code == 200
    assert csp_violations(response.content.decode()) == []


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_main_pages_have_nothing_the_policy_would_block(client, bank, customer, language):
    # given: a customer with everything the 360 page shows, and a manager who may do everything
    task_create(
        actor=bank.rm,
        customer=customer,
        assignee=bank.rm,
        title="回访",
        due_date=date(2030, 1, 1),
    )
    bank.bj_manager.language = language
    bank.bj_manager.save(update_fields=["language"])
    client.force_login(bank.bj_manager)
    # when
    found = {}
    for method, url, data in _main_pages(customer):
        response = getattr(client, method)(url, data)
        assert response.status_code == 200, (method, url, response.status_code)
        found[f"{method} {url}"] = csp_violations(response.content.decode())
    # then
    assert found == {page: [] for page in found}


def test_the_detector_finds_what_the_policy_blocks():
    # given
    html = (
        '<script>alert(1)</script><script src="/static/a.js"></script>'
        '<script type="application/json" id="d">{"a": 1}</script>'
        '<button onclick="go()">x</button><div style="color:red"></div><style>p{}</style>'
        '<a href="javascript:go()">y</a>'
    )
    # when
    found = csp_violations(html)
    # then
    assert found == [
        "inline <script>: 'alert(1)'",
        "<button onclick=...> event-handler attribute",
        "<div style='color:red'> inline style",
        "<style> element",
        "<a href='javascript:go()'> javascript: URL",
    ]


# --- In a real browser -------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
# Collects every violation the page reports, from the first script on.
RECORD_VIOLATIONS = """
window.__csp = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__csp.push(`${e.violatedDirective} ${e.blockedURI} ${e.sourceFile}:${e.lineNumber}`);
});
"""


@pytest.fixture
def browser_page():
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is not installed (apt-get install chromium)"
        if os.environ.get("BANKCRM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason + " and BANKCRM_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="en-GB")
        page.set_default_timeout(15_000)
        page.add_init_script(RECORD_VIOLATIONS)
        console: list[str] = []
        page.on(
            "console",
            lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
        )
        page.console_csp = console  # type: ignore[attr-defined]
        try:
            yield page
        finally:
            browser.close()
            connections.close_all()


@pytest.mark.browser
def test_pages_run_in_chromium_without_a_single_policy_violation(
    live_server, transactional_db, browser_page, mailoutbox
):
    # given
    bank = factories.Bank()
    bank.bj_manager.email = "bjmgr@bank.example"
    bank.bj_manager.save(update_fields=["email"])
    customer = factories.customer(actor=bank.rm, name="张三丰", mobile="13800138000")
    page, base = browser_page, live_server.url
    visited: dict[str, list[str]] = {}

    def visit(path: str, ready: str = "body") -> None:
        page.goto(base + path)
        page.wait_for_selector(ready)
        page.wait_for_timeout(300)  # let charts and htmx settle
        visited[path] = page.evaluate("window.__csp")

    # when: sign in as the Beijing manager (who sets up an authenticator: the QR page) and
    # walk the main pages
    visit("/login/")
    page.fill("input[name=username]", "bjmgr")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/account/authenticator/**")
    page.wait_for_selector("#mfa-mailbox-form")
    visited["/account/authenticator/ (e-mailed code)"] = page.evaluate("window.__csp")
    page.fill("input[name=code]", mfa.enrolment_code(mailoutbox))
    page.click("#mfa-mailbox-form button[type=submit]")
    page.wait_for_selector("#mfa-enrol-form")
    visited["/account/authenticator/"] = page.evaluate("window.__csp")
    from bankcrm.org.models import Authenticator

    new_device = Authenticator.objects.get(user=bank.bj_manager)
    page.fill("input[name=code]", mfa.fresh_code(new_device))
    page.click("#mfa-enrol-form button[type=submit]")
    page.wait_for_selector("#recovery-codes")
    visited["recovery codes"] = page.evaluate("window.__csp")
    page.click("main a.btn-primary")
    page.wait_for_url(base + "/")
    visit("/", "main")
    visit("/customers/", "#customer-search")
    page.locator("#customer-search input[name=q]").press_sequentially("13800138000", delay=20)
    page.wait_for_function("document.querySelectorAll('#customer-results tbody tr a').length")
    visited["/customers/ (live search)"] = page.evaluate("window.__csp")
    visit(f"/customers/{customer.pk}/", "#customer-name")
    visit(f"/customers/{customer.pk}/edit/", "form")
    visit("/customers/new/", "form")
    visit("/api/docs", "#swagger-ui .opblock")
    # and the admin site, as the system administrator
    page.context.clear_cookies()
    admin_device = mfa.enrol(bank.admin)
    visit("/login/")
    page.fill("input[name=username]", "admin")
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(base + "/login/verify/**")
    visited["/login/verify/"] = page.evaluate("window.__csp")
    page.fill("input[name=code]", mfa.fresh_code(admin_device))
    page.click("#mfa-verify-form button[type=submit]")
    page.wait_for_url(base + "/")
    visit("/admin/", "#content")
    visit("/admin/org/staff/", "#result_list")
    visit(f"/admin/org/staff/{bank.rm.pk}/change/", "form")
    # then
    assert visited == {path: [] for path in visited}
    assert page.console_csp == []
