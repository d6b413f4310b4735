"""Service cases (requests, questions, complaints), their history, and the SLA reference data.

The rules (who may move a case where, what a complaint needs before it closes, how the SLA clock
runs) live in services.py and sla.py; these models only hold the data and its constraints.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Category(models.Model):
    """A node of the service category tree (账户 → 挂失, 银行卡 → 盗刷, ...)."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    active = models.BooleanField(_("active"), default=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("service category")
        verbose_name_plural = _("service categories")
        ordering = ["parent_id", "position", "code"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, pgettext_lazy("service", "Normal")
    HIGH = 3, _("High")
    URGENT = 4, pgettext_lazy("service", "Urgent")


class SlaPolicy(models.Model):
    """Targets for one category and priority, in business hours. A case takes the policy of its
    category, else of the nearest ancestor that has one, else the default (no category)."""

    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sla_policies",
        help_text=_("Leave empty for the bank-wide default."),
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices)
    first_response_hours = models.DecimalField(
        _("first response (business hours)"), max_digits=6, decimal_places=2
    )
    resolution_hours = models.DecimalField(
        _("resolution (business hours)"), max_digits=6, decimal_places=2
    )

    class Meta:
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.UniqueConstraint(
                fields=["category", "priority"], name="sla_policy_unique_category_priority"
            ),
            models.UniqueConstraint(
                fields=["priority"],
                condition=models.Q(category__isnull=True),
                name="sla_policy_unique_default_priority",
            ),
            models.CheckConstraint(
                condition=models.Q(first_response_hours__gt=0)
                & models.Q(resolution_hours__gte=models.F("first_response_hours")),
                name="sla_policy_positive_targets",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.category or '—'} / {self.get_priority_display()}"


