"""Satisfaction surveys (CSAT and NPS) sent to a customer about something that happened: a
closed case today, a campaign tomorrow (about_type/about_id keep it generic)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankcrm.common.fields import EncryptedTextField


class Survey(models.Model):
    class Status(models.TextChoices):
        SENT = "sent", _("Sent")
        ANSWERED = "answered", _("Answered")
        EXPIRED = "expired", _("Expired")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="surveys",
    )
    about_type = models.CharField(_("about"), max_length=30)
    about_id = models.BigIntegerField(_("about id"))
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff rated"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="surveys_about",
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="surveys"
    )
    # Only a keyed digest of the link's token: the database never holds a usable link.
    token_digest = models.CharField(max_length=64, unique=True, editable=False)
    message = models.ForeignKey(
        "messaging.Message",
        verbose_name=_("message"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.SENT
    )
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    expires_at = models.DateTimeField(_("expires at"))
    csat = models.PositiveSmallIntegerField(_("satisfaction (1–5)"), null=True, blank=True)
    nps = models.PositiveSmallIntegerField(
        _("likelihood to recommend (0–10)"), null=True, blank=True
    )
    comment = EncryptedTextField(_("comment"), blank=True)
    has_comment = models.BooleanField(default=False, editable=False)  # ciphertext can't be queried
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)

    class Meta:
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.UniqueConstraint(fields=["about_type", "about_id"], name="survey_about_unique"),
            models.CheckConstraint(
                condition=models.Q(csat__isnull=True) | models.Q(csat__gte=1, csat__lte=5),
                name="survey_csat_range",
            ),
            models.CheckConstraint(
                condition=models.Q(nps__isnull=True) | models.Q(nps__lte=10),
                name="survey_nps_range",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "answered_at"], name="survey_answered"),
            models.Index(fields=["staff", "answered_at"], name="survey_staff_answered"),
            models.Index(fields=["branch", "answered_at"], name="survey_branch_answered"),
            models.Index(fields=["customer", "-created_at"], name="survey_customer"),
            models.Index(fields=["-created_at", "-id"], name="survey_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.about_type} {self.about_id}: {self.status}"

    @property
    def current_status(self) -> str:
        """The status as of now: a sent survey past its date is expired even before
        `bankcrm expire_surveys` (or its answer page) has marked it so."""
        from django.utils import timezone

        if self.status == self.Status.SENT and self.expires_at <= timezone.now():
            return self.Status.EXPIRED
        return self.status

    def get_current_status_display(self) -> str:
        return str(self.Status(self.current_status).label)
