from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from bankcrm.org.roles import SCOPE, Role, Scope


class Branch(models.Model):
    """A node of the bank's hierarchy: head office → branches → sub-branches."""

    class Level(models.IntegerChoices):
        HEAD_OFFICE = 0, _("Head office")
        BRANCH = 1, _("Branch")
        SUB_BRANCH = 2, _("Sub-branch")

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    # Materialised path of codes ("/000/110/110101/"): a subtree is one prefix.
    path = models.CharField(max_length=255, unique=True, editable=False)
    city = models.CharField(_("city"), max_length=50, blank=True)

    class Meta:
        verbose_name = _("branch")
        verbose_name_plural = _("branches")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def display_name(self, language: str) -> str:
        return self.name_en if language == "en" and self.name_en else self.name


class Team(models.Model):
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="teams"
    )
    name = models.CharField(_("name"), max_length=100)

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        constraints = [
            models.UniqueConstraint(fields=["branch", "name"], name="team_unique_name_in_branch")
        ]

    def __str__(self) -> str:
        return self.name


class Staff(AbstractUser):
    """A member of staff. Their role decides what they may do; their branch, what they see."""

    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    branch = models.ForeignKey(
        Branch, verbose_name=_("branch"), on_delete=models.PROTECT, related_name="staff"
    )
    team = models.ForeignKey(
        Team,
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    employee_number = models.CharField(_("employee number"), max_length=20, unique=True)
    display_name = models.CharField(_("display name"), max_length=50)
    language = models.CharField(
        _("language"),
        max_length=10,
        default="zh-hans",
        choices=[("zh-hans", "简体中文"), ("en", "English")],
    )

    REQUIRED_FIELDS = ["email"]

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self) -> str:
        return self.display_name or self.username

    @property
    def scope(self) -> str:
        # An API token narrowed to a branch gives a whole-bank role a branch's scope
        # (org/selectors.py: api_token_actor); a staff record itself never has this set.
        narrowed = self.__dict__.get("narrowed_scope")
        return narrowed or SCOPE.get(self.role, Scope.OWN_BOOK)


class ApiToken(models.Model):
    """A token for system integration. Only its SHA-256 digest is stored; it is shown once."""

    staff = models.ForeignKey(Staff, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=12, db_index=True)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    # Optional narrowing: the token acts with this role (a subset of the staff member's
    # permissions) and within this branch (inside the staff member's scope). Blank: as the staff.
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    branch = models.ForeignKey(
        Branch,
        verbose_name=_("branch"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
