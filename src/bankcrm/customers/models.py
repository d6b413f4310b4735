"""The customer master (ECIF): one trustworthy record per customer."""

from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankcrm.common import masking
from bankcrm.common.fields import EncryptedTextField


class Kind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    CORPORATE = "corporate", _("Corporate")


class Gender(models.TextChoices):
    MALE = "M", _("Male")
    FEMALE = "F", _("Female")


class IdType(models.TextChoices):
    RESIDENT_ID = "resident_id", _("Resident ID card")
    PASSPORT = "passport", _("Passport")
    SOCIAL_CREDIT_CODE = "uscc", _("Unified social credit code")


class Occupation(models.TextChoices):
    CIVIL_SERVANT = "civil_servant", _("Civil servant")
    PROFESSIONAL = "professional", _("Professional")
    OFFICE_WORKER = "office_worker", _("Office worker")
    BUSINESS_OWNER = "business_owner", _("Business owner")
    SELF_EMPLOYED = "self_employed", _("Self-employed")
    WORKER = "worker", _("Worker")
    FARMER = "farmer", _("Farmer")
    STUDENT = "student", _("Student")
    RETIRED = "retired", _("Retired")
    OTHER = "other", _("Other")


class Industry(models.TextChoices):
    AGRICULTURE = "agriculture", _("Agriculture")
    MANUFACTURING = "manufacturing", _("Manufacturing")
    CONSTRUCTION = "construction", _("Construction")
    RETAIL = "retail", _("Wholesale and retail")
    IT = "it", _("Information technology")
    FINANCE = "finance", _("Finance")
    REAL_ESTATE = "real_estate", _("Real estate")
    EDUCATION = "education", _("Education")
    HEALTH = "health", _("Health care")
    PUBLIC = "public", _("Public administration")
    LOGISTICS = "logistics", _("Transport and logistics")
    HOSPITALITY = "hospitality", _("Hospitality")
    OTHER = "other", _("Other")


class Education(models.TextChoices):
    SECONDARY = "secondary", _("Secondary school or below")
    COLLEGE = "college", _("College")
    BACHELOR = "bachelor", _("Bachelor's degree")
    MASTER = "master", _("Master's degree")
    DOCTORATE = "doctorate", _("Doctorate")


class IncomeBand(models.TextChoices):
    BELOW_50K = "lt50k", _("Below ¥50,000 a year")
    FROM_50K = "50k-150k", _("¥50,000–150,000 a year")
    FROM_150K = "150k-500k", _("¥150,000–500,000 a year")
    FROM_500K = "500k-1m", _("¥500,000–1,000,000 a year")
    ABOVE_1M = "gt1m", _("Above ¥1,000,000 a year")


class FamilyStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    MARRIED_WITH_CHILDREN = "married_children", _("Married with children")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class RiskTolerance(models.TextChoices):
    C1 = "C1", _("C1 conservative")
    C2 = "C2", _("C2 cautious")
    C3 = "C3", _("C3 balanced")
    C4 = "C4", _("C4 growth")
    C5 = "C5", _("C5 aggressive")


class KycStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    VERIFIED = "verified", _("Verified")
    EXPIRED = "expired", _("Expired")
    REJECTED = "rejected", _("Rejected")


class Channel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    PHONE = "phone", _("Phone")
    WECHAT = "wechat", _("WeChat")
    APP_PUSH = "app_push", _("App push")


class ContactTime(models.TextChoices):
    ANY = "any", _("Any time")
    WEEKDAY_MORNING = "weekday_morning", _("Weekday mornings")
    WEEKDAY_AFTERNOON = "weekday_afternoon", _("Weekday afternoons")
    WEEKDAY_EVENING = "weekday_evening", _("Weekday evenings")
    WEEKEND = "weekend", _("Weekends")


