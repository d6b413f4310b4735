"""The transactional outbox: one row per message to a customer, written in the transaction of
the change that causes it and delivered by the background worker (docs/messaging.md)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankcrm.common import masking
from bankcrm.common.fields import EncryptedTextField
from bankcrm.customers.models import Channel, Consent


class Message(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        SUPPRESSED = "suppressed", _("Suppressed")
        CANCELLED = "cancelled", _("Cancelled")

    class Suppression(models.TextChoices):
        NO_CONSENT = "no_consent", _("No granted consent for this purpose on any channel")
        NO_ADDRESS = "no_address", _("No contact address on a consented channel")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.CASCADE,
        related_name="messages",
    )
    purpose = models.CharField(_("purpose"), max_length=10, choices=Consent.Purpose.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices, blank=True)
    # C2: the address is the customer's mobile or e-mail; encrypted like the customer master.
    recipient = EncryptedTextField(_("recipient"), blank=True)
    subject = EncryptedTextField(_("subject"))
    body = EncryptedTextField(_("body"))
    language = models.CharField(_("language"), max_length=10, default="zh-hans")
    related_type = models.CharField(_("related object type"), max_length=30, blank=True)
    related_id = models.BigIntegerField(_("related object id"), null=True, blank=True)
    dedupe_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    suppressed_reason = models.CharField(
        _("suppression reason"), max_length=12, choices=Suppression.choices, blank=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        permissions = [("retry_message", "Retry a failed message")]
        indexes = [
            # The dispatcher: due queued rows, and `sending` rows whose lease ran out.
            models.Index(fields=["status", "next_attempt_at"], name="message_due"),
            models.Index(fields=["status", "claimed_at"], name="message_lease"),
            models.Index(fields=["customer", "-created_at"], name="message_customer"),
            models.Index(fields=["related_type", "related_id"], name="message_related"),
            models.Index(fields=["-created_at", "-id"], name="message_recent"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="message_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pk} {self.channel or '-'} {self.status}"

    @property
    def recipient_masked(self) -> str:
        kind = {Channel.SMS: "mobile", Channel.EMAIL: "email"}.get(self.channel)
        if kind is None:
            return masking.mask("account_number", self.recipient)
        return masking.mask(kind, self.recipient)


class DispatchSchedule(models.Model):
    """The self-renewing sweep of the outbox (`bankcrm dispatch_outbox --schedule`)."""

    name = models.CharField(max_length=50, unique=True)
    chain = models.UUIDField()
    interval_seconds = models.PositiveIntegerField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("outbox schedule")
        verbose_name_plural = _("outbox schedules")

    def __str__(self) -> str:
        return self.name
