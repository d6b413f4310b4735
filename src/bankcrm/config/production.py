"""Production settings: every secret comes from the environment; HTTPS only.

Required: BANKCRM_SECRET_KEY, BANKCRM_FIELD_KEYS, BANKCRM_INDEX_KEY, BANKCRM_WAREHOUSE_KEY,
BANKCRM_ALLOWED_HOSTS, BANKCRM_PUBLIC_URL (https: links in messages to customers),
DATABASE_URL (PostgreSQL). See docs/operations.md.
"""

import os

for _name in (
    "BANKCRM_SECRET_KEY",
    "BANKCRM_FIELD_KEYS",
    "BANKCRM_INDEX_KEY",
    "BANKCRM_WAREHOUSE_KEY",
    "BANKCRM_ALLOWED_HOSTS",
    "BANKCRM_PUBLIC_URL",
    "DATABASE_URL",
):
    if not os.environ.get(_name):
        from django.core.exceptions import ImproperlyConfigured

        raise ImproperlyConfigured(f"The environment variable {_name} is required in production.")

if not os.environ["BANKCRM_PUBLIC_URL"].startswith("https://"):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("BANKCRM_PUBLIC_URL must be an https:// address in production.")

os.environ.setdefault("BANKCRM_DEBUG", "0")

from bankcrm.config.env import env_int  # noqa: E402
from bankcrm.config.settings import *  # noqa: E402,F403

DEBUG = False
if (
    set(FIELD_ENCRYPTION_KEYS) & set(DEVELOPMENT_FIELD_KEYS)  # noqa: F405
    or BLIND_INDEX_KEY in {SECRET_KEY, DEVELOPMENT_INDEX_KEY}  # noqa: F405
    or WAREHOUSE_KEY in {SECRET_KEY, BLIND_INDEX_KEY, DEVELOPMENT_WAREHOUSE_KEY}  # noqa: F405
):
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(
        "Production needs its own field, index and warehouse keys, each separate from SECRET_KEY "
        "and from one another."
    )
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
SECURE_SSL_REDIRECT = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env_int("BANKCRM_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
CSRF_COOKIE_HTTPONLY = True
# The demo bank's published TOTP secret is never enrolled here.
DEMO_MFA_ALLOWED = False
