"""Screenshots of the sign-in with its second factor, the authenticator set-up page and the
auditor's page, in English and Chinese (headless Chromium), from a running server.

Starts nothing itself. Example, against a demo server (seed_demo enrols the DEMO ONLY secret):

    bankcrm runserver 127.0.0.1:8765 &
    python benchmarks/auth_screenshots.py --base-url http://127.0.0.1:8765 \\
        --password bankcrm-demo-2026 --totp-secret BANKCRMDEMOONLYBANKCRMDEMOONLY22 \\
        --enrol-username newstaff --out docs/img

Writes mfa-verify.png, mfa-enrol.png, audit.png and their *-zh.png twins. `--enrol-username`
names an account with no authenticator yet (its set-up page is shot, nothing is confirmed).
"""

import argparse
import sys
import time
from base64 import b32decode
from pathlib import Path

from django_otp.oath import TOTP
from playwright.sync_api import Page, sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def code(secret: str, *, later: int = 0) -> str:
    generator = TOTP(b32decode(secret))
    generator.time = time.time() + 30 * later
    return f"{generator.token():06d}"


def shoot(page: Page, path: Path, *, full_page: bool = True) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    page.screenshot(path=str(path), full_page=full_page)
    print(path)


def language(page: Page, lang: str) -> None:
    page.click(f"button[lang='{lang}']")
    page.wait_for_load_state("networkidle")


def password_step(page: Page, base: str, username: str, password: str) -> None:
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_load_state("networkidle")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--password", required=True)
    parser.add_argument("--totp-secret", required=True, help="the auditor's authenticator key")
    parser.add_argument("--auditor", default="auditor")
    parser.add_argument("--enrol-username", required=True)
    parser.add_argument("--out", default="docs/img", type=Path)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing: apt-get install chromium fonts-noto-cjk", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    base = args.base_url.rstrip("/")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 860}, locale="en-GB")
        try:
            for lang, suffix, later in (("en", "", 0), ("zh-hans", "-zh", 1)):
                # the set-up page of someone who has no authenticator yet
                password_step(page, base, args.enrol_username, args.password)
                language(page, lang)
                shoot(page, args.out / f"mfa-enrol{suffix}.png")
                # the code page, then the auditor's page
                password_step(page, base, args.auditor, args.password)
                language(page, lang)
                shoot(page, args.out / f"mfa-verify{suffix}.png", full_page=False)
                page.fill("input[name=code]", code(args.totp_secret, later=later))
                page.click("#mfa-verify-form button[type=submit]")
                page.wait_for_load_state("networkidle")
                page.goto(f"{base}/audit/?action=auth.")
                shoot(page, args.out / f"audit{suffix}.png", full_page=False)
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
