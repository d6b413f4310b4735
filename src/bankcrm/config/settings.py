"""Settings for bankcrm, read from the environment with safe local defaults.

Local defaults: an embedded SQLite database under var/, DEBUG on, development keys.
Production: use bankcrm.config.production, which requires every secret from the environment.
"""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from bankcrm.config.env import env, env_bool, env_int, env_list, project_dir

BASE_DIR = Path(__file__).resolve().parent.parent  # src/bankcrm
HOME_DIR = project_dir()
VAR_DIR = Path(env("BANKCRM_VAR_DIR", str(HOME_DIR / "var")))

DEBUG = env_bool("BANKCRM_DEBUG", True)
# Development-only fallbacks; production.py refuses to start without real values.
SECRET_KEY = env("BANKCRM_SECRET_KEY", "dev-only-insecure-secret-key-change-me-0123456789abcdef")
ALLOWED_HOSTS = env_list("BANKCRM_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])

# C2 field encryption (Fernet keys, newest first) and blind-index key: separate from SECRET_KEY.
DEVELOPMENT_FIELD_KEYS = ["ZGV2LW9ubHktZmllbGQta2V5LTAxMjM0NTY3ODlhYmM="]
DEVELOPMENT_INDEX_KEY = "dev-only-blind-index-key"
FIELD_ENCRYPTION_KEYS = env_list("BANKCRM_FIELD_KEYS", DEVELOPMENT_FIELD_KEYS)
BLIND_INDEX_KEY = env("BANKCRM_INDEX_KEY", DEVELOPMENT_INDEX_KEY)
# Only while the index key is rotated: the old key, so searches still find rows not yet
# re-indexed by `bankcrm rotate_keys --index` (docs/security.md). Remove it afterwards.
BLIND_INDEX_KEY_PREVIOUS = env("BANKCRM_INDEX_KEY_PREVIOUS", "")
# The warehouse's pseudonym key: account numbers appear in the lake only as keyed digests under
# it (analytics `account_key`). Separate from the index key, so rotating that key (which
# rewrites the operational blind indexes) leaves years of warehouse history linked. Changing
# it means re-keying the warehouse (docs/security.md).
DEVELOPMENT_WAREHOUSE_KEY = "dev-only-warehouse-pseudonym-key"
WAREHOUSE_KEY = env("BANKCRM_WAREHOUSE_KEY", DEVELOPMENT_WAREHOUSE_KEY)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "ninja",  # its bundled Swagger UI files: /api/docs works offline, never from a CDN
    "django_otp",
    "axes",
    "bankcrm.common",
    "bankcrm.org",
    "bankcrm.audit",
    "bankcrm.customers",
    "bankcrm.products",
    "bankcrm.interactions",
    "bankcrm.api",
    "django_tasks",
    "django_tasks_db",
    "bankcrm.analytics",
    "bankcrm.integration",
    "bankcrm.segments",
    "bankcrm.messaging",
    "bankcrm.sales",
    "bankcrm.service",
    "bankcrm.people",
    "bankcrm.surveys",
    "bankcrm.knowledge",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "bankcrm.audit.context.AuditOriginMiddleware",
    "bankcrm.org.middleware.StaffSessionMiddleware",
    "bankcrm.org.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "bankcrm.common.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",  # turns a lockout into our sign-in page with its message
]

ROOT_URLCONF = "bankcrm.config.urls"
WSGI_APPLICATION = "bankcrm.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'bankcrm.sqlite3'}"),
        conn_max_age=env_int("BANKCRM_DB_CONN_MAX_AGE", 60),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers proceed during a write; the busy timeout waits instead of failing.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;"
            "PRAGMA case_sensitive_like=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "org.Staff"
# The lockout check (django-axes) runs before the password is looked at.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "bankcrm.org.backends.RoleBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "workbench"
LOGOUT_REDIRECT_URL = "login"
# Argon2id first: new and changed passwords use it; older hashes still verify and are upgraded
# to Argon2 at the next sign-in.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
# At least 12 characters, not on the common-password list, not close to the username or name.
# No composition rules (NIST SP 800-63B).
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# Password-reset links stay valid this long (seconds).
PASSWORD_RESET_TIMEOUT = env_int("BANKCRM_PASSWORD_RESET_TIMEOUT", 3600)

# Second factor (django-otp): TOTP apps and single-use recovery codes. Which roles must have it:
# org/roles.py (MFA_REQUIRED). The issuer is the name authenticator apps show.
OTP_TOTP_ISSUER = env("BANKCRM_TOTP_ISSUER", "bankcrm")
OTP_TOTP_THROTTLE_FACTOR = 1  # after n wrong codes, wait 2**(n-1) seconds before the next try
OTP_STATIC_THROTTLE_FACTOR = 1
RECOVERY_CODE_COUNT = 10
# The demo bank's logins get an authenticator with a published secret (bankcrm/demo/mfa.py).
# bankcrm.config.production turns this off: `seed_demo` then enrols nothing.
DEMO_MFA_ALLOWED = True

