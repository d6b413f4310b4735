import hashlib
import secrets
import time
from base64 import b32encode
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from bankcrm.audit.services import audit_record
from bankcrm.common import crypto
from bankcrm.common.errors import ensure_perm
from bankcrm.org.models import (
    ApiToken,
    Authenticator,
    Branch,
    RecoveryCode,
    RecoveryCodes,
    Staff,
)
from bankcrm.org.roles import PERMISSIONS, SCOPE, Role, Scope

# Tokens start with this marker so secret scanners and people recognise them.
API_TOKEN_PREFIX = "bcrm_"  # noqa: S105 - a marker, not a secret


@transaction.atomic
def branch_create(
    *, code: str, name: str, name_en: str = "", parent: Branch | None, city: str = ""
) -> Branch:
    level = Branch.Level.HEAD_OFFICE if parent is None else min(parent.level + 1, 2)
    path = f"{parent.path if parent else '/'}{code}/"
    return Branch.objects.create(
        code=code, name=name, name_en=name_en, parent=parent, level=level, path=path, city=city
    )


@transaction.atomic
def staff_language_set(*, staff: Staff, language: str) -> Staff:
    Staff.objects.filter(pk=staff.pk).update(language=language)
    staff.language = language
    audit_record(
        actor=staff,
        action="staff.language",
        object_type="staff",
        object_id=staff.pk,
        changes={"language": language},
    )
    return staff


def api_token_digest(raw: str) -> str:
    """The SHA-256 hex digest under which an API token is stored (the token itself never is)."""
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *,
    staff: Staff,
    name: str,
    days: int | None = None,
    actor: Staff | None = None,
    role: str = "",
    branch: Branch | None = None,
) -> tuple[ApiToken, str]:
    """Issue an API token acting as `staff`; returns the record and the token, shown only once.

    `actor` is the member of staff issuing it (None from the command line, which is trusted).
    `role` and `branch` narrow the token (org/selectors.py: api_token_actor): the role's
    permissions must be a subset of the staff member's and its scope no wider; the branch must
    lie within what the staff member sees.
    """
    if actor is not None:
        ensure_perm(actor, "org.manage_api_tokens")
    errors = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = gettext("Name the system that will use this token.")
    days = settings.API_TOKEN_TTL_DAYS if days is None else days
    if not 1 <= days <= 3660:
        errors["days"] = gettext("A token lives between 1 and 3,660 days.")
    if not staff.is_active:
        errors["staff"] = gettext("This staff account is not active.")
    errors.update(_api_token_narrowing_errors(staff=staff, role=role, branch=branch))
    if errors:
        raise ValidationError(errors)
    raw = f"{API_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        staff=staff,
        name=name,
        prefix=raw[:12],
        digest=api_token_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
        role=role or "",
        branch=branch,
    )
    audit_record(
        actor=actor,
        action="api_token.create",
        object_type="api_token",
        object_id=token.pk,
        changes={
            "staff": staff.pk,
            "name": name,
            "prefix": token.prefix,
            "expires_at": token.expires_at.isoformat(),
            "role": token.role,
            "branch": token.branch_id,
        },
    )
    return token, raw


def _api_token_narrowing_errors(*, staff: Staff, role: str, branch: Branch | None) -> dict:
    from bankcrm.org.selectors import SCOPE_WIDTH, branches_visible_to

    errors = {}
    if role:
        if role not in Role.values:
            errors["role"] = gettext("Unknown role.")
        elif not (
            PERMISSIONS.get(role, frozenset()) <= PERMISSIONS.get(staff.role, frozenset())
            and SCOPE_WIDTH[SCOPE.get(role, Scope.OWN_BOOK)] <= SCOPE_WIDTH[staff.scope]
        ):
            errors["role"] = gettext(
                "A token's role may not allow more than the staff member's own role."
            )
    if branch is not None:
        effective = SCOPE.get(role, Scope.OWN_BOOK) if role else staff.scope
        if effective == Scope.OWN_BOOK and branch.pk != staff.branch_id:
            errors["branch"] = gettext("A role that sees its own customers keeps its own branch.")
        elif not branches_visible_to(staff).filter(pk=branch.pk).exists():
            errors["branch"] = gettext("This branch is outside the staff member's scope.")
    return errors


