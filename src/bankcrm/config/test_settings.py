"""Test settings: the same as local ones, with a fast password hasher and a temporary var/."""

import os
import tempfile

os.environ.setdefault("BANKCRM_VAR_DIR", tempfile.mkdtemp(prefix="bankcrm-test-"))

from bankcrm.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
WHITENOISE_AUTOREFRESH = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not memory, so a test can read the raw bytes and find no plaintext C2 value.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}  # noqa: F405
