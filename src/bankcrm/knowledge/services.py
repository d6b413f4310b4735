"""Writing the knowledge base: drafting, review and approval, retirement, periodic review,
agents' feedback and views. Every write checks its permission, validates, and is audited in
the same transaction; edits are guarded by the article's `version` (ConflictError).

The workflow: draft → in review → published → retired. Editing a published (or retired)
article starts a revision (status draft) while the published version stays what agents read;
approving it publishes a new version. Nobody who wrote a revision may approve it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleTerm,
    ArticleVersion,
    Status,
)
from bankcrm.knowledge.search import index_terms

EDIT = "knowledge.change_article"
APPROVE = "knowledge.approve_article"
READ = "knowledge.view_article"

CONTENT_FIELDS = (
    "title_zh",
    "title_en",
    "summary_zh",
    "summary_en",
    "body_zh",
    "body_en",
    "tags",
    "valid_from",
    "valid_until",
)
EDITABLE = {*CONTENT_FIELDS, "categories", "owner", "review_interval_days"}
TEXT_LIMITS = {
    "title_zh": 200,
    "title_en": 200,
    "summary_zh": 2000,
    "summary_en": 2000,
    "body_zh": 50000,
    "body_en": 50000,
    "tags": 500,
}


def _validate(values: dict[str, Any]) -> dict[str, Any]:
    """Clean the content values (stripped text) and raise one ValidationError naming every bad
    field; nothing is written when anything is wrong."""
    errors: dict[str, str] = {}
    cleaned = dict(values)
    for field, limit in TEXT_LIMITS.items():
        if field in cleaned:
            text = (cleaned[field] or "").strip()
            if "\x00" in text:
                errors[field] = _("Null characters are not allowed.")
            elif len(text) > limit:
                errors[field] = _("At most %(limit)s characters.") % {"limit": limit}
            cleaned[field] = text
    if not cleaned.get("title_zh") and not cleaned.get("title_en"):
        errors["title_zh"] = _("Give the article a Chinese or an English title.")
    for lang, label in (("zh", _("Chinese")), ("en", _("English"))):
        if cleaned.get(f"title_{lang}") and not (
            cleaned.get(f"body_{lang}") or cleaned.get(f"summary_{lang}")
        ):
            errors[f"body_{lang}"] = _("The %(language)s title needs an answer or a body.") % {
                "language": label
            }
        if (cleaned.get(f"body_{lang}") or cleaned.get(f"summary_{lang}")) and not cleaned.get(
            f"title_{lang}"
        ):
            errors[f"title_{lang}"] = _("The %(language)s text needs a title.") % {
                "language": label
            }
    start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
    if start and end and end < start:
        errors["valid_until"] = _("The end of validity cannot be before its start.")
    interval = cleaned.get("review_interval_days")
    if interval is not None and not 7 <= int(interval) <= 1095:
        errors["review_interval_days"] = _("Review every 7 to 1,095 days.")
    categories = cleaned.get("categories")
    if categories is not None:
        from bankcrm.service.models import Category

        ids = {getattr(c, "pk", c) for c in categories}
        found = set(Category.objects.filter(pk__in=ids).values_list("pk", flat=True))
        if found != ids:
            errors["categories"] = _("Choose existing service categories.")
        cleaned["categories"] = sorted(found)
    owner = cleaned.get("owner")
    if owner is not None and not (owner.is_active and owner.has_perm(EDIT)):
        errors["owner"] = _("The owner must be an active member of staff who may edit articles.")
    if errors:
        raise ValidationError(errors)
    return cleaned


def _audit(actor, action: str, article: Article, changes: dict | None = None, reason: str = ""):
    audit_record(
        actor=actor,
        action=f"knowledge.{action}",
        object_type="knowledge_article",
        object_id=article.pk,
        changes=changes or {},
        reason=reason,
    )


def _locked(article: Article, version: int) -> Article:
    """The article re-read under a row lock, if still at `version`; else ConflictError."""
    current = Article.objects.select_for_update().filter(pk=article.pk).first()
    if current is None or current.version != version:
        raise ConflictError()
    return current


def _save(article: Article, fields: list[str]) -> None:
    article.version = F("version") + 1
    article.save(update_fields=[*fields, "version", "updated_at"])
    article.refresh_from_db()


@transaction.atomic
def article_create(
    *,
    actor,
    title_zh: str = "",
    title_en: str = "",
    summary_zh: str = "",
    summary_en: str = "",
    body_zh: str = "",
    body_en: str = "",
    tags: str = "",
    categories: list | None = None,
    valid_from: date | None = None,
    valid_until: date | None = None,
    owner=None,
    review_interval_days: int = 180,
) -> Article:
    """A new draft; the actor is its first contributor and, unless told, its owner."""
    ensure_perm(actor, EDIT)
    values = _validate(
        {
            "title_zh": title_zh,
            "title_en": title_en,
            "summary_zh": summary_zh,
            "summary_en": summary_en,
            "body_zh": body_zh,
            "body_en": body_en,
            "tags": tags,
            "valid_from": valid_from,
            "valid_until": valid_until,
            "categories": categories or [],
            "owner": owner or actor,
            "review_interval_days": review_interval_days,
        }
    )
    category_ids = values.pop("categories")
    article = Article.objects.create(**values, created_by=actor, status=Status.DRAFT)
    article.categories.set(category_ids)
    article.contributors.add(actor)
    _audit(actor, "article.create", article, {"categories": category_ids})
    return article


@transaction.atomic
def article_update(*, actor, article: Article, version: int, **changes: Any) -> Article:
    """Change the working copy. A published or retired article starts a revision (draft); one
    in review goes back to draft and must be submitted again."""
    ensure_perm(actor, EDIT)
    unknown = set(changes) - EDITABLE
    if unknown:
        raise TypeError(f"article_update got unexpected fields: {sorted(unknown)}")
    current = _locked(article, version)
    merged = {f: getattr(current, f) for f in CONTENT_FIELDS} | changes
    values = _validate(merged)
    changed = []
    for field in CONTENT_FIELDS + ("owner", "review_interval_days"):
        if field in changes and getattr(current, field) != values[field]:
            setattr(current, field, values[field])
            changed.append(field)
    categories_changed = False
    if "categories" in changes:
        before = set(current.categories.values_list("pk", flat=True))
        if before != set(values["categories"]):
            current.categories.set(values["categories"])
            categories_changed = True
    if not changed and not categories_changed:
        return current
    if current.status != Status.DRAFT:
        current.status = Status.DRAFT
        current.submitted_by = None
        current.submitted_at = None
        changed += ["status", "submitted_by", "submitted_at"]
    _save(current, changed)
    current.contributors.add(actor)
    fields = set(changed) | ({"categories"} if categories_changed else set())
    _audit(actor, "article.update", current, {"fields": sorted(fields)})
    return current


@transaction.atomic
def article_submit(*, actor, article: Article, version: int, change_note: str = "") -> Article:
    """Send a draft for approval."""
    ensure_perm(actor, EDIT)
    current = _locked(article, version)
    if current.status != Status.DRAFT:
        raise ValidationError({"status": _("Only a draft can be submitted for review.")})
    note = (change_note or "").strip()
    if len(note) > 300:
        raise ValidationError({"change_note": _("At most %(limit)s characters.") % {"limit": 300}})
    _validate({f: getattr(current, f) for f in CONTENT_FIELDS})
    current.status = Status.IN_REVIEW
    current.submitted_by = actor
    current.submitted_at = timezone.now()
    current.change_note = note
    current.review_comment = ""
    _save(current, ["status", "submitted_by", "submitted_at", "change_note", "review_comment"])
    current.contributors.add(actor)
    _audit(actor, "article.submit", current, {"change_note": note})
    return current


class SelfReviewError(PermissionDenied):
    """The actor wrote or submitted the revision they try to approve or send back."""

    def __init__(self):
        self.message = _("You wrote or submitted this revision: another approver must review it.")
        super().__init__(self.message)


def _ensure_not_author(actor, article: Article) -> None:
    if article.submitted_by_id == actor.pk or article.contributors.filter(pk=actor.pk).exists():
        raise SelfReviewError()


def _review_due(reviewed: date, interval_days: int) -> date:
    return reviewed + timedelta(days=interval_days)


@transaction.atomic
def article_approve(*, actor, article: Article, version: int) -> Article:
    """Publish the revision in review as a new version; agents see it at once (within its
    validity dates). The approver must not have written or submitted it."""
    ensure_perm(actor, APPROVE)
    current = _locked(article, version)
    if current.status != Status.IN_REVIEW:
        raise ValidationError({"status": _("Only an article in review can be approved.")})
    _ensure_not_author(actor, current)
    now = timezone.now()
    number = (current.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    published = ArticleVersion.objects.create(
        article=current,
        number=number,
        author=current.submitted_by,
        approved_by=actor,
        published_at=now,
        change_note=current.change_note,
        **{f: getattr(current, f) for f in CONTENT_FIELDS},
    )
    category_ids = list(current.categories.values_list("pk", flat=True))
    published.categories.set(category_ids)
    current.published = published
    current.status = Status.PUBLISHED
    current.retired_at = None
    current.last_reviewed_at = now
    current.review_due = _review_due(timezone.localdate(now), current.review_interval_days)
    current.review_comment = ""
    _save(
        current,
        ["published", "status", "retired_at", "last_reviewed_at", "review_due", "review_comment"],
    )
    current.contributors.clear()
    _reindex(current, published)
    _audit(actor, "article.approve", current, {"version": number, "categories": category_ids})
    return current


@transaction.atomic
def article_reject(*, actor, article: Article, version: int, comment: str) -> Article:
    """Send a revision in review back to draft with the reviewer's comment."""
    ensure_perm(actor, APPROVE)
    current = _locked(article, version)
    if current.status != Status.IN_REVIEW:
        raise ValidationError({"status": _("Only an article in review can be sent back.")})
    _ensure_not_author(actor, current)
    text = (comment or "").strip()
    if not text:
        raise ValidationError({"comment": _("Say what needs to change.")})
    if len(text) > 2000:
        raise ValidationError({"comment": _("At most %(limit)s characters.") % {"limit": 2000}})
    current.status = Status.DRAFT
    current.review_comment = text
    current.submitted_by = None
    current.submitted_at = None
    _save(current, ["status", "review_comment", "submitted_by", "submitted_at"])
    _audit(actor, "article.reject", current, reason=text)
    return current