@transaction.atomic
def api_token_revoke(*, token: ApiToken, actor: Staff | None = None) -> ApiToken:
    """Revoke a token at once; later requests carrying it answer 401. Revoking twice is a no-op."""
    if actor is not None and actor.pk != token.staff_id:
        ensure_perm(actor, "org.manage_api_tokens")
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db()
    if updated:
        audit_record(
            actor=actor,
            action="api_token.revoke",
            object_type="api_token",
            object_id=token.pk,
            changes={"staff": token.staff_id, "prefix": token.prefix},
        )
    return token


def api_token_mark_used(*, token: ApiToken, every_seconds: int = 60) -> None:
    """Record when a token was last used, at most once a minute so reads stay write-free."""
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() >= every_seconds:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


@transaction.atomic
def api_token_revoke_by_prefix(*, prefix: str) -> list[ApiToken]:
    """Revoke every live token starting with `prefix` (the command line: `revoke_api_token`)."""
    prefix = (prefix or "").strip()
    if len(prefix) < 8:
        raise ValidationError({"prefix": gettext("Give at least 8 characters of the token.")})
    tokens = list(
        ApiToken.objects.filter(prefix=prefix[:12], revoked_at__isnull=True)
        if len(prefix) >= 12
        else ApiToken.objects.filter(prefix__startswith=prefix, revoked_at__isnull=True)
    )
    return [api_token_revoke(token=token) for token in tokens]


# --- Sign-in, second factor, sessions ------------------------------------------------------


def auth_event_record(
    *, action: str, staff: Staff | None, allowed: bool, changes: dict | None = None
) -> None:
    """One sign-in, sign-out, lockout or second-factor event in the audit trail.

    For a failed sign-in `staff` is the account the typed username names, if it exists (what
    was typed is never recorded: it may be a password typed into the wrong field).
    """
    from bankcrm.audit.models import AuditEvent

    audit_record(
        actor=staff,
        action=action,
        object_type="staff",
        object_id=staff.pk if staff is not None else "",
        changes=changes,
        outcome=AuditEvent.Outcome.ALLOWED if allowed else AuditEvent.Outcome.DENIED,
    )


def staff_sessions_end(*, staff: Staff, keep: str | None = None) -> int:
    """Delete every server-side session of `staff` (except the session key `keep`).

    Database sessions are not indexed by user: this reads the unexpired sessions once.
    """
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    doomed = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(1000):
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get(SESSION_KEY)) == str(staff.pk):
            doomed.append(session.session_key)
    Session.objects.filter(session_key__in=doomed).delete()
    return len(doomed)


@transaction.atomic
def staff_deactivate(*, staff: Staff, actor: Staff | None) -> Staff:
    """Disable a staff account: it can no longer sign in, its sessions end now, its API tokens
    stop working (they check the staff member is active). Audited."""
    if actor is not None:
        ensure_perm(actor, "org.manage_staff")
    Staff.objects.filter(pk=staff.pk).update(is_active=False)
    staff.is_active = False
    ended = staff_sessions_end(staff=staff)
    audit_record(
        actor=actor,
        action="staff.deactivate",
        object_type="staff",
        object_id=staff.pk,
        changes={"is_active": False, "sessions_ended": ended},
    )
    return staff


def mfa_totp_device(*, staff: Staff):
    """The staff member's confirmed authenticator (TOTP), or None."""
    return Authenticator.objects.filter(user=staff, confirmed=True).order_by("-id").first()


@transaction.atomic
def mfa_totp_start(*, staff: Staff):
    """The unconfirmed authenticator being set up (created once, reused on reload)."""
    device = Authenticator.objects.filter(user=staff, confirmed=False).order_by("-id").first()
    if device is None:
        device = Authenticator.objects.create(user=staff, name="authenticator", confirmed=False)
    return device


