"""Both languages stay complete: every translatable string of the code has a zh-hans translation.

Extraction uses Django's makemessages (GNU gettext) on a copy of the source tree, merged with the
committed catalogue: a new string, or one whose translation went fuzzy, fails this test.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

import bankcrm

SOURCE = Path(bankcrm.__file__).resolve().parent
CATALOGUE = SOURCE / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    if shutil.which("xgettext") is None:
        if os.environ.get("CI"):
            pytest.fail("GNU gettext (xgettext) is required in CI")
        pytest.skip("GNU gettext (xgettext) is not installed")
    copy = tmp_path_factory.mktemp("src") / "bankcrm"
    shutil.copytree(SOURCE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    result = subprocess.run(  # noqa: S603 - our own command on our own copy
        [
            sys.executable,
            "-m",
            "django",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-location",
            "--no-obsolete",
            "--settings",
            "bankcrm.config.test_settings",
        ],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return polib.pofile(str(copy / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


def test_every_string_has_a_chinese_translation(extracted):
    missing = [e.msgid for e in extracted if not e.obsolete and not e.translated()]
    fuzzy = [e.msgid for e in extracted if "fuzzy" in e.flags]
    assert missing == [], f"untranslated in zh-hans: {missing[:20]}"
    assert fuzzy == [], f"fuzzy in zh-hans: {fuzzy[:20]}"


def test_compiled_catalogue_matches_the_source():
    po = polib.pofile(str(CATALOGUE))
    mo = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    expected = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in po.translated_entries()}
    assert {k: v for k, v in compiled.items() if k[1]} == expected


@pytest.mark.django_db
def test_a_page_renders_in_chinese_for_a_chinese_user(client, bank):
    # given
    bank.rm.language = "zh-hans"
    bank.rm.save()
    client.force_login(bank.rm)
    # when
    response = client.get("/customers/")
    # then
    assert response.status_code == 200
    assert response.headers["Content-Language"] == "zh-hans"
    assert "客户" in response.content.decode()