@transaction.atomic
def article_retire(*, actor, article: Article, version: int, reason: str) -> Article:
    """Take an article away from agents (its versions stay for the record)."""
    ensure_perm(actor, APPROVE)
    current = _locked(article, version)
    if current.status == Status.RETIRED:
        raise ValidationError({"status": _("The article is already retired.")})
    text = (reason or "").strip()
    if not text:
        raise ValidationError({"reason": _("Give a reason for retiring the article.")})
    if len(text) > 500:
        raise ValidationError({"reason": _("At most %(limit)s characters.") % {"limit": 500}})
    current.status = Status.RETIRED
    current.retired_at = timezone.now()
    current.submitted_by = None
    current.submitted_at = None
    _save(current, ["status", "retired_at", "submitted_by", "submitted_at"])
    current.contributors.clear()
    ArticleTerm.objects.filter(article=current).delete()
    _audit(actor, "article.retire", current, reason=text)
    return current


@transaction.atomic
def article_mark_reviewed(*, actor, article: Article, version: int) -> Article:
    """The owner or an editor confirms the published answer is still right: the next review
    falls due one interval from today."""
    ensure_perm(actor, EDIT)
    current = _locked(article, version)
    if current.published_id is None or current.retired_at is not None:
        raise ValidationError({"status": _("Only a published article can be marked reviewed.")})
    now = timezone.now()
    current.last_reviewed_at = now
    current.review_due = _review_due(timezone.localdate(now), current.review_interval_days)
    _save(current, ["last_reviewed_at", "review_due"])
    _audit(actor, "article.review", current, {"review_due": current.review_due.isoformat()})
    return current


