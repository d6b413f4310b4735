"""Sales: leads (and the shared pool they return to), opportunities moving through the stages of
their product line, quotes, contracts, payment collection plans and the payments received."""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from bankcrm.common import masking
from bankcrm.common.fields import EncryptedTextField


class BusinessLine(models.TextChoices):
    """The bank's three front-office lines; a referral between two of them is cross-line."""

    RETAIL = "retail", _("Retail banking")
    CORPORATE = "corporate", _("Corporate banking")
    WEALTH = "wealth", _("Wealth management")


class ProductLine(models.Model):
    """A line of products sold through one pipeline of stages (mortgage, wealth, ...)."""

    code = models.SlugField(_("code"), max_length=30, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    business_line = models.CharField(
        _("business line"), max_length=12, choices=BusinessLine.choices
    )
    # Which product types (products.ProductType) an opportunity of this line may be for.
    product_types = models.JSONField(_("product types"), default=list, blank=True)
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("product line")
        verbose_name_plural = _("product lines")
        ordering = ["position", "code"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Stage(models.Model):
    """One step of a product line's pipeline. Open stages are ordered; won and lost end it."""

    class Kind(models.TextChoices):
        OPEN = "open", _("In progress")
        WON = "won", _("Closed won")
        LOST = "lost", _("Closed lost")

    line = models.ForeignKey(
        ProductLine, verbose_name=_("product line"), on_delete=models.CASCADE, related_name="stages"
    )
    code = models.SlugField(_("code"), max_length=30)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=4, choices=Kind.choices, default=Kind.OPEN)
    probability = models.PositiveSmallIntegerField(_("default probability (%)"), default=0)

    class Meta:
        verbose_name = _("stage")
        verbose_name_plural = _("stages")
        ordering = ["line", "position"]
        constraints = [
            models.UniqueConstraint(fields=["line", "code"], name="stage_unique_code"),
            models.UniqueConstraint(fields=["line", "position"], name="stage_unique_position"),
            models.CheckConstraint(condition=Q(probability__lte=100), name="stage_probability"),
        ]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name

    @property
    def terminal(self) -> bool:
        return self.kind != self.Kind.OPEN


class PoolSetting(models.Model):
    """The shared pool's rules for a branch (and the branches below it), or bank-wide (no branch).

    The nearest setting up the branch tree applies; without any, settings.SALES_POOL_DEFAULTS.
    """

    branch = models.OneToOneField(
        "org.Branch",
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    return_after_days = models.PositiveSmallIntegerField(
        _("return to the pool after (days without follow-up)")
    )
    lead_cap = models.PositiveSmallIntegerField(_("open leads per RM at most"))
    customer_cap = models.PositiveIntegerField(_("customers per RM at most"))
    pool_customers = models.BooleanField(
        _("customers without follow-up return to the pool too"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("pool setting")
        verbose_name_plural = _("pool settings")
        constraints = [
            models.UniqueConstraint(
                fields=["branch"],
                condition=Q(branch__isnull=True),
                name="poolsetting_one_global",
                nulls_distinct=False,
            )
        ]

    def __str__(self) -> str:
        return str(self.branch or _("Whole bank"))


class AssignmentRule(models.Model):
    """Who new leads of a branch (and optionally a product line) go to: the eligible RM with the
    fewest open leads below the cap. The most specific active rule wins (branch deepest first,
    then a rule for the lead's line before one for any line, then `position`)."""

    name = models.CharField(_("name"), max_length=100)
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        help_text=_("Empty: every product line."),
    )
    rms = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("eligible relationship managers"),
        blank=True,
        related_name="+",
        help_text=_("Empty: every active relationship manager of the branch."),
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")
        ordering = ["branch", "position", "id"]

    def __str__(self) -> str:
        return self.name


class Lead(models.Model):
    """Someone who may buy: an existing customer or a prospect (whose name and mobile are C2
    data, encrypted at rest and masked by default). No assignee: the lead is in the pool."""

    class Source(models.TextChoices):
        WALK_IN = "walk_in", _("Walk-in")
        REFERRAL = "referral", _("Referral")
        EVENT = "event", _("Event")
        CAMPAIGN = "campaign", _("Campaign")
        IMPORT = "import", _("Import")

    class Status(models.TextChoices):
        NEW = "new", _("Not yet contacted")
        CONTACTED = "contacted", _("Contacted")
        QUALIFIED = "qualified", _("Qualified")
        CONVERTED = "converted", _("Converted")
        DISQUALIFIED = "disqualified", _("Disqualified")

    OPEN_STATUSES = (Status.NEW, Status.CONTACTED, Status.QUALIFIED)

    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    source_detail = models.CharField(
        _("event or campaign"), max_length=100, blank=True, help_text=_("Which event, campaign…")
    )
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="leads",
    )
    prospect_name = EncryptedTextField(_("prospect's name"), blank=True)
    prospect_mobile = EncryptedTextField(_("prospect's mobile"), blank=True)
    prospect_mobile_bidx = models.CharField(
        max_length=32, db_index=True, blank=True, editable=False
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    product_line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    expected_amount = models.DecimalField(
        _("expected amount"), max_digits=18, decimal_places=2, null=True, blank=True
    )
    referrer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("referred by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="referred_leads",
    )
    referrer_line = models.CharField(
        _("referrer's business line"), max_length=12, choices=BusinessLine.choices, blank=True
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="leads",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.NEW
    )
    notes = models.TextField(_("notes"), blank=True)
    disqualify_reason = models.CharField(_("reason"), max_length=255, blank=True)
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    last_follow_up_at = models.DateTimeField(_("last follow-up"), null=True, blank=True)
    pooled_at = models.DateTimeField(_("in the pool since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    converted_at = models.DateTimeField(_("converted at"), null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("lead")
        verbose_name_plural = _("leads")
        permissions = [
            ("assign_lead", "Assign leads to relationship managers"),
            ("claim_lead", "Claim leads and customers from the shared pool"),
            ("import_lead", "Import leads from a file"),
            ("reveal_lead", "Reveal a prospect's mobile"),
            ("view_sales_reports", "View sales reports"),
        ]
        indexes = [
            models.Index(fields=["assignee", "status"], name="lead_assignee_status"),
            models.Index(fields=["branch", "status", "-id"], name="lead_branch_status"),
            models.Index(fields=["referrer", "created_at"], name="lead_referrer_at"),
            models.Index(fields=["customer", "-created_at"], name="lead_customer_at"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(customer__isnull=False) | ~Q(prospect_mobile_bidx=""),
                name="lead_customer_or_prospect",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def display_name(self) -> str:
        """The customer's name, or the prospect's masked (surname and stars)."""
        if self.customer_id:
            return self.customer.name
        return masking.mask("name", self.prospect_name)

    @property
    def masked_name(self) -> str:
        """Surname and stars, for those who may not open the lead (the pool)."""
        return masking.mask("name", self.customer.name if self.customer_id else self.prospect_name)

    @property
    def prospect_mobile_masked(self) -> str:
        return masking.mask("mobile", self.prospect_mobile)

    @property
    def is_cross_line(self) -> bool:
        line = self.product_line.business_line if self.product_line_id else ""
        return bool(self.referrer_line and line and self.referrer_line != line)


class LeadActivity(models.Model):
    """A follow-up of a lead (or its assignment, return to the pool, claim): its history."""

    class Kind(models.TextChoices):
        FOLLOW_UP = "follow_up", _("Follow-up")
        ASSIGNED = "assigned", _("Assigned")
        CLAIMED = "claimed", _("Claimed from the pool")
        RETURNED = "returned", _("Returned to the pool")
        STATUS = "status", _("Status changed")

    lead = models.ForeignKey(Lead, on_delete=models.CASCADE, related_name="activities")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=500, blank=True)
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("lead activity")
        verbose_name_plural = _("lead activities")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.lead_id} {self.kind}"


class Opportunity(models.Model):
    class Status(models.TextChoices):
        OPEN = "open", _("In progress")
        WON = "won", _("Closed won")
        LOST = "lost", _("Closed lost")

    name = models.CharField(_("name"), max_length=200)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("opportunity owner"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    line = models.ForeignKey(
        ProductLine,
        verbose_name=_("product line"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    stage = models.ForeignKey(
        Stage, verbose_name=_("stage"), on_delete=models.PROTECT, related_name="opportunities"
    )
    product = models.ForeignKey(
        "products.Product",
        verbose_name=_("product"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    lead = models.ForeignKey(
        Lead,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="opportunities",
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    probability = models.PositiveSmallIntegerField(_("probability (%)"))
    expected_close = models.DateField(_("expected close"))
    status = models.CharField(
        _("status"), max_length=4, choices=Status.choices, default=Status.OPEN
    )
    lost_reason = models.CharField(_("reason lost"), max_length=255, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [
            models.Index(fields=["owner", "status"], name="opp_owner_status"),
            models.Index(fields=["branch", "status", "-id"], name="opp_branch_status"),
            models.Index(fields=["customer", "-created_at"], name="opp_customer_at"),
            models.Index(fields=["status", "closed_at"], name="opp_status_closed"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(probability__lte=100), name="opp_probability"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="opp_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def weighted_amount(self) -> Decimal:
        return (self.amount * self.probability / 100).quantize(Decimal("0.01"))


class StageHistory(models.Model):
    """How long an opportunity spent in each stage (left_at empty: it is there now)."""

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, related_name="stage_history"
    )
    stage = models.ForeignKey(Stage, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField(_("entered"))
    left_at = models.DateTimeField(_("left"), null=True, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("note"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("stage history")
        verbose_name_plural = _("stage history")
        ordering = ["entered_at", "id"]
        indexes = [models.Index(fields=["stage", "entered_at"], name="stagehistory_stage_at")]
        constraints = [
            models.UniqueConstraint(
                fields=["opportunity"],
                condition=Q(left_at__isnull=True),
                name="stagehistory_one_current",
            )
        ]

    def __str__(self) -> str:
        return f"{self.opportunity_id} {self.stage_id}"


class Quote(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SENT = "sent", _("Sent")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="quotes")
    number = models.CharField(_("number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=200)
    valid_until = models.DateField(_("valid until"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("quote")
        verbose_name_plural = _("quotes")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.number


class QuoteItem(models.Model):
    quote = models.ForeignKey(Quote, on_delete=models.CASCADE, related_name="items")
    description = models.CharField(_("description"), max_length=200)
    quantity = models.DecimalField(_("quantity"), max_digits=12, decimal_places=2)
    unit_price = models.DecimalField(_("unit price"), max_digits=18, decimal_places=2)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("quote item")
        verbose_name_plural = _("quote items")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.description

    @property
    def total(self) -> Decimal:
        return (self.quantity * self.unit_price).quantize(Decimal("0.01"))


class Contract(models.Model):
    opportunity = models.ForeignKey(Opportunity, on_delete=models.PROTECT, related_name="contracts")
    number = models.CharField(_("contract number"), max_length=40, unique=True)
    signed_on = models.DateField(_("signed on"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    term_months = models.PositiveSmallIntegerField(_("term (months)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"))

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["-signed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="contract_amount_positive"),
        ]

    def __str__(self) -> str:
        return self.number


class Instalment(models.Model):
    """One line of a contract's payment collection plan (回款计划)."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="instalments")
    sequence = models.PositiveSmallIntegerField(_("no."))
    due_date = models.DateField(_("due date"))
    amount = models.DecimalField(_("amount due"), max_digits=18, decimal_places=2)
    received = models.DecimalField(
        _("received"), max_digits=18, decimal_places=2, default=Decimal("0")
    )

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="instalment_unique_seq"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="instalment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}#{self.sequence}"

    @property
    def outstanding(self) -> Decimal:
        return max(self.amount - self.received, Decimal("0"))

    def is_overdue(self, today) -> bool:
        return self.due_date < today and self.received < self.amount


class Payment(models.Model):
    """Money received against an instalment of a collection plan."""

    instalment = models.ForeignKey(Instalment, on_delete=models.PROTECT, related_name="payments")
    received_on = models.DateField(_("received on"))
    amount = models.DecimalField(_("amount"), max_digits=18, decimal_places=2)
    reference = models.CharField(_("reference"), max_length=60, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("recorded at"))

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["received_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.instalment_id}: {self.amount}"


class CustomerPoolEvent(models.Model):
    """A customer's passage through the shared pool: returned (no follow-up for N days) or
    claimed by an RM. The last claim starts the follow-up clock again."""

    class Kind(models.TextChoices):
        RETURNED = "returned", _("Returned to the pool")
        CLAIMED = "claimed", _("Claimed from the pool")

    customer = models.ForeignKey(
        "customers.Customer", on_delete=models.CASCADE, related_name="pool_events"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("time"))

    class Meta:
        verbose_name = _("customer pool event")
        verbose_name_plural = _("customer pool events")
        indexes = [models.Index(fields=["customer", "-at"], name="poolevent_customer_at")]

    def __str__(self) -> str:
        return f"{self.customer_id} {self.kind}"


class PoolSchedule(models.Model):
    """The self-renewing background run of the pool return (`bankcrm return_to_pool
    --schedule`): a new chain id supersedes the old one, so starting it twice runs it once."""

    chain = models.UUIDField()
    interval_seconds = models.PositiveIntegerField(default=86400)
    next_run_at = models.DateTimeField(null=True, blank=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_result = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("pool schedule")
        verbose_name_plural = _("pool schedules")

    def __str__(self) -> str:
        return f"pool schedule {self.chain}"
