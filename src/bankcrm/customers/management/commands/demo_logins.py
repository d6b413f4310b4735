"""`bankcrm demo_logins`: the demo bank's logins, one per role, with both languages' labels."""

import unicodedata

from django.core.management.base import BaseCommand
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from bankcrm.demo import mfa as demo_mfa
from bankcrm.demo.bank import DEMO_LOGINS, DEMO_PASSWORD
from bankcrm.org.models import Branch
from bankcrm.org.roles import Role


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def _both(zh: str, en: str) -> str:
    return zh if zh == en else f"{zh} / {en}"


class Command(BaseCommand):
    help = "Print the demo logins (one per role) and their password."

    def handle(self, *args, **options) -> None:
        headers = (_("Username"), _("Role"), _("Branch"), _("Password"))
        branches = {
            b.code: b for b in Branch.objects.filter(code__in=[x.branch_code for x in DEMO_LOGINS])
        }
        rows = []
        for login in DEMO_LOGINS:
            branch = branches.get(login.branch_code)
            with translation.override("zh-hans"):
                role_zh = str(Role(login.role).label)
            with translation.override("en"):
                role_en = str(Role(login.role).label)
            rows.append(
                (
                    login.username,
                    _both(role_zh, role_en),
                    _both(branch.name, branch.name_en) if branch else "—",
                    DEMO_PASSWORD,
                )
            )
        titles = []
        for header in headers:
            with translation.override("zh-hans"):
                zh = str(header)
            with translation.override("en"):
                en = str(header)
            titles.append(_both(zh, en))
        if not branches:
            self.stderr.write(str(_("The demo bank is not seeded yet: run `bankcrm seed_demo`.")))
        widths = [max(_width(r[i]) for r in [titles, *rows]) for i in range(len(titles))]
        line = "  ".join("-" * w for w in widths)
        self.stdout.write("  ".join(_pad(t, w) for t, w in zip(titles, widths, strict=True)))
        self.stdout.write(line)
        for row in rows:
            self.stdout.write("  ".join(_pad(c, w) for c, w in zip(row, widths, strict=True)))
        if demo_mfa.allowed():
            # DEMO ONLY: every demo login shares one published authenticator secret.
            self.stdout.write("")
            self.stdout.write(
                str(
                    _(
                        "DEMO ONLY — two-step sign-in: add this key to an authenticator app "
                        "(time-based, 6 digits): %(secret)s. Code right now: %(code)s "
                        "(changes every 30 seconds; run this command again for a fresh one)."
                    )
                )
                % {"secret": demo_mfa.DEMO_TOTP_SECRET, "code": demo_mfa.demo_code()}
            )