class WorkingHours(models.Model):
    """One working interval of a weekday (several per day allowed, e.g. a lunch break)."""

    class Weekday(models.IntegerChoices):
        MONDAY = 0, _("Monday")
        TUESDAY = 1, _("Tuesday")
        WEDNESDAY = 2, _("Wednesday")
        THURSDAY = 3, _("Thursday")
        FRIDAY = 4, _("Friday")
        SATURDAY = 5, _("Saturday")
        SUNDAY = 6, _("Sunday")

    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))

    class Meta:
        verbose_name = _("working hours")
        verbose_name_plural = _("working hours")
        ordering = ["weekday", "start"]
        constraints = [
            models.UniqueConstraint(fields=["weekday", "start"], name="working_hours_unique"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="working_hours_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}–{self.end:%H:%M}"


class CalendarDay(models.Model):
    """An exception to the weekly pattern: a public holiday, or an adjusted working day (调休)."""

    class Kind(models.TextChoices):
        HOLIDAY = "holiday", _("Public holiday (closed)")
        WORKDAY = "workday", _("Adjusted working day (调休)")

    date = models.DateField(_("date"), unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("calendar day")
        verbose_name_plural = _("holidays and adjusted working days")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class AssignmentRule(models.Model):
    """Who takes new cases of a category (and its sub-categories) in a branch (and below).
    Without a matching rule, the case branch's service agents take them (nearest branch up)."""

    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.CASCADE, related_name="+"
    )
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assignment_rules",
        help_text=_("Leave empty for every category."),
    )
    agents = models.ManyToManyField(
        settings.AUTH_USER_MODEL, verbose_name=_("agents"), related_name="+"
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("assignment rule")
        verbose_name_plural = _("assignment rules")

    def __str__(self) -> str:
        return f"{self.branch} / {self.category or '*'}"


class Case(models.Model):
    class Kind(models.TextChoices):
        REQUEST = "request", _("Request")
        QUESTION = "question", _("Question")
        COMPLAINT = "complaint", _("Complaint")

    class Channel(models.TextChoices):
        COUNTER = "counter", _("Counter")
        PHONE = "phone", _("Phone")
        ONLINE = "online", _("Online banking")
        APP = "app", _("Mobile app")
        WECHAT = "wechat", _("WeChat")
        LETTER = "letter", _("Letter")
        REGULATOR = "regulator", _("Regulator referral")

    class Status(models.TextChoices):
        # Requests and questions: open → in progress → resolved → closed.
        OPEN = "open", pgettext_lazy("service", "Open")
        IN_PROGRESS = "in_progress", _("In progress")
        # Complaints: registered → acknowledged → investigating → resolved → visited → closed.
        REGISTERED = "registered", _("Registered")
        ACKNOWLEDGED = "acknowledged", _("Acknowledged")
        INVESTIGATING = "investigating", _("Investigating")
        RESOLVED = "resolved", _("Resolved")
        VISITED = "visited", _("Return visit done")
        CLOSED = "closed", pgettext_lazy("service", "Closed")

    class VisitOutcome(models.TextChoices):
        SATISFIED = "satisfied", _("Satisfied")
        PARTLY = "partly", _("Partly satisfied")
        UNSATISFIED = "unsatisfied", _("Unsatisfied")
        UNREACHABLE = "unreachable", _("Could not be reached")

    number = models.CharField(_("case number"), max_length=20, unique=True)
    customer = models.ForeignKey(
        "customers.Customer",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        related_name="service_cases",
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="cases"
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.NORMAL
    )
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_cases",
    )
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opened_at = models.DateTimeField(_("opened at"))
    # SLA: due times computed in business time from opened_at (or from a reopening); the
    # warning time is when 80 % of the business time is used.
    first_response_due = models.DateTimeField(_("first response due"))
    resolution_due = models.DateTimeField(_("resolution due"))
    resolution_warn_at = models.DateTimeField()
    first_responded_at = models.DateTimeField(_("first response at"), null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(null=True, blank=True)  # business time
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolution_minutes = models.PositiveIntegerField(null=True, blank=True)  # business time
    sla_warned = models.BooleanField(default=False)  # the at-risk escalation has run
    response_breached = models.BooleanField(_("first response late"), default=False)
    resolution_breached = models.BooleanField(_("resolution late"), default=False)
    resolution = models.TextField(_("resolution"), blank=True)
    visit_at = models.DateTimeField(_("return visit at"), null=True, blank=True)
    visit_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    visit_outcome = models.CharField(
        _("return visit outcome"), max_length=12, choices=VisitOutcome.choices, blank=True
    )
    visit_notes = models.TextField(_("return visit notes"), blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(_("escalation level"), default=0)
    escalated_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("escalated to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="escalated_cases",
    )
    reopen_count = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("service case")
        verbose_name_plural = _("service cases")
        permissions = [
            ("assign_case", _("Can assign service cases")),
            ("escalate_case", _("Can escalate service cases")),
            ("view_service_dashboard", _("Can view the service dashboards")),
        ]
        indexes = [
            models.Index(fields=["branch", "status", "-id"], name="case_branch_status"),
            models.Index(fields=["assignee", "status"], name="case_assignee_status"),
            models.Index(fields=["customer", "-opened_at"], name="case_customer_opened"),
            models.Index(fields=["status", "resolution_due"], name="case_status_due"),
            models.Index(fields=["closed_at"], name="case_closed_at"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.subject}"

    @property
    def is_complaint(self) -> bool:
        return self.kind == self.Kind.COMPLAINT


class CaseEvent(models.Model):
    """The case's own history: every transition, assignment, escalation, note and reply."""

    class Kind(models.TextChoices):
        OPENED = "opened", pgettext_lazy("service", "Opened")
        TRANSITION = "transition", _("Status changed")
        ASSIGNED = "assigned", _("Assigned")
        ESCALATED = "escalated", _("Escalated")
        PRIORITY = "priority", _("Priority changed")
        SLA_WARNING = "sla_warning", _("SLA at risk")
        SLA_BREACH = "sla_breach", _("SLA breached")
        NOTE = "note", _("Internal note")
        REPLY = "reply", _("Reply to customer")
        ATTACHMENT = "attachment", _("Attachment added")
        VISIT = "visit", _("Return visit")
        REOPENED = "reopened", _("Reopened")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    from_status = models.CharField(max_length=16, blank=True)
    to_status = models.CharField(max_length=16, blank=True)
    detail = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["case", "at"], name="case_event_case_at")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"


class CaseComment(models.Model):
    """An internal note (staff only) or a reply the customer sees; kept apart by `visibility`."""

    class Visibility(models.TextChoices):
        INTERNAL = "internal", _("Internal note")
        CUSTOMER = "customer", _("Reply to customer")

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    visibility = models.CharField(max_length=10, choices=Visibility.choices)
    body = models.TextField(_("text"))
    created_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["case", "created_at"], name="case_comment_case_at")]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.visibility}"


class CaseAttachment(models.Model):
    """A file attached to a case: stored outside MEDIA (under the var/ data directory), served
    only by a view that checks the case is visible to the reader."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="attachments")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=200)
    storage_name = models.CharField(max_length=200, unique=True)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.filename


class CheckSchedule(models.Model):
    """The self-renewing SLA check chain (tasks.py): a new chain id supersedes the old one."""

    name = models.CharField(max_length=40, unique=True)
    chain = models.UUIDField()
    interval_seconds = models.PositiveIntegerField(default=300)
    last_run_at = models.DateTimeField(null=True, blank=True)
    next_run_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name
