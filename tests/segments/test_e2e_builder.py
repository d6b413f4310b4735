"""The segment builder in a real headless Chromium: two conditions, the live count, save.

Needs /usr/bin/chromium (skipped without it unless BANKCRM_REQUIRE_BROWSER=1), like
tests/test_e2e_browser.py, whose browser fixture this reuses.
"""

import pytest
from playwright.sync_api import expect

from bankcrm.segments.models import Segment
from tests import factories, mfa
from tests.test_e2e_browser import chromium_page  # noqa: F401 - fixture

pytestmark = pytest.mark.browser


def sign_in(page, base: str, staff) -> None:
    device = mfa.enrol(staff)
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", staff.username)
    page.fill("input[name=password]", factories.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base}/login/verify/**")
    page.fill("input[name=code]", mfa.fresh_code(device))
    page.click("#mfa-verify-form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_build_a_two_condition_segment_see_the_live_count_and_save(
    live_server,
    transactional_db,
    chromium_page,  # noqa: F811
    lake,
):
    # given women and men in Beijing and Shanghai, in the warehouse
    from bankcrm.integration.services import warehouse_sync

    bank = factories.Bank()
    for rm, gender, city in [
        (bank.rm, "F", "北京"),
        (bank.rm, "M", "北京"),
        (bank.other_rm, "F", "北京"),
        (bank.rm, "F", "天津"),
        (bank.sh_rm, "F", "北京"),  # Shanghai's: outside the Beijing manager's scope
    ]:
        factories.customer(actor=rm, name="张三", gender=gender, city=city)
    warehouse_sync()
    page = chromium_page
    base = live_server.url
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    sign_in(page, base, bank.bj_manager)

    # when: a new segment, its first condition turned into "gender is Female"
    page.goto(f"{base}/segments/new/")
    page.fill("input[name=name]", "北京女性")
    first = page.locator(".bk-cond").nth(0)
    first.locator("select.bk-field").select_option("gender")
    page.locator(".bk-cond").nth(0).get_by_label("Female").check()
    expect(page.locator("#preview-count")).to_have_text("4")
    # and a second condition, "city is one of 北京"
    page.click(".bk-add-condition")
    second = page.locator(".bk-cond").nth(1)
    second.locator("select.bk-field").select_option("city")
    page.locator(".bk-cond").nth(1).locator("input.bk-text").fill("北京")
    # then the live count follows
    expect(page.locator("#preview-count")).to_have_text("2")
    expect(page.locator("#preview-sample li")).to_have_count(2)
    expect(page.locator("[data-segment-chart] svg").first).to_be_visible()

    # when saved
    page.click("#save-segment")
    page.wait_for_selector("#segment-name")

    # then
    segment = Segment.objects.get()
    assert page.url == f"{base}/segments/{segment.pk}/"
    assert page.inner_text("#segment-count") == "2"
    assert segment.definition == {
        "op": "and",
        "conditions": [
            {"field": "gender", "op": "in", "value": ["F"]},
            {"field": "city", "op": "in", "value": ["北京"]},
        ],
    }
    assert segment.member_count == 2
    assert errors == []