@transaction.atomic
def article_feedback(*, actor, article: Article, helpful: bool, comment: str = "") -> Article:
    """An agent's "helpful / not helpful" on the published version they read. Voting again on
    the same version replaces the vote; the counters follow (no lost update)."""
    ensure_perm(actor, READ)
    if article.published_id is None or article.retired_at is not None:
        raise ValidationError({"helpful": _("Only a published article takes feedback.")})
    text = (comment or "").strip()
    if len(text) > 500:
        raise ValidationError({"comment": _("At most %(limit)s characters.") % {"limit": 500}})
    previous = (
        ArticleFeedback.objects.select_for_update()
        .filter(article_version_id=article.published_id, staff=actor)
        .first()
    )
    counters: dict[str, Any] = {}
    if previous is None:
        ArticleFeedback.objects.create(
            article=article,
            article_version_id=article.published_id,
            staff=actor,
            helpful=helpful,
            comment=text,
        )
        counters["helpful_count" if helpful else "not_helpful_count"] = (
            F("helpful_count" if helpful else "not_helpful_count") + 1
        )
    else:
        if previous.helpful != helpful:
            up, down = (
                ("helpful_count", "not_helpful_count")
                if helpful
                else ("not_helpful_count", "helpful_count")
            )
            counters = {up: F(up) + 1, down: F(down) - 1}
        previous.helpful = helpful
        previous.comment = text
        previous.save(update_fields=["helpful", "comment", "created_at"])
    if counters:
        Article.objects.filter(pk=article.pk).update(**counters)
    _audit(actor, "article.feedback", article, {"helpful": helpful, "comment": bool(text)})
    article.refresh_from_db(fields=["helpful_count", "not_helpful_count"])
    return article


