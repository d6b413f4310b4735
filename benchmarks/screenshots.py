"""Screenshots of the staff UI from a running server, in English and Chinese (headless Chromium).

Starts nothing itself. Example, against a demo server:

    bankcrm runserver 127.0.0.1:8765 &
    BANKCRM_SCREENSHOT_PASSWORD=... python benchmarks/screenshots.py \\
        --base-url http://127.0.0.1:8765 --username rm --search 13800138000 --out docs/img

Writes workbench.png, customers.png, customer-360.png, customer-edit.png and their *-zh.png
twins. The search term is typed into the page's search box (POSTed, never put in a URL).
The staff member's language is switched with the navbar's language menu and restored at the end.
"""

import argparse
import os
import sys
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def set_language(page: Page, base_url: str, code: str) -> None:
    """Use the navbar's language menu like a person would."""
    page.goto(f"{base_url}/")
    page.click("nav .bi-translate")
    page.click(f"nav button[lang='{code}']")
    page.wait_for_load_state("networkidle")


def shoot(page: Page, path: Path, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(600)  # let ECharts finish its entry animation
    page.screenshot(path=str(path), full_page=full_page)
    print(path)


def take(page: Page, base_url: str, out: Path, search: str, suffix: str) -> None:
    page.goto(f"{base_url}/")
    shoot(page, out / f"workbench{suffix}.png")

    page.goto(f"{base_url}/customers/")
    page.fill("#customer-search input[name=q]", search)
    page.press("#customer-search input[name=q]", "Enter")
    page.wait_for_selector("#customer-results tbody tr a")
    shoot(page, out / f"customers{suffix}.png", full_page=False)

    page.click("#customer-results tbody tr a")
    page.wait_for_selector("#customer-name")
    shoot(page, out / f"customer-360{suffix}.png")

    edit = page.locator("#edit-customer")
    if edit.count():
        edit.click()
        shoot(page, out / f"customer-edit{suffix}.png")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username", default="rm")
    parser.add_argument(
        "--password",
        default=os.environ.get("BANKCRM_SCREENSHOT_PASSWORD", ""),
        help="default: $BANKCRM_SCREENSHOT_PASSWORD",
    )
    parser.add_argument(
        "--totp-secret",
        default=os.environ.get("BANKCRM_SCREENSHOT_TOTP_SECRET", ""),
        help="the login's authenticator key (the demo's is printed by `bankcrm demo_logins`)",
    )
    parser.add_argument("--search", required=True, help="what to type into the customer search")
    parser.add_argument("--out", default="docs/img", type=Path)
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--restore-language", default="en")
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.base_url.rstrip("/")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": 900}, locale="en-GB")
        page.goto(f"{base}/login/")
        page.fill("input[name=username]", args.username)
        page.fill("input[name=password]", args.password)
        page.click("form button[type=submit]")
        page.wait_for_load_state("networkidle")
        if "/login/verify/" in page.url and args.totp_secret:  # the second sign-in step
            from base64 import b32decode

            from django_otp.oath import TOTP

            page.fill("input[name=code]", f"{TOTP(b32decode(args.totp_secret)).token():06d}")
            page.click("#mfa-verify-form button[type=submit]")
        page.wait_for_url(f"{base}/")
        shoot_login = browser.new_page(viewport={"width": args.width, "height": 700})
        shoot_login.goto(f"{base}/login/")
        shoot(shoot_login, args.out / "login.png", full_page=False)
        shoot_login.close()
        try:
            set_language(page, base, "en")
            take(page, base, args.out, args.search, "")
            set_language(page, base, "zh-hans")
            take(page, base, args.out, args.search, "-zh")
        finally:
            set_language(page, base, args.restore_language)
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
