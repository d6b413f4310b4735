"""Reading the knowledge base: search, an article as its reader may see it, editors' lists,
the review queue, version history and diffs.

Articles are bank-wide reference content, not customer data: no branch scoping. What decides
visibility is the role: readers (knowledge.view_article) see published, unretired articles;
editors and approvers also see drafts, revisions in review and retired articles.
"""

from __future__ import annotations

import difflib
import html
import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from bankcrm.common.text import has_cjk
from bankcrm.knowledge.models import Article, ArticleTerm, ArticleVersion, Status
from bankcrm.knowledge.search import highlight_pattern, query_terms

READ = "knowledge.view_article"
EDIT = "knowledge.change_article"
APPROVE = "knowledge.approve_article"
MAX_RESULTS = 50
SNIPPET = 90  # characters of body text around the first hit


def is_editor(actor) -> bool:
    return actor.has_perm(EDIT) or actor.has_perm(APPROVE)


def category_subtree_ids(category_id: int) -> list[int]:
    """The category and every category below it (the tree is small: one query for all)."""
    from bankcrm.service.models import Category

    children: dict[int | None, list[int]] = {}
    for pk, parent in Category.objects.values_list("pk", "parent_id"):
        children.setdefault(parent, []).append(pk)
    found, todo = [], [category_id]
    while todo:
        current = todo.pop()
        if current in found:
            continue
        found.append(current)
        todo.extend(children.get(current, []))
    return sorted(found)


def category_lineage_ids(category_id: int) -> list[int]:
    """The category, its ancestors and its descendants: what a case in this category relates to
    (an article filed under 银行卡 answers a case filed under 银行卡 / 盗刷, and vice versa)."""
    from bankcrm.service.models import Category

    parents = dict(Category.objects.values_list("pk", "parent_id"))
    up, current = [], parents.get(category_id)
    while current is not None and current not in up:
        up.append(current)
        current = parents.get(current)
    return sorted(set(up) | set(category_subtree_ids(category_id)))


