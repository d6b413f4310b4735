"""Writes of satisfaction surveys: the request after a case closes (with its message through the
outbox) and the customer's answer from the public link."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.models import Consent
from bankcrm.messaging.services import message_enqueue
from bankcrm.surveys.models import Survey

REQUEST = "surveys.add_survey"
LANGUAGES = ("zh-hans", "en")


def survey_days() -> int:
    """How long a survey link stays open (BANKCRM_SURVEY_DAYS, default 14)."""
    return settings.SURVEY_DAYS


def token_digest(token: str) -> str:
    return hashlib.sha256(f"survey:{token}".encode()).hexdigest()


def _language_of(customer, staff) -> str:
    """The survey's language: the customer's if ever recorded, else Chinese (the bank's)."""
    language = getattr(customer, "language", "") or "zh-hans"
    return language if language in LANGUAGES else "zh-hans"


@dataclass(frozen=True)
class _Link:
    token: str
    url: str


def _new_link() -> _Link:
    token = secrets.token_urlsafe(32)  # 256 bits: not guessable, not enumerable
    return _Link(
        token=token, url=settings.PUBLIC_URL.rstrip("/") + reverse("surveys:answer", args=[token])
    )


@transaction.atomic
def survey_request(*, actor, customer, about_type: str, about_id: int, staff, branch) -> Survey:
    """Create the satisfaction survey about one object (e.g. ("case", 42)) and queue its
    invitation to the customer (purpose service, the customer's consented channel) in the
    caller's transaction. Idempotent: a second request about the same object returns the first
    survey and sends nothing."""
    ensure_perm(actor, REQUEST)
    errors = {}
    if not (about_type or "").strip() or len(about_type) > 30:
        errors["about_type"] = _("Say what the survey is about.")
    if not isinstance(about_id, int) or about_id <= 0:
        errors["about_id"] = _("Say what the survey is about.")
    if errors:
        raise ValidationError(errors)
    existing = Survey.objects.filter(about_type=about_type, about_id=about_id).first()
    if existing is not None:
        return existing
    link = _new_link()
    language = _language_of(customer, staff)
    try:
        with transaction.atomic():
            survey = Survey.objects.create(
                customer=customer,
                about_type=about_type,
                about_id=about_id,
                staff=staff,
                branch=branch,
                token_digest=token_digest(link.token),
                language=language,
                expires_at=timezone.now() + timedelta(days=survey_days()),
            )
    except IntegrityError:
        existing = Survey.objects.filter(about_type=about_type, about_id=about_id).first()
        if existing is None:
            raise
        return existing
    with translation.override(language):
        subject = _("How did we do? Tell us in one minute")
        body = render_to_string(
            "surveys/email/invitation.txt",
            {"customer": customer, "url": link.url, "days": survey_days()},
        )
    message = message_enqueue(
        customer=customer,
        purpose=Consent.Purpose.SERVICE,
        subject=subject,
        body=body,
        dedupe_key=f"survey:{about_type}:{about_id}",
        related_type="survey",
        related_id=survey.pk,
        actor=actor,
        language=language,
    )
    Survey.objects.filter(pk=survey.pk).update(message=message)
    survey.message = message
    audit_record(
        actor=actor,
        action="survey.request",
        object_type="survey",
        object_id=survey.pk,
        customer_id=customer.pk,
        changes={
            "about": f"{about_type}:{about_id}",
            "staff": getattr(staff, "pk", None),
            "message": message.pk,
            "message_status": message.status,
        },
    )
    return survey


def survey_by_token(token: str) -> Survey | None:
    """The survey a link's token opens, or None (unknown or malformed)."""
    if not token or len(token) > 100:
        return None
    return Survey.objects.select_related("branch").filter(token_digest=token_digest(token)).first()


class SurveyClosed(Exception):
    """The survey was already answered or has expired."""

    def __init__(self, status: str):
        self.status = status
        super().__init__(status)


def _parse_score(value, low: int, high: int, field: str, errors: dict, *, required: bool):
    if value in (None, ""):
        if required:
            errors[field] = _("Choose a score.")
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        errors[field] = _("Choose a score.")
        return None
    if not low <= number <= high:
        errors[field] = _("Choose a score from %(low)s to %(high)s.") % {"low": low, "high": high}
        return None
    return number


def survey_answer(*, survey: Survey, csat, nps, comment: str = "") -> Survey:
    """Record the customer's one answer. Raises SurveyClosed if it was answered or has expired
    (an expired survey is marked so, and stays marked), ValidationError for a missing or
    out-of-range score. The answer and its audit entry are one transaction."""
    now = timezone.now()
    if survey.status == Survey.Status.SENT and survey.expires_at <= now:
        Survey.objects.filter(pk=survey.pk, status=Survey.Status.SENT).update(
            status=Survey.Status.EXPIRED
        )
        raise SurveyClosed(Survey.Status.EXPIRED)
    if survey.status != Survey.Status.SENT:
        raise SurveyClosed(survey.status)
    errors: dict = {}
    csat_value = _parse_score(csat, 1, 5, "csat", errors, required=True)
    nps_value = _parse_score(nps, 0, 10, "nps", errors, required=True)
    comment = (comment or "").strip()
    if len(comment) > 2000:
        errors["comment"] = _("At most 2,000 characters, please.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # One answer only: the conditional update lets one of two concurrent posts through.
        updated = Survey.objects.filter(
            pk=survey.pk, status=Survey.Status.SENT, expires_at__gt=now
        ).update(
            status=Survey.Status.ANSWERED,
            csat=csat_value,
            nps=nps_value,
            comment=comment,
            has_comment=bool(comment),
            answered_at=now,
        )
        if updated == 1:
            audit_record(
                actor=None,
                action="survey.answer",
                object_type="survey",
                object_id=survey.pk,
                customer_id=survey.customer_id,
                changes={"csat": csat_value, "nps": nps_value, "comment": bool(comment)},
            )
    if updated != 1:
        survey.refresh_from_db()
        raise SurveyClosed(survey.status)
    survey.refresh_from_db()
    return survey


def surveys_expire(*, now=None) -> int:
    """Mark the surveys whose link has run out (the figures never counted them anyway)."""
    now = now or timezone.now()
    return Survey.objects.filter(status=Survey.Status.SENT, expires_at__lte=now).update(
        status=Survey.Status.EXPIRED
    )