@transaction.atomic
def mfa_recovery_codes_create(*, staff: Staff, record: bool = True) -> list[str]:
    """New single-use recovery codes (the old ones stop working); returned once, to show."""
    RecoveryCodes.objects.filter(user=staff).delete()
    device = RecoveryCodes.objects.create(user=staff, name="recovery codes", confirmed=True)
    codes = [_recovery_code() for _ in range(settings.RECOVERY_CODE_COUNT)]
    RecoveryCode.objects.bulk_create([RecoveryCode(device=device, code=code) for code in codes])
    if record:
        auth_event_record(
            action="auth.mfa_recovery_codes",
            staff=staff,
            allowed=True,
            changes={"count": len(codes)},
        )
    return codes


@dataclass(frozen=True)
class SecondFactorCheck:
    device: object | None  # the device that accepted the code
    wait_seconds: int = 0  # too many wrong codes: the next try is refused until then
    recovery_codes: list[str] | None = None  # a new authenticator's codes, to show once


@transaction.atomic
def mfa_totp_confirm(*, staff: Staff, device, code: str) -> SecondFactorCheck:
    """Confirm a new authenticator with a code from it. On success it replaces any previous
    authenticator and new recovery codes are made (returned, to show once)."""
    if device.user_id != staff.pk or device.confirmed:
        return SecondFactorCheck(device=None)
    code = _normalised_code(code)
    device = Authenticator.objects.select_for_update().get(pk=device.pk)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        return SecondFactorCheck(device=None, wait_seconds=_throttle_wait(device, details))
    if not (code.isdigit() and device.verify_token(code)):
        auth_event_record(action="auth.mfa_enrol", staff=staff, allowed=False)
        return SecondFactorCheck(device=None)
    replaced = Authenticator.objects.filter(user=staff).exclude(pk=device.pk).delete()[0]
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = mfa_recovery_codes_create(staff=staff, record=False)
    auth_event_record(
        action="auth.mfa_enrol",
        staff=staff,
        allowed=True,
        changes={"method": "totp", "replaced": bool(replaced), "recovery_codes": len(codes)},
    )
    return SecondFactorCheck(device=device, recovery_codes=codes)


@dataclass(frozen=True)
class EnrolmentCode:
    """A set-up code e-mailed to a staff member: what the session keeps (never the code)."""

    digest: str
    sent_at: float  # Unix time


ENROLMENT_CODE_SECONDS = 15 * 60  # a code works this long
ENROLMENT_CODE_RESEND_SECONDS = 60  # and a new one can be asked for after this
ENROLMENT_CODE_TRIES = 5  # wrong codes before a new one must be sent


def _enrolment_digest(staff: Staff, code: str) -> str:
    from django.utils.crypto import salted_hmac

    return salted_hmac("bankcrm.org.mfa_enrolment", f"{staff.pk}:{code}").hexdigest()