def _valid_on(today: date, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}valid_from__isnull": True}) | Q(**{f"{prefix}valid_from__lte": today})
    ) & (Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gte": today}))


def articles_readable(actor) -> QuerySet[Article]:
    """Published, unretired articles, for anyone who may read the knowledge base."""
    if not actor.has_perm(READ):
        return Article.objects.none()
    return Article.objects.filter(published__isnull=False, retired_at__isnull=True)


def article_get(*, actor, pk: int) -> Article:
    """An article as the actor may open it: readers only published ones; editors any. Missing,
    retired (for readers) and drafts (for readers) are all the same 404."""
    if is_editor(actor):
        qs = Article.objects.all()
    else:
        qs = articles_readable(actor)
    article = (
        qs.select_related("published", "owner", "submitted_by", "published__approved_by")
        .filter(pk=pk)
        .first()
    )
    if article is None:
        raise Http404
    return article


# --- Search ---------------------------------------------------------------------------------


@dataclass
class Hit:
    article: Article
    hits: int = 0
    score: int = 0
    title: str = ""
    snippet: SafeString | str = ""
    answer: str = ""  # plain text an agent copies to the customer
    language: str = "zh-hans"
    valid_now: bool = True
    categories: list = field(default_factory=list)


@dataclass
class SearchResult:
    terms: list[str]
    hits: list[Hit]
    more: bool = False
    relaxed: bool = False  # no article had every word: these have some of them
    # The sort key of the last hit when there are more: pass it back as `after` for the next
    # page (keyset paging over the ranking; no OFFSET).
    next_after: tuple[int, int, int] | None = None


def _after(names: tuple[str, str, str], values: tuple[int, int, int]) -> Q:
    """Rows strictly after `values` in descending order of the three `names`."""
    a, b, c = names
    x, y, z = values
    return Q(**{f"{a}__lt": x}) | Q(**{a: x, f"{b}__lt": y}) | Q(**{a: x, b: y, f"{c}__lt": z})


def _mark(text: str, pattern) -> SafeString:
    """Escape `text`, then wrap the matches of `pattern` in <mark> (safe: escaped first)."""
    if pattern is None:
        return mark_safe(html.escape(text))  # noqa: S308 - escaped just now
    out, last = [], 0
    for m in pattern.finditer(text):
        out.append(html.escape(text[last : m.start()]))
        out.append(f"<mark>{html.escape(m.group(0))}</mark>")
        last = m.end()
    out.append(html.escape(text[last:]))
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped


def snippet(text: str, terms: list[str], width: int | None = None) -> SafeString:
    """A short extract of `text` around its first hit, hits marked; the start when no hit.
    Latin text gets more characters than Chinese (a word is several letters)."""
    text = " ".join((text or "").split())
    if width is None:
        width = SNIPPET if has_cjk(text) else SNIPPET * 2 + 20
    pattern = highlight_pattern(terms)
    start = 0
    if pattern is not None and len(text) > width:
        m = pattern.search(text)
        if m and m.end() > width - 10:  # the first hit would not show: centre on it
            start = max(0, m.start() - width // 3)
    piece = text[start : start + width]
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return mark_safe(prefix + _mark(piece, pattern) + suffix)  # noqa: S308 - escaped in _mark


def _language_condition(language: str | None, prefix: str) -> Q:
    if language == "en":
        return ~Q(**{f"{prefix}title_en": ""})
    if language in ("zh", "zh-hans"):
        return ~Q(**{f"{prefix}title_zh": ""})
    return Q()


def article_search(
    *,
    actor,
    query: str,
    category_id: int | None = None,
    related_category: bool = False,
    language: str | None = None,
    include_invalid: bool = False,
    match: str = "all",
    limit: int = 20,
    today: date | None = None,
    display_language: str = "zh-hans",
    after: tuple[int, int, int] | None = None,
    follow_query_language: bool = True,
) -> SearchResult:
    """Published articles matching `query`, best first: most query words matched, then weight
    (title hits above keyword, summary and body hits).

    One aggregate query over the term index, joined to the article and its published version
    for status, validity, language and category; then one query loads the page's articles.
    Hits are shown in the query's language when the article has it (`follow_query_language`),
    else in `display_language`. `match="all"` needs every word; `"any"` ranks by how many
    match (the case panel). With `category_id`, only that category and those below it (or,
    `related_category`, also those above it). Articles outside their validity dates are left
    out unless `include_invalid`.
    Without a query: the category's articles, most helpful first.
    """
    today = today or timezone.localdate()
    limit = max(1, min(limit, MAX_RESULTS))
    terms = query_terms(query)
    if not actor.has_perm(READ):
        return SearchResult(terms=terms, hits=[])
    category_ids = None
    if category_id is not None:
        category_ids = (
            category_lineage_ids(category_id)
            if related_category
            else category_subtree_ids(category_id)
        )
    if not terms:
        return _browse(
            actor, category_ids, language, include_invalid, limit, today, display_language, after
        )

    condition = Q(
        term__in=terms,
        article__published__isnull=False,
        article__retired_at__isnull=True,
    ) & _language_condition(language, "article__published__")
    if not include_invalid:
        condition &= _valid_on(today, "article__published__")
    qs = ArticleTerm.objects.filter(condition)
    if category_ids is not None:
        qs = qs.filter(_in_categories(category_ids, "article__published_id"))
    ranked = (
        qs.values("article_id")
        .annotate(hits=Count("id"), score=Sum("weight"))
        .order_by("-hits", "-score", "-article_id")
    )
    need = len(terms) if match == "all" else 1
    ranked = ranked.filter(hits__gte=need)
    if after is not None:
        ranked = ranked.filter(_after(("hits", "score", "article_id"), after))
    rows = list(ranked[: limit + 1])
    return _result(rows, terms, limit, today, display_language, follow_query_language)


def _in_categories(category_ids: list[int], version_ref: str) -> Exists:
    through = ArticleVersion.categories.through
    return Exists(
        through.objects.filter(
            articleversion_id=OuterRef(version_ref), category_id__in=category_ids
        )
    )


def _browse(actor, category_ids, language, include_invalid, limit, today, display_language, after):
    """No words: the most helpful (then most read) articles, for a category or the bank."""
    qs = articles_readable(actor).filter(_language_condition(language, "published__"))
    if not include_invalid:
        qs = qs.filter(_valid_on(today, "published__"))
    if category_ids is not None:
        qs = qs.filter(_in_categories(category_ids, "published_id"))
    if after is not None:
        qs = qs.filter(_after(("helpful_count", "view_count", "pk"), after))
    ordered = qs.order_by("-helpful_count", "-view_count", "-pk")
    rows = [
        {"article_id": pk, "hits": 0, "score": 0, "key": (helpful, views, pk)}
        for pk, helpful, views in ordered.values_list("pk", "helpful_count", "view_count")[
            : limit + 1
        ]
    ]
    return _result(rows, [], limit, today, display_language)


def _result(
    rows, terms, limit, today, display_language, follow_query_language=True
) -> SearchResult:
    more = len(rows) > limit
    rows = rows[:limit]
    next_after = None
    if more:
        last = rows[-1]
        next_after = last.get("key") or (last["hits"], last["score"], last["article_id"])
    articles = Article.objects.select_related("published").in_bulk([r["article_id"] for r in rows])
    pattern = highlight_pattern(terms)
    hits = []
    for row in rows:
        article = articles.get(row["article_id"])
        if article is None or article.published is None:
            continue  # retired between the two reads
        version = article.published
        lang = _shown_language(
            version.languages, terms if follow_query_language else [], display_language
        )
        body = version.summary(lang) or version.body(lang)
        if terms and pattern is not None and not pattern.search(body):
            body = version.body(lang) or body
        hits.append(
            Hit(
                article=article,
                hits=row["hits"],
                score=row["score"] or 0,
                title=_mark(version.title(lang), pattern),
                snippet=snippet(body, terms),
                answer=version.summary(lang) or version.body(lang),
                language=lang,
                valid_now=_is_valid(version, today),
            )
        )
    return SearchResult(terms=terms, hits=hits, more=more, next_after=next_after)


def _shown_language(available: list[str], terms: list[str], preferred: str) -> str:
    """The language to show a hit in: the query's (any Chinese word → Chinese, else English)
    when the article has it and `terms` are given, else `preferred`, else the article's own."""
    if terms:
        wanted = "zh-hans" if any(has_cjk(t) for t in terms) else "en"
        if wanted in available:
            return wanted
    return preferred if preferred in available else available[0]


def _is_valid(version, today: date) -> bool:
    return (version.valid_from is None or version.valid_from <= today) and (
        version.valid_until is None or version.valid_until >= today
    )


def article_search_page(*, actor, query: str, **kwargs) -> SearchResult:
    """The search page: every word first; when no article has them all, the articles with the
    most of them (said so on the page)."""
    result = article_search(actor=actor, query=query, match="all", **kwargs)
    if not result.hits and len(result.terms) > 1:
        result = article_search(actor=actor, query=query, match="any", **kwargs)
        result.relaxed = bool(result.hits)
    return result


def validity_state(version, today: date | None = None) -> str:
    """ "valid", "expired" or "future" for a content with validity dates."""
    today = today or timezone.localdate()
    if version.valid_from and version.valid_from > today:
        return "future"
    if version.valid_until and version.valid_until < today:
        return "expired"
    return "valid"


# --- Editors --------------------------------------------------------------------------------


EDITOR_FILTERS = ("all", "draft", "in_review", "published", "retired", "mine")


def editor_articles(
    *, actor, status: str = "all", text: str = "", limit: int = 50, after: int | None = None
) -> tuple[list[Article], int | None]:
    """Articles for the editors' list, newest change first (keyset paging on id within the
    status index); `text` filters titles."""
    if not is_editor(actor):
        return [], None
    qs = Article.objects.select_related("owner", "published").order_by("-pk")
    if status == "mine":
        qs = qs.filter(Q(owner=actor) | Q(contributors=actor)).distinct()
    elif status in Status.values:
        qs = qs.filter(status=status)
    text = (text or "").strip()
    if text:
        qs = qs.filter(Q(title_zh__icontains=text) | Q(title_en__icontains=text))
    if after:
        qs = qs.filter(pk__lt=after)
    rows = list(qs[: limit + 1])
    next_after = rows[limit - 1].pk if len(rows) > limit else None
    return rows[:limit], next_after


@dataclass
class ReviewQueue:
    awaiting_approval: list[Article]
    review_overdue: list[Article]
    expired: list[Article]
    expiring: list[Article]
    not_yet_valid: list[Article]
    sent_back: list[Article]

    @property
    def total(self) -> int:
        return sum(
            len(x)
            for x in (
                self.awaiting_approval,
                self.review_overdue,
                self.expired,
                self.expiring,
                self.not_yet_valid,
                self.sent_back,
            )
        )


def review_queue(*, actor, today: date | None = None, expiring_days: int = 30) -> ReviewQueue:
    """What editors must act on: revisions awaiting approval (others' first: one cannot approve
    one's own), published answers whose periodic review is overdue, and published answers that
    expired, expire within `expiring_days` or are not valid yet (agents do not find those)."""
    today = today or timezone.localdate()
    if not is_editor(actor):
        return ReviewQueue([], [], [], [], [], [])
    base = Article.objects.select_related("owner", "published", "submitted_by")
    live = base.filter(published__isnull=False, retired_at__isnull=True)
    awaiting = list(base.filter(status=Status.IN_REVIEW).order_by("submitted_at", "pk")[:100])
    return ReviewQueue(
        awaiting_approval=awaiting,
        review_overdue=list(live.filter(review_due__lt=today).order_by("review_due", "pk")[:100]),
        expired=list(
            live.filter(published__valid_until__lt=today).order_by("published__valid_until")[:100]
        ),
        expiring=list(
            live.filter(
                published__valid_until__gte=today,
                published__valid_until__lte=today + timedelta(days=expiring_days),
            ).order_by("published__valid_until")[:100]
        ),
        not_yet_valid=list(
            live.filter(published__valid_from__gt=today).order_by("published__valid_from")[:100]
        ),
        sent_back=list(
            base.filter(status=Status.DRAFT)
            .exclude(review_comment="")
            .order_by("-updated_at")[:100]
        ),
    )


def review_queue_count(*, actor, today: date | None = None) -> int:
    """How many items the queue holds for the actor (one query), for the nav badge."""
    if not is_editor(actor):
        return 0
    today = today or timezone.localdate()
    live = Q(published__isnull=False, retired_at__isnull=True)
    return Article.objects.filter(
        Q(status=Status.IN_REVIEW)
        | (live & Q(review_due__lt=today))
        | (live & Q(published__valid_until__lt=today))
    ).count()


# --- History --------------------------------------------------------------------------------


def article_versions(article: Article) -> list[ArticleVersion]:
    return list(
        article.versions.select_related("author", "approved_by")
        .prefetch_related("categories")
        .order_by("-number")
    )


def version_get(*, article: Article, number: int) -> ArticleVersion:
    version = (
        article.versions.select_related("author", "approved_by")
        .prefetch_related("categories")
        .filter(number=number)
        .first()
    )
    if version is None:
        raise Http404
    return version


@dataclass
class FieldDiff:
    field: str
    label: str
    lines: list[tuple[str, SafeString]]  # (kind: "same" | "add" | "del" | "change", html)

    @property
    def changed(self) -> bool:
        return any(kind != "same" for kind, _html in self.lines)


_DIFF_TOKEN = re.compile(r"[A-Za-z0-9_'’.-]+|\s+|.", re.DOTALL)


def _inline(old: str, new: str) -> SafeString:
    """One changed line, word by word for Latin text and character by character for Chinese
    (which has no spaces to split on)."""
    a, b = _DIFF_TOKEN.findall(old), _DIFF_TOKEN.findall(new)
    out = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(a[a1:a2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(''.join(a[a1:a2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(''.join(b[b1:b2]))}</ins>")
    return mark_safe("".join(out))  # noqa: S308 - every piece escaped


def text_diff(old: str, new: str) -> list[tuple[str, SafeString]]:
    """Line diff of two texts; a replaced line pairs with its replacement shown inline."""
    a, b = (old or "").splitlines(), (new or "").splitlines()
    lines: list[tuple[str, SafeString]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        if op == "equal":
            lines += [("same", mark_safe(html.escape(x))) for x in a[a1:a2]]  # noqa: S308
            continue
        olds, news = a[a1:a2], b[b1:b2]
        paired = min(len(olds), len(news)) if op == "replace" else 0
        for i in range(paired):
            lines.append(("change", _inline(olds[i], news[i])))
        lines += [("del", mark_safe(html.escape(x))) for x in olds[paired:]]  # noqa: S308
        lines += [("add", mark_safe(html.escape(x))) for x in news[paired:]]  # noqa: S308
    return lines


def _field_text(content, name: str) -> str:
    if name == "categories":
        cats = content.categories.all()
        return "\n".join(sorted(c.display_name("zh-hans") for c in cats))
    if name == "validity":
        start = content.valid_from.isoformat() if content.valid_from else "—"
        end = content.valid_until.isoformat() if content.valid_until else "—"
        return f"{start} → {end}"
    return getattr(content, name) or ""


def content_diff(old, new) -> list[FieldDiff]:
    """Field by field differences between two contents (versions or the working copy); only
    the fields that changed."""
    from django.utils.translation import gettext as _

    labels = {
        "title_zh": _("Chinese title"),
        "title_en": _("English title"),
        "summary_zh": _("Chinese answer summary"),
        "summary_en": _("English answer summary"),
        "body_zh": _("Chinese body"),
        "body_en": _("English body"),
        "tags": _("Keywords"),
        "validity": _("Validity"),
        "categories": _("Categories"),
    }
    diffs = []
    for name, label in labels.items():
        before = _field_text(old, name) if old is not None else ""
        after = _field_text(new, name)
        if before != after:
            diffs.append(FieldDiff(field=name, label=str(label), lines=text_diff(before, after)))
    return diffs


def article_feedback_recent(article: Article, limit: int = 20):
    return list(
        article.feedback.select_related("staff", "article_version")
        .exclude(comment="")
        .order_by("-created_at")[:limit]
    )
