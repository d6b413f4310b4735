import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ensure_perm
from bankcrm.org.models import ApiToken, Branch, Staff

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
    *, staff: Staff, name: str, days: int | None = None, actor: Staff | None = None
) -> tuple[ApiToken, str]:
    """Issue an API token acting as `staff`; returns the record and the token, shown only once.

    `actor` is the member of staff issuing it (None from the command line, which is trusted).
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
    if errors:
        raise ValidationError(errors)
    raw = f"{API_TOKEN_PREFIX}{secrets.token_urlsafe(32)}"
    token = ApiToken.objects.create(
        staff=staff,
        name=name,
        prefix=raw[:12],
        digest=api_token_digest(raw),
        expires_at=timezone.now() + timedelta(days=days),
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
        },
    )
    return token, raw


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