REMIND_AHEAD_DAYS = 14  # review due within this many days
EXPIRY_AHEAD_DAYS = 30  # validity ending within this many days
REMIND_EVERY_DAYS = 7  # at most one reminder per article per week


@transaction.atomic
def article_review_reminders_send(*, today: date | None = None) -> int:
    """E-mail each owner one digest of their live articles whose periodic review is due (or
    overdue) within REMIND_AHEAD_DAYS, or whose validity ends within EXPIRY_AHEAD_DAYS, unless
    reminded about that article in the last REMIND_EVERY_DAYS. Run daily
    (`bankcrm knowledge_review_reminders`); the messages go out through the worker after the
    transaction commits. Returns how many owners were reminded."""
    from django.db.models import Q
    from django.urls import reverse
    from django.utils import translation

    from bankcrm.common import crypto
    from bankcrm.org.tasks import staff_mail_send

    today = today or timezone.localdate()
    due = (
        Article.objects.select_for_update()
        .filter(published__isnull=False, retired_at__isnull=True, owner__is_active=True)
        .filter(
            Q(review_due__lte=today + timedelta(days=REMIND_AHEAD_DAYS))
            | Q(
                published__valid_until__gte=today,
                published__valid_until__lte=today + timedelta(days=EXPIRY_AHEAD_DAYS),
            )
        )
        .filter(
            Q(reminded_on__isnull=True)
            | Q(reminded_on__lte=today - timedelta(days=REMIND_EVERY_DAYS))
        )
        .select_related("owner", "published")
        .order_by("owner_id", "review_due", "pk")
    )
    by_owner: dict[int, list[Article]] = {}
    for article in due:
        by_owner.setdefault(article.owner_id, []).append(article)
    for articles in by_owner.values():
        owner = articles[0].owner
        language = owner.language or "zh-hans"
        with translation.override(language):
            subject = _("Knowledge base: %(count)s of your articles need attention") % {
                "count": len(articles)
            }
            lines = [_("These articles you own need a review or a new validity date:"), ""]
            for article in articles:
                reasons = []
                if article.review_due and article.review_due <= today:
                    reasons.append(
                        _("review overdue since %(date)s") % {"date": article.review_due}
                    )
                elif article.review_due and article.review_due <= today + timedelta(
                    days=REMIND_AHEAD_DAYS
                ):
                    reasons.append(_("review due on %(date)s") % {"date": article.review_due})
                until = article.published.valid_until
                if until and today <= until <= today + timedelta(days=EXPIRY_AHEAD_DAYS):
                    reasons.append(_("valid until %(date)s") % {"date": until})
                lines.append(f"- {article.title(language)} ({'; '.join(reasons)})")
                lines.append(f"  {reverse('knowledge:article', args=[article.pk])}")
            lines += ["", _("Open an article to mark it reviewed or to start a revision.")]
            body = "\n".join(lines)
        sealed = (crypto.encrypt(subject), crypto.encrypt(body))
        transaction.on_commit(
            lambda staff_id=owner.pk, sealed=sealed: staff_mail_send.enqueue(staff_id, *sealed)
        )
        Article.objects.filter(pk__in=[a.pk for a in articles]).update(reminded_on=today)
        audit_record(
            actor=None,
            action="knowledge.review_reminder",
            object_type="staff",
            object_id=owner.pk,
            changes={"articles": [a.pk for a in articles]},
        )
    return len(by_owner)


def article_count_view(*, article: Article) -> None:
    """One more view of the published article (an atomic increment; not audited: a read)."""
    Article.objects.filter(pk=article.pk).update(view_count=F("view_count") + 1)


def _reindex(article: Article, published: ArticleVersion) -> int:
    weights = index_terms(
        titles=[published.title_zh, published.title_en],
        keywords=[published.tags],
        summaries=[published.summary_zh, published.summary_en],
        bodies=[published.body_zh, published.body_en],
    )
    ArticleTerm.objects.filter(article=article).delete()
    ArticleTerm.objects.bulk_create(
        [ArticleTerm(article=article, term=term, weight=w) for term, w in weights.items()],
        batch_size=500,
    )
    return len(weights)


def article_reindex_all(*, batch: int = 200) -> int:
    """Rebuild the search index of every live article (after the tokenizer or its dictionary
    changed: `bankcrm knowledge_reindex`). One transaction per batch; returns the count."""
    done = 0
    qs = (
        Article.objects.filter(published__isnull=False, retired_at__isnull=True)
        .select_related("published")
        .order_by("pk")
    )
    last = 0
    while True:
        chunk = list(qs.filter(pk__gt=last)[:batch])
        if not chunk:
            return done
        with transaction.atomic():
            for article in chunk:
                _reindex(article, article.published)
        done += len(chunk)
        last = chunk[-1].pk
