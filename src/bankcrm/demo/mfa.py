"""DEMO ONLY: the demo bank's logins get an authenticator with one published secret, so anyone
trying the demo can sign in (`bankcrm demo_logins` prints the secret and the current code).

Never in production: bankcrm.config.production sets DEMO_MFA_ALLOWED = False and then nothing
here enrols or prints anything. A real bank's staff set up their own authenticator at their
first sign-in.
"""

from base64 import b32decode

from django.conf import settings
from django_otp.oath import TOTP

# The published demo secret (base32, as an authenticator app takes it). DEMO ONLY.
DEMO_TOTP_SECRET = "BANKCRMDEMOONLYBANKCRMDEMOONLY22"  # noqa: S105 - published, DEMO ONLY
DEMO_DEVICE_NAME = "DEMO ONLY"


def allowed() -> bool:
    return bool(getattr(settings, "DEMO_MFA_ALLOWED", False))


def demo_code() -> str:
    generator = TOTP(b32decode(DEMO_TOTP_SECRET))
    return f"{generator.token():06d}"


def ensure_demo_devices(usernames: list[str]) -> int:
    """Give each demo login without an authenticator the demo one. Returns how many were made."""
    if not allowed():
        return 0
    from bankcrm.org.models import Authenticator, Staff

    key = b32decode(DEMO_TOTP_SECRET).hex()
    made = 0
    for staff in Staff.objects.filter(username__in=usernames):
        if not Authenticator.objects.filter(user=staff, confirmed=True).exists():
            Authenticator.objects.create(user=staff, name=DEMO_DEVICE_NAME, key=key, confirmed=True)
            made += 1
    return made
