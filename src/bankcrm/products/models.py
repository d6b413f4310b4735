from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from bankcrm.common import masking
from bankcrm.common.fields import EncryptedTextField


class ProductType(models.TextChoices):
    DEMAND_DEPOSIT = "demand_deposit", _("Demand deposit")
    TIME_DEPOSIT = "time_deposit", _("Time deposit")
    WEALTH = "wealth", _("Wealth management")
    FUND = "fund", _("Fund")
    INSURANCE = "insurance", _("Insurance")
    PERSONAL_LOAN = "personal_loan", _("Personal loan")
    MORTGAGE = "mortgage", _("Mortgage")
    CREDIT_CARD = "credit_card", _("Credit card")
    FX = "fx", _("Foreign exchange")


LIABILITY_TYPES = frozenset(
    {ProductType.PERSONAL_LOAN, ProductType.MORTGAGE, ProductType.CREDIT_CARD}
)


class Product(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    type = models.CharField(_("type"), max_length=20, choices=ProductType.choices)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    annual_rate = models.DecimalField(
        _("annual rate (%)"), max_digits=6, decimal_places=3, default=Decimal("0")
    )
    term_months = models.PositiveSmallIntegerField(_("term (months)"), null=True, blank=True)
    risk_level = models.CharField(_("risk level"), max_length=2, blank=True)
    active = models.BooleanField(_("on sale"), default=True)

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["type", "code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_liability(self) -> bool:
        return self.type in LIABILITY_TYPES

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Holding(models.Model):
    """One account or holding of a customer: a deposit, a fund position, a loan, a card."""

    class Status(models.TextChoices):
        ACTIVE = "active", _("Active")
        FROZEN = "frozen", _("Frozen")
        MATURED = "matured", _("Matured")
        CLOSED = "closed", _("Closed")

    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="holdings",
    )
    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="holdings"
    )
    account_number = EncryptedTextField(_("account number"))
    account_number_bidx = models.CharField(max_length=32, unique=True, editable=False)
    balance = models.DecimalField(_("balance"), max_digits=18, decimal_places=2)
    currency = models.CharField(_("currency"), max_length=3, default="CNY")
    opened_on = models.DateField(_("opened on"))
    matures_on = models.DateField(_("matures on"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.ACTIVE
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("holding")
        verbose_name_plural = _("holdings")
        indexes = [models.Index(fields=["customer", "status"], name="holding_customer_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(matures_on__isnull=True)
                | models.Q(matures_on__gte=models.F("opened_on")),
                name="holding_matures_after_opening",
            )
        ]

    def __str__(self) -> str:
        return f"{self.product} {self.account_number_masked}"

    @property
    def account_number_masked(self) -> str:
        kind = "card_number" if self.product.type == ProductType.CREDIT_CARD else "account_number"
        return masking.mask(kind, self.account_number)