class LifecycleStage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ONBOARDING = "onboarding", _("Onboarding")
    ACTIVE = "active", _("Active")
    DORMANT = "dormant", _("Dormant")
    CHURNED = "churned", _("Churned")
    WON_BACK = "won_back", _("Won back")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Customer(models.Model):
    """An individual or corporate customer.

    ID number, mobile and email are C2 data: encrypted at rest, found only through keyed blind
    indexes (the *_bidx columns), masked by default. `version` guards against lost updates.
    """

    number = models.CharField(_("customer number"), max_length=12, unique=True, null=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.INDIVIDUAL)
    name = models.CharField(_("name"), max_length=100)
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)
    gender = models.CharField(_("gender"), max_length=1, choices=Gender.choices, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)

    id_type = models.CharField(_("ID type"), max_length=12, choices=IdType.choices)
    id_number = EncryptedTextField(_("ID number"))
    id_number_bidx = models.CharField(max_length=32, db_index=True, editable=False)
    mobile = EncryptedTextField(_("mobile"), blank=True)
    mobile_bidx = models.CharField(max_length=32, db_index=True, blank=True, editable=False)
    email = EncryptedTextField(_("email"), blank=True)
    email_bidx = models.CharField(max_length=32, db_index=True, blank=True, editable=False)

    province = models.CharField(_("province"), max_length=20, blank=True)
    city = models.CharField(_("city"), max_length=30, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)

    occupation = models.CharField(
        _("occupation"), max_length=20, choices=Occupation.choices, blank=True
    )
    industry = models.CharField(_("industry"), max_length=20, choices=Industry.choices, blank=True)
    employer = models.CharField(_("employer"), max_length=100, blank=True)
    education = models.CharField(
        _("education"), max_length=12, choices=Education.choices, blank=True
    )
    income_band = models.CharField(
        _("income band"), max_length=12, choices=IncomeBand.choices, blank=True
    )
    family_status = models.CharField(
        _("family status"), max_length=20, choices=FamilyStatus.choices, blank=True
    )
    risk_tolerance = models.CharField(
        _("risk tolerance"), max_length=2, choices=RiskTolerance.choices, blank=True
    )
    kyc_status = models.CharField(
        _("KYC status"), max_length=10, choices=KycStatus.choices, default=KycStatus.PENDING
    )
    preferred_channels = models.JSONField(_("preferred channels"), default=list, blank=True)
    preferred_contact_time = models.CharField(
        _("preferred contact time"),
        max_length=20,
        choices=ContactTime.choices,
        default=ContactTime.ANY,
    )

    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="customers"
    )
    rm = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="customers",
    )
    lifecycle_stage = models.CharField(
        _("lifecycle stage"),
        max_length=12,
        choices=LifecycleStage.choices,
        default=LifecycleStage.PROSPECT,
    )
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="customers")

    aum = models.DecimalField(_("AUM"), max_digits=18, decimal_places=2, default=Decimal("0"))
    liabilities = models.DecimalField(
        _("liabilities"), max_digits=18, decimal_places=2, default=Decimal("0")
    )

    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        permissions = [
            ("reveal_customer", "Reveal a protected field of a customer"),
            ("export_customer", "Export customers"),
            ("assign_customer", "Assign customers to relationship managers"),
            ("change_consent", "Record or withdraw consent"),
            ("change_lifecycle", "Move a customer through lifecycle stages"),
        ]
        indexes = [
            models.Index(fields=["branch", "-id"], name="customer_branch_id"),
            models.Index(fields=["rm", "-id"], name="customer_rm_id"),
            models.Index(fields=["lifecycle_stage", "-id"], name="customer_stage_id"),
            models.Index(fields=["aum"], name="customer_aum"),
            # Prefix search (LIKE 'x%'): pattern opclasses on PostgreSQL; on SQLite a plain
            # index serves because case_sensitive_like is on (settings).
            models.Index(
                fields=["name"], opclasses=["varchar_pattern_ops"], name="customer_name_prefix"
            ),
            models.Index(
                fields=["name_pinyin"],
                opclasses=["varchar_pattern_ops"],
                name="customer_pinyin_prefix",
            ),
            models.Index(
                fields=["name_initials"],
                opclasses=["varchar_pattern_ops"],
                name="customer_initials_prefix",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.number})"

    @property
    def age(self) -> int | None:
        if not self.birth_date:
            return None
        today = date.today()  # noqa: DTZ011 - ages are counted in the bank's local calendar
        before_birthday = (today.month, today.day) < (self.birth_date.month, self.birth_date.day)
        return today.year - self.birth_date.year - before_birthday

    @property
    def net_worth(self) -> Decimal:
        return self.aum - self.liabilities

    @property
    def id_number_masked(self) -> str:
        return masking.mask("id_number", self.id_number)

    @property
    def mobile_masked(self) -> str:
        return masking.mask("mobile", self.mobile)

    @property
    def email_masked(self) -> str:
        return masking.mask("email", self.email)


class Relationship(models.Model):
    class Kind(models.TextChoices):
        HOUSEHOLD = "household", _("Household member")
        EMPLOYER = "employer", _("Employer")
        GUARANTOR = "guarantor", _("Guarantor")
        REFERRER = "referrer", _("Referrer")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="relationships")
    related = models.ForeignKey(
        Customer, verbose_name=_("related customer"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("relationship"), max_length=12, choices=Kind.choices)
    note = models.CharField(_("note"), max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("relationship")
        verbose_name_plural = _("relationships")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "related", "kind"], name="relationship_unique"
            ),
            models.CheckConstraint(
                condition=~models.Q(customer=models.F("related")), name="relationship_not_self"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind} {self.related_id}"


class LifecycleEvent(models.Model):
    customer = models.ForeignKey(
        Customer, on_delete=models.CASCADE, related_name="lifecycle_events"
    )
    from_stage = models.CharField(
        _("from"), max_length=12, choices=LifecycleStage.choices, blank=True
    )
    to_stage = models.CharField(_("to"), max_length=12, choices=LifecycleStage.choices)
    reason = models.CharField(_("reason"), max_length=255)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("lifecycle event")
        verbose_name_plural = _("lifecycle events")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_id}: {self.from_stage} → {self.to_stage}"


class Consent(models.Model):
    """Consent for one channel and purpose. Marketing may only use a granted, unwithdrawn one."""

    class Purpose(models.TextChoices):
        MARKETING = "marketing", _("Marketing")
        SERVICE = "service", _("Service")

    customer = models.ForeignKey(Customer, on_delete=models.CASCADE, related_name="consents")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    purpose = models.CharField(_("purpose"), max_length=10, choices=Purpose.choices)
    granted = models.BooleanField(_("granted"), default=False)
    source = models.CharField(_("source"), max_length=100)
    granted_at = models.DateTimeField(_("granted at"), null=True, blank=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        constraints = [
            models.UniqueConstraint(
                fields=["customer", "channel", "purpose"], name="consent_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.channel}/{self.purpose}: {self.granted}"
