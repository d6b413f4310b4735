"""Staff targets per period, and training: courses, materials, quizzes, assignments, completions.

A course can be required before staff may sell a product (`Course.required_for`): the sales app
asks `selectors.sell_block_reason` when an opportunity is created.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _


class TrainingStorage(FileSystemStorage):
    """Course files under the data directory (var/training/), never under a URL: they are served
    only by the permission-checked view (views.material_file). Reads the setting each time, so
    tests and deployments that move the data directory are followed."""

    @property
    def base_location(self) -> str:  # type: ignore[override]
        return str(Path(settings.VAR_DIR) / "training")

    @property
    def location(self) -> str:  # type: ignore[override]
        return os.path.abspath(self.base_location)

    @property
    def base_url(self) -> None:  # type: ignore[override]
        return None


training_storage = TrainingStorage()


def _storage() -> FileSystemStorage:
    return training_storage


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Month")
    QUARTER = "quarter", _("Quarter")
    YEAR = "year", _("Year")


class Metric(models.TextChoices):
    NEW_CUSTOMERS = "new_customers", _("New customers")
    AUM_GROWTH = "aum_growth", _("AUM growth")
    SALES_COUNT = "sales_count", _("Products sold")
    SALES_AMOUNT = "sales_amount", _("Sales amount")
    SLA_MET_SHARE = "sla_met_share", _("Cases within SLA (%)")
    CSAT = "csat", _("Customer satisfaction (CSAT)")


class Target(models.Model):
    """What one RM or one team is expected to reach in one period, for one metric.

    Exactly one of `staff` and `team` is set. `branch` is the branch the target belongs to (the
    RM's or the team's), kept so scoping is one indexed filter.
    """

    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("relationship manager"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    team = models.ForeignKey(
        "org.Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="targets",
    )
    branch = models.ForeignKey(
        "org.Branch", verbose_name=_("branch"), on_delete=models.PROTECT, related_name="+"
    )
    period_kind = models.CharField(_("period"), max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField(_("period start"))
    metric = models.CharField(_("metric"), max_length=20, choices=Metric.choices)
    value = models.DecimalField(_("target"), max_digits=18, decimal_places=2)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        permissions = [
            ("set_target", _("Can set targets for the branch's RMs and teams")),
            ("view_performance", _("Can see performance pages and rankings")),
        ]
        indexes = [models.Index(fields=["branch", "period_kind", "period_start"])]
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(staff__isnull=False) & models.Q(team__isnull=True))
                | (models.Q(staff__isnull=True) & models.Q(team__isnull=False)),
                name="target_staff_xor_team",
            ),
            models.CheckConstraint(condition=models.Q(value__gte=0), name="target_not_negative"),
            models.UniqueConstraint(
                fields=["staff", "period_kind", "period_start", "metric"],
                condition=models.Q(staff__isnull=False),
                name="target_unique_staff_period_metric",
            ),
            models.UniqueConstraint(
                fields=["team", "period_kind", "period_start", "metric"],
                condition=models.Q(team__isnull=False),
                name="target_unique_team_period_metric",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_metric_display()} {self.period_start:%Y-%m} {self.value}"


class Course(models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=150)
    title_en = models.CharField(_("English title"), max_length=150, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("English summary"), blank=True)
    products = models.ManyToManyField(
        "products.Product", verbose_name=_("products"), blank=True, related_name="courses"
    )
    required_for = models.ManyToManyField(
        "products.Product",
        verbose_name=_("required before selling"),
        blank=True,
        related_name="required_courses",
        help_text=_("Staff must complete this course before they may sell these products."),
    )
    pass_mark = models.PositiveSmallIntegerField(
        _("pass mark (%)"), default=80, help_text=_("Share of correct answers needed to pass.")
    )
    active = models.BooleanField(_("published"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        verbose_name = _("course")
        verbose_name_plural = _("courses")
        ordering = ["code"]
        permissions = [
            ("manage_training", _("Can create courses, materials and quizzes")),
            ("assign_training", _("Can assign courses to staff of the branch")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1) & models.Q(pass_mark__lte=100),
                name="course_pass_mark_range",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def display_title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title

    def display_summary(self, language: str) -> str:
        return self.summary_en if language == "en" and self.summary_en else self.summary


class Material(models.Model):
    """One piece of a course: a text (Chinese and English) or a file."""

    class Kind(models.TextChoices):
        TEXT = "text", _("Text")
        FILE = "file", _("File")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="materials")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=150)
    title_en = models.CharField(_("English title"), max_length=150, blank=True)
    body = models.TextField(_("text"), blank=True)
    body_en = models.TextField(_("English text"), blank=True)
    file = models.FileField(_("file"), storage=_storage, upload_to="%Y/%m", blank=True)
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("material")
        verbose_name_plural = _("materials")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.title

    def display_title(self, language: str) -> str:
        return self.title_en if language == "en" and self.title_en else self.title

    def display_body(self, language: str) -> str:
        return self.body_en if language == "en" and self.body_en else self.body


class Question(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("question"))
    text_en = models.TextField(_("English question"), blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["course", "position", "id"]

    def __str__(self) -> str:
        return self.text[:60]

    def display_text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("answer"), max_length=300)
    text_en = models.CharField(_("English answer"), max_length=300, blank=True)
    correct = models.BooleanField(_("correct"), default=False)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["question", "position", "id"]

    def __str__(self) -> str:
        return self.text

    def display_text(self, language: str) -> str:
        return self.text_en if language == "en" and self.text_en else self.text


class Assignment(models.Model):
    """A course a staff member must complete, by a due date."""

    class Source(models.TextChoices):
        INDIVIDUAL = "individual", _("Individual")
        TEAM = "team", _("Team")
        BRANCH = "branch", _("Branch RMs")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="assignments")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_assignments"
    )
    due_on = models.DateField(_("due date"))
    source = models.CharField(_("assigned as"), max_length=10, choices=Source.choices)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True
    )
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("training assignment")
        verbose_name_plural = _("training assignments")
        constraints = [
            models.UniqueConstraint(fields=["course", "staff"], name="assignment_unique_staff")
        ]
        indexes = [models.Index(fields=["staff", "due_on"])]

    def __str__(self) -> str:
        return f"{self.course} → {self.staff}"


class MaterialView(models.Model):
    """A staff member opened a material (progress through a course)."""

    material = models.ForeignKey(Material, on_delete=models.CASCADE, related_name="views")
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    viewed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["material", "staff"], name="material_view_unique")
        ]

    def __str__(self) -> str:
        return f"{self.material} ← {self.staff}"


class QuizAttempt(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="attempts")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    submitted_at = models.DateTimeField()
    correct = models.PositiveSmallIntegerField()
    total = models.PositiveSmallIntegerField()
    score = models.DecimalField(max_digits=5, decimal_places=2)
    pass_mark = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    answers = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("quiz attempt")
        verbose_name_plural = _("quiz attempts")
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["course", "staff"])]

    def __str__(self) -> str:
        return f"{self.course} {self.staff} {self.score}%"


class Completion(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="completions")
    staff = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="training_completions"
    )
    completed_at = models.DateTimeField()
    score = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    attempt = models.ForeignKey(
        QuizAttempt, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("course completion")
        verbose_name_plural = _("course completions")
        constraints = [
            models.UniqueConstraint(fields=["course", "staff"], name="completion_unique_staff")
        ]

    def __str__(self) -> str:
        return f"{self.course} ✓ {self.staff}"


class AumSnapshot(models.Model):
    """Every RM's AUM before and at the end of one period, read from the warehouse by a
    background task (`tasks.aum_snapshot_refresh`): the warehouse query scans every account's
    balances, too slow for a page view at a bank's scale. Derived data, recomputed (never
    edited); the pages say when it was computed."""

    period_kind = models.CharField(max_length=10, choices=PeriodKind.choices)
    period_start = models.DateField()
    opening_day = models.DateField(null=True, blank=True)
    closing_day = models.DateField(null=True, blank=True)
    computed_at = models.DateTimeField(null=True, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("AUM snapshot")
        verbose_name_plural = _("AUM snapshots")
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start"], name="aum_snapshot_unique_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.period_kind} {self.period_start}"


class AumSnapshotRow(models.Model):
    snapshot = models.ForeignKey(AumSnapshot, on_delete=models.CASCADE, related_name="rows")
    staff_id = models.PositiveBigIntegerField()
    opening = models.DecimalField(max_digits=18, decimal_places=2)
    closing = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["snapshot", "staff_id"], name="aum_row_unique_staff")
        ]

    def __str__(self) -> str:
        return f"{self.staff_id}: {self.opening} → {self.closing}"
