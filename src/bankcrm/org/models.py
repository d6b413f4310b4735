import hmac
import time
from base64 import b32encode
from binascii import unhexlify
from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.oath import TOTP
from django_otp.util import random_hex

from bankcrm.common.fields import EncryptedTextField
from bankcrm.org.roles import SCOPE, Role, Scope


class Branch(models.Model):
    """A node of the bank's hierarchy: head office → branches → sub-branches."""

    class Level(models.IntegerChoices):
        HEAD_OFFICE = 0, _("Head office")
        BRANCH = 1, _("Branch")
        SUB_BRANCH = 2, _("Sub-branch")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # Materialised path of codes ("/000/110/110101/"): a subtree is one prefix.
    path = models.CharField(max_length=255, unique=True, editable=False)
    city = models.CharField(_("city"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Team(models.Model):
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="team_unique_name_in_branch")
        ]

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """A member of staff. Their role decides what they may do; their branch, what they see."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="staff"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    employee_number = models.CharField(_("employee number"), max_length=20, unique=True)
    display_name = models.CharField(_("display name"), max_length=50)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="zh-hans",
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope(self) -> str:
        # An API token narrowed to a branch gives a whole-bank role a branch's scope
        # (org/selectors.py: api_token_actor); a staff record itself never has this set.
        narrowed = self.__dict__.get("narrowed_scope")
        return narrowed or SCOPE.get(self.role, Scope.OWN_BOOK)


class ApiToken(models.Model):
    """A token for system integration. Only its SHA-256 digest is stored; it is shown once."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Optional narrowing: the token acts with this role (a subset of the staff member's
    # permissions) and within this branch (inside the staff member's scope). Blank: as the staff.
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


# ---------------------------------------------------------------------------------------------
# Second factor. Secrets are C3 data: the TOTP key and the recovery codes are stored encrypted
# under the field keys (common/crypto.py), so `bankcrm rotate_keys` re-encrypts them with every
# other protected field, and a copy of the database alone cannot compute a code.


def new_totp_key() -> str:
    """A new TOTP secret: 20 random bytes, hex (the form RFC 4226 keys are usually given in)."""
    return random_hex(20)


class Authenticator(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's authenticator app: TOTP (RFC 6238), 30-second steps, six digits, one
    step of clock tolerance. A code is accepted once: `last_t` holds the time step of the last
    accepted code, and only a later step is accepted next (django-otp locks the row)."""

    step = 30
    t0 = 0
    digits = 6
    tolerance = 1

    key = EncryptedTextField(default=new_totp_key)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("authenticator")
        verbose_name_plural = _("authenticators")

    @property
    def bin_key(self) -> bytes:
        return unhexlify(self.key.encode())

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_TOTP_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        if not self.verify_is_allowed()[0]:
            return False
        token = str(token)
        if not (token.isdigit() and len(token) == self.digits):
            self.throttle_increment()
            return False
        totp = TOTP(self.bin_key, self.step, self.t0, self.digits, self.drift)
        totp.time = time.time()
        if not totp.verify(int(token), self.tolerance, self.last_t + 1):
            self.throttle_increment()
            return False
        self.last_t = totp.t()
        self.drift = totp.drift
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True

    @property
    def config_url(self) -> str:
        """The otpauth:// address an authenticator app reads from the QR code."""
        issuer = (getattr(settings, "OTP_TOTP_ISSUER", "") or "").replace(":", "")
        label = f"{issuer}:{self.user.get_username()}" if issuer else self.user.get_username()
        params = {
            "secret": b32encode(self.bin_key).decode(),
            "algorithm": "SHA1",
            "digits": self.digits,
            "period": self.step,
        }
        query = urlencode(params) + (f"&issuer={quote(issuer)}" if issuer else "")
        return f"otpauth://totp/{quote(label)}?{query}"


class RecoveryCodes(TimestampMixin, ThrottlingMixin, Device):
    """A staff member's single-use recovery codes (the device holding them)."""

    class Meta(Device.Meta):
        verbose_name = _("recovery codes")
        verbose_name_plural = _("recovery codes")

    def get_throttle_factor(self) -> int:
        return getattr(settings, "OTP_STATIC_THROTTLE_FACTOR", 1)

    def verify_token(self, token) -> bool:
        """Accept one of the codes (which is then used up). Every code is compared, in constant
        time, whichever matches: the answer takes as long for a near miss as for a hit."""
        if not self.verify_is_allowed()[0]:
            return False
        given = str(token).encode()
        match = None
        for code in self.codes.select_for_update().order_by("pk"):
            if hmac.compare_digest(code.code.encode(), given):
                match = code
        if match is None:
            self.throttle_increment()
            return False
        match.delete()
        self.throttle_reset(commit=False)
        self.set_last_used_timestamp(commit=False)
        self.save()
        return True


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    code = EncryptedTextField()

    def __str__(self) -> str:
        return f"recovery code #{self.pk}"  # never the code itself