# Lockout (django-axes): after BANKCRM_LOCKOUT_FAILURES failed sign-ins (at most 10) from one
# client address for one username, that pair is refused for BANKCRM_LOCKOUT_MINUTES. The address
# is REMOTE_ADDR; behind BANKCRM_TRUSTED_PROXIES reverse proxies, the address the outermost of
# them saw (audit/context.py: client_address). A client-supplied X-Forwarded-For is never read.
AXES_FAILURE_LIMIT = min(env_int("BANKCRM_LOCKOUT_FAILURES", 10), 10)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("BANKCRM_LOCKOUT_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "bankcrm.audit.context.client_address"
AXES_LOCKOUT_CALLABLE = "bankcrm.org.auth_views.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_DISABLE_ACCESS_LOG = True  # sign-ins are in the audit trail
AXES_VERBOSE = False
AXES_ENABLE_ADMIN = False  # not on Django's default admin site; ours shows the audit trail
TRUSTED_PROXIES = env_int("BANKCRM_TRUSTED_PROXIES", 0)

# E-mail (password reset): SMTP when BANKCRM_EMAIL_HOST is set, else printed to the console
# (development only: the message holds a reset link).
EMAIL_HOST = env("BANKCRM_EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = env_int("BANKCRM_EMAIL_PORT", 587)
EMAIL_HOST_USER = env("BANKCRM_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = env("BANKCRM_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_bool("BANKCRM_EMAIL_STARTTLS", True) if EMAIL_HOST else False
EMAIL_TIMEOUT = 10
DEFAULT_FROM_EMAIL = env("BANKCRM_EMAIL_FROM", "bankcrm@localhost")

# Sessions live in the database (server-side logout); idle timeout in seconds.
SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = env_int("BANKCRM_SESSION_MAX_AGE", 8 * 3600)
SESSION_IDLE_TIMEOUT = env_int("BANKCRM_SESSION_IDLE_TIMEOUT", 15 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env("BANKCRM_STATIC_ROOT", str(HOME_DIR / "staticfiles")))
NODE_MODULES = Path(env("BANKCRM_NODE_MODULES", str(HOME_DIR / "node_modules")))
STATICFILES_DIRS = [
    BASE_DIR / "static",  # our own CSS/JS (bankcrm/...), beside the project templates
    ("vendor/bootstrap", NODE_MODULES / "bootstrap" / "dist"),
    ("vendor/bootstrap-icons", NODE_MODULES / "bootstrap-icons" / "font"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content Security Policy (django-csp): scripts, styles, fonts and images from our own origin
# only; no inline script or style, no eval, no framing. Pages pass data to scripts through
# json_script and data- attributes; htmx is told not to inject its indicator style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],  # Bootstrap's CSS draws its icons as data: SVG
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}

# Error reports (DEBUG page, e-mails to ADMINS) hide every POST and GET value and every local
# variable: request bodies and tracebacks hold personal data (common/reporting.py).
DEFAULT_EXCEPTION_REPORTER_FILTER = "bankcrm.common.reporting.PersonalDataReporterFilter"
DEFAULT_EXCEPTION_REPORTER = "bankcrm.common.reporting.PersonalDataExceptionReporter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("BANKCRM_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},  # failures and lockouts only; sign-ins are audited
    },
}

# Customer list pages: rows per page (keyset pagination, no COUNT over the whole book).
CUSTOMER_PAGE_SIZE = 25
# Exports: at most this many rows in one file; the font embedded in PDFs (a CJK .ttf/.otf/.ttc;
# by default Debian's fonts-noto-cjk is looked for).
EXPORT_MAX_ROWS = env_int("BANKCRM_EXPORT_MAX_ROWS", 10_000)
PDF_FONT = env("BANKCRM_PDF_FONT", "")
API_TOKEN_TTL_DAYS = env_int("BANKCRM_API_TOKEN_TTL_DAYS", 365)
# The auditor's page checks the hash chain on request up to this many entries (a few seconds);
# a longer chain is checked by the scheduled `bankcrm verify_audit --record`.
AUDIT_INLINE_VERIFY_MAX = env_int("BANKCRM_AUDIT_INLINE_VERIFY_MAX", 200_000)

# The analytical warehouse: a Parquet lake read through Ibis (docs/warehouse.md).
WAREHOUSE_BACKEND = env("BANKCRM_WAREHOUSE", "duckdb")
WAREHOUSE_LAKE_PATH = Path(env("BANKCRM_LAKE_PATH", str(VAR_DIR / "lake")))
WAREHOUSE_SPARK_MASTER = env("BANKCRM_SPARK_MASTER", "local[2]")
WAREHOUSE_DUCKDB_MEMORY = env("BANKCRM_DUCKDB_MEMORY", "2GB")
WAREHOUSE_DUCKDB_THREADS = env_int("BANKCRM_DUCKDB_THREADS", 0)
WAREHOUSE_SYNC_INTERVAL = env_int("BANKCRM_WAREHOUSE_SYNC_INTERVAL", 60)
# Seconds between scheduled refreshes of the dynamic segments (bankcrm refresh_segments --schedule).
SEGMENT_REFRESH_INTERVAL = env_int("BANKCRM_SEGMENT_REFRESH_INTERVAL", 24 * 3600)

# Customer value and the standard segmentations (analytics/valuation.py; docs/segmentation.md).
# Age groups: young below the first bound, middle-aged below the second, senior from it.
VALUE_AGE_BOUNDS = (env_int("BANKCRM_AGE_MIDDLE_FROM", 35), env_int("BANKCRM_AGE_SENIOR_FROM", 60))
# Wealth tiers by AUM (CNY): affluent (贵宾) from the first, private banking from the second.
VALUE_WEALTH_TIERS = (
    env("BANKCRM_AFFLUENT_FROM", "500000"),
    env("BANKCRM_PRIVATE_BANKING_FROM", "6000000"),
)
# RFM: transactions of this many days; the categories a customer starts (not interest or fees).
VALUE_RFM_WINDOW_DAYS = env_int("BANKCRM_RFM_WINDOW_DAYS", 365)
VALUE_RFM_CATEGORIES = (
    "transfer_in",
    "transfer_out",
    "consumption",
    "loan_repayment",
    "investment_purchase",
    "investment_redemption",
    "cash_deposit",
    "cash_withdrawal",
)
# Yearly margin on balances, per product type (a fraction of the balance): for deposits the
# funds transfer price less the rate paid, for loans the rate charged less the funding cost,
# for investment products the bank's trailing fee. Fees charged (category "fee") are added.
VALUE_SPREADS = {
    "demand_deposit": "0.0180",
    "time_deposit": "0.0060",
    "wealth": "0.0050",
    "fund": "0.0080",
    "insurance": "0.0100",
    "personal_loan": "0.0250",
    "mortgage": "0.0090",
    "credit_card": "0.0400",
    "fx": "0.0020",
}
# Value tiers by contribution rank: the top share is gold, the next growth, the next standard,
# the rest (and anyone contributing nothing) low value.
VALUE_TIER_SHARES = ("0.05", "0.20", "0.70")
# Lifetime value = contribution x r / (1 + d - r): r the yearly retention of the customer's
# RFM cell, d the discount rate (docs/segmentation.md shows the assumptions on the page too).
VALUE_DISCOUNT_RATE = "0.08"
# A refresh computes customers in parts of about this many (the unit of progress and resuming).
VALUE_PART_ROWS = env_int("BANKCRM_VALUE_PART_ROWS", 200_000)
# The outbox (docs/messaging.md): attempts before a message is given up; backoff BASE·2^(n−1)
# seconds capped at MAX; a `sending` row older than the lease returns to the queue; the sweep's
# interval; one gateway call's timeout; the SMS gateway.
MESSAGING_MAX_ATTEMPTS = env_int("BANKCRM_MESSAGING_MAX_ATTEMPTS", 6)
MESSAGING_RETRY_BASE_SECONDS = env_int("BANKCRM_MESSAGING_RETRY_BASE_SECONDS", 60)
MESSAGING_RETRY_MAX_SECONDS = env_int("BANKCRM_MESSAGING_RETRY_MAX_SECONDS", 6 * 3600)
MESSAGING_LEASE_SECONDS = env_int("BANKCRM_MESSAGING_LEASE_SECONDS", 300)
MESSAGING_SWEEP_SECONDS = env_int("BANKCRM_MESSAGING_SWEEP_SECONDS", 60)
MESSAGING_HTTP_TIMEOUT = env_int("BANKCRM_MESSAGING_HTTP_TIMEOUT", 10)
MESSAGING_SMS_GATEWAY_URL = env("BANKCRM_SMS_GATEWAY_URL", "")
MESSAGING_SMS_GATEWAY_TOKEN = env("BANKCRM_SMS_GATEWAY_TOKEN", "")
MESSAGING_SMS_SENDER = env("BANKCRM_SMS_SENDER", "")
# Where customers reach the bank's pages (survey links in messages); https in production.
PUBLIC_URL = env("BANKCRM_PUBLIC_URL", "http://127.0.0.1:8000")
# How long a survey link stays open, in days.
SURVEY_DAYS = env_int("BANKCRM_SURVEY_DAYS", 14)
# Report figures (analytics.report_store) are kept this long before a view computes them again.
REPORT_MAX_AGE_SECONDS = env_int("BANKCRM_REPORT_MAX_AGE", 24 * 3600)
VALUE_RETENTION = {
    "champions": "0.95",
    "loyal": "0.92",
    "cannot_lose": "0.80",
    "potential_loyalists": "0.85",
    "at_risk": "0.70",
    "need_attention": "0.75",
    "new": "0.70",
    "promising": "0.75",
    "about_to_sleep": "0.60",
    "hibernating": "0.50",
    "lost": "0.30",
}
# Background work: Django's tasks API, stored in the database, run by `bankcrm db_worker`.
TASKS = {
    "default": {
        "BACKEND": env("BANKCRM_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}