@transaction.atomic
def mfa_enrolment_code_send(*, staff: Staff) -> EnrolmentCode | None:
    """E-mail a one-time set-up code to the staff member's address on file.

    Setting up the first authenticator needs this code as well as the password: someone who
    has only the password cannot bind their own phone to the account (no trust on first use).
    The message is queued for the worker (org/tasks.py), sealed. Returns what the session
    keeps, or None if the account has no e-mail address (an administrator must add one).
    """
    from django.template.loader import render_to_string
    from django.utils import translation

    from bankcrm.org.tasks import staff_mail_send

    if not staff.email:
        auth_event_record(
            action="auth.mfa_enrol_code", staff=staff, allowed=False, changes={"sent": False}
        )
        return None
    code = f"{secrets.randbelow(10**8):08d}"
    with translation.override(staff.language):
        subject = gettext("Your bankcrm set-up code")
        body = render_to_string(
            "org/email/mfa_enrolment_code.txt",
            {"staff": staff, "code": code, "minutes": ENROLMENT_CODE_SECONDS // 60},
        )
    staff_mail_send.enqueue(staff.pk, crypto.encrypt(subject), crypto.encrypt(body))
    auth_event_record(
        action="auth.mfa_enrol_code", staff=staff, allowed=True, changes={"sent": True}
    )
    return EnrolmentCode(digest=_enrolment_digest(staff, code), sent_at=time.time())


def mfa_enrolment_code_check(*, staff: Staff, sent: EnrolmentCode, code: str) -> bool:
    """Whether `code` is the set-up code `sent` stands for, and still fresh. Audited."""
    import hmac

    code = "".join((code or "").split())
    fresh = time.time() - sent.sent_at <= ENROLMENT_CODE_SECONDS
    matches = hmac.compare_digest(_enrolment_digest(staff, code), sent.digest)
    allowed = fresh and matches
    auth_event_record(
        action="auth.mfa_enrol_code",
        staff=staff,
        allowed=allowed,
        changes={"checked": True, **({} if fresh else {"expired": True})},
    )
    return allowed


def password_reset_request(*, email: str, domain: str, use_https: bool, language: str) -> None:
    """Queue the reset message for this address (org/tasks.py sends it, if an active account
    has the address). The same single write whatever the address: nothing here looks it up."""
    from bankcrm.org.tasks import password_reset_send

    password_reset_send.enqueue(crypto.encrypt(email), domain, use_https, language)


def _recovery_code() -> str:
    """Eight base32 characters (40 random bits), lower case."""
    return b32encode(secrets.token_bytes(5)).decode().lower()


def _normalised_code(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").lower()


def mfa_verify(*, staff: Staff, code: str) -> SecondFactorCheck:
    """Check a code from the authenticator (six digits) or a recovery code (used up by this).

    A TOTP code is accepted once: its time step is recorded (the device's last_t) under a row
    lock, so the same code replayed, even concurrently, is refused. Wrong codes slow the next
    try down (django-otp's throttling, doubling each time). Every try is audited.
    """
    import django_otp

    code = _normalised_code(code)
    # Six digits: the app's code. Anything else is a recovery code (eight base32 characters,
    # which can, rarely, all be digits).
    if code.isdigit() and len(code) == 6:
        method, device = "totp", mfa_totp_device(staff=staff)
    else:
        method = "recovery_code"
        device = RecoveryCodes.objects.filter(user=staff, confirmed=True).first()
    if device is None or not code or len(code) > 16:
        auth_event_record(
            action="auth.mfa_verify", staff=staff, allowed=False, changes={"method": method}
        )
        return SecondFactorCheck(device=None)
    allowed, details = device.verify_is_allowed()
    if not allowed:
        wait = _throttle_wait(device, details)
        auth_event_record(
            action="auth.mfa_verify",
            staff=staff,
            allowed=False,
            changes={"method": method, "throttled": True},
        )
        return SecondFactorCheck(device=None, wait_seconds=wait)
    accepted = django_otp.verify_token(staff, device.persistent_id, code)
    changes = {"method": method}
    if accepted is not None and method == "recovery_code":
        changes["recovery_codes_left"] = accepted.codes.count()
    auth_event_record(
        action="auth.mfa_verify", staff=staff, allowed=accepted is not None, changes=changes
    )
    return SecondFactorCheck(device=accepted)


def _throttle_wait(device, details: dict | None) -> int:
    until = (details or {}).get("locked_until")
    if until is None:
        return 1
    return max(1, int((until - timezone.now()).total_seconds()) + 1)


@transaction.atomic
def mfa_reset(*, staff: Staff, actor: Staff | None) -> int:
    """Remove a staff member's authenticator and recovery codes (a lost phone): they set up a
    new one at their next sign-in. Their sessions end. Returns the devices removed."""
    if actor is not None:
        ensure_perm(actor, "org.manage_staff")
    removed = Authenticator.objects.filter(user=staff).count()
    removed += RecoveryCodes.objects.filter(user=staff).count()
    Authenticator.objects.filter(user=staff).delete()
    RecoveryCodes.objects.filter(user=staff).delete()
    ended = staff_sessions_end(staff=staff)
    audit_record(
        actor=actor,
        action="auth.mfa_reset",
        object_type="staff",
        object_id=staff.pk,
        changes={"devices_removed": removed, "sessions_ended": ended},
    )
    return removed
