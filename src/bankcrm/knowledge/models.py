"""The knowledge base: answers that service staff search from a case.

An `Article` is the working copy that editors change (draft → in review → published → retired);
every approved revision is kept as an immutable `ArticleVersion`, and `Article.published` points
at the one agents read. Agents only ever see published versions, so a revision in progress never
disturbs the live answer. `ArticleTerm` is the search index of the published version (one row
per article and term, with a weight; search.py makes the terms, services.py keeps them), so a
search is one indexed query on SQLite and PostgreSQL alike. The rules live in services.py.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Retired")


class Content(models.Model):
    """The fields an editor writes, shared by the working copy and its published versions."""

    title_zh = models.CharField(_("Chinese title"), max_length=200, blank=True)
    title_en = models.CharField(_("English title"), max_length=200, blank=True)
    summary_zh = models.TextField(_("Chinese answer summary"), max_length=2000, blank=True)
    summary_en = models.TextField(_("English answer summary"), max_length=2000, blank=True)
    body_zh = models.TextField(_("Chinese body"), max_length=50000, blank=True)
    body_en = models.TextField(_("English body"), max_length=50000, blank=True)
    # Keywords and synonyms agents type ("挂失, 丢卡, lost card"), comma separated.
    tags = models.CharField(_("keywords"), max_length=500, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta:
        abstract = True

    def title(self, language: str = "zh-hans") -> str:
        if language == "en":
            return self.title_en or self.title_zh
        return self.title_zh or self.title_en

    def summary(self, language: str = "zh-hans") -> str:
        if language == "en":
            return self.summary_en or self.summary_zh
        return self.summary_zh or self.summary_en

    def body(self, language: str = "zh-hans") -> str:
        if language == "en":
            return self.body_en or self.body_zh
        return self.body_zh or self.body_en

    @property
    def languages(self) -> list[str]:
        found = []
        if self.title_zh or self.body_zh:
            found.append("zh-hans")
        if self.title_en or self.body_en:
            found.append("en")
        return found

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.replace("，", ",").split(",") if t.strip()]


class Article(Content):
    """The working copy of an article, its workflow state and its counters."""

    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    categories = models.ManyToManyField(
        "service.Category",
        verbose_name=_("categories"),
        blank=True,
        related_name="knowledge_articles",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="knowledge_articles_owned",
        help_text=_("Answers for the content and its periodic review."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    version = models.PositiveIntegerField(default=1)
    # The revision agents read; null until the first approval.
    published = models.OneToOneField(
        "ArticleVersion",
        verbose_name=_("published version"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Everyone who wrote the revision in progress: none of them may approve it.
    contributors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    change_note = models.CharField(_("change note"), max_length=300, blank=True)
    review_comment = models.TextField(_("reviewer's comment"), max_length=2000, blank=True)
    review_interval_days = models.PositiveSmallIntegerField(_("review every (days)"), default=180)
    last_reviewed_at = models.DateTimeField(_("last reviewed"), null=True, blank=True)
    review_due = models.DateField(_("review due"), null=True, blank=True)
    # When the owner was last e-mailed about this article (review due, validity ending).
    reminded_on = models.DateField(_("owner reminded on"), null=True, blank=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    helpful_count = models.PositiveIntegerField(_("helpful"), default=0)
    not_helpful_count = models.PositiveIntegerField(_("not helpful"), default=0)

    class Meta:
        verbose_name = _("knowledge article")
        verbose_name_plural = _("knowledge articles")
        permissions = [("approve_article", _("Can approve knowledge articles"))]
        indexes = [
            models.Index(fields=["status", "-updated_at"], name="kb_article_status_idx"),
            models.Index(fields=["review_due"], name="kb_article_review_due_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~(models.Q(title_zh="") & models.Q(title_en="")),
                name="kb_article_has_a_title",
            ),
        ]

    def __str__(self) -> str:
        return self.title()

    @property
    def has_pending_revision(self) -> bool:
        return self.published_id is not None and self.status in (
            Status.DRAFT,
            Status.IN_REVIEW,
        )


class ArticleVersion(Content):
    """One approved revision, kept as it was published."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    categories = models.ManyToManyField(
        "service.Category", verbose_name=_("categories"), blank=True, related_name="+"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("approved by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"))
    change_note = models.CharField(_("change note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="kb_version_unique_number")
        ]

    def __str__(self) -> str:
        return f"{self.title()} v{self.number}"


class ArticleTerm(models.Model):
    """The search index of an article's published version: one row per term, its weight
    summed over the fields (a title hit outweighs any number of body hits)."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="terms", db_index=False
    )
    term = models.CharField(max_length=64)
    weight = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["article", "term"], name="kb_term_unique_article_term")
        ]
        # Search reads (term → article, weight) from this index alone.
        indexes = [models.Index(fields=["term", "article", "weight"], name="kb_term_lookup_idx")]

    def __str__(self) -> str:
        return f"{self.term} ({self.weight})"


class ArticleFeedback(models.Model):
    """One agent's verdict on one published version: helpful or not, with an optional note.
    Voting again on the same version changes the vote."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="feedback")
    article_version = models.ForeignKey(
        ArticleVersion, on_delete=models.CASCADE, related_name="feedback"
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    helpful = models.BooleanField(_("helpful"))
    comment = models.CharField(_("comment"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now=True)

    class Meta:
        verbose_name = _("article feedback")
        verbose_name_plural = _("article feedback")
        constraints = [
            models.UniqueConstraint(
                fields=["article_version", "staff"], name="kb_feedback_once_per_version"
            )
        ]
        indexes = [models.Index(fields=["article", "-created_at"], name="kb_feedback_recent_idx")]

    def __str__(self) -> str:
        return f"{self.article_id}: {'+' if self.helpful else '-'}"
