"""Knowledge pages: agents' search, an article, the case panel (htmx fragment), and the
editors' pages (list, create/edit, submit, approve or send back, retire, history, review queue).
Thin: reads come from the selectors, writes go through the services, which check permissions,
validate and audit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bankcrm.common.errors import ConflictError
from bankcrm.customers.forms import apply_service_errors
from bankcrm.knowledge import selectors, services
from bankcrm.knowledge.forms import (
    ArticleForm,
    EditorFilterForm,
    FeedbackForm,
    PanelForm,
    RejectForm,
    RetireForm,
    SearchForm,
    SubmitForm,
    VersionForm,
)
from bankcrm.knowledge.models import Article, ArticleFeedback, Status

PANEL_SIZE = 5


def _need(request: HttpRequest, perm: str) -> None:
    if not request.user.has_perm(perm):
        raise PermissionDenied


def _need_editor(request: HttpRequest) -> None:
    if not selectors.is_editor(request.user):
        raise PermissionDenied


def _lang() -> str:
    return "en" if (get_language() or "").startswith("en") else "zh-hans"


# --- Agents ---------------------------------------------------------------------------------


@login_required
@require_GET
def search_view(request: HttpRequest) -> HttpResponse:
    _need(request, selectors.READ)
    form = SearchForm(request.GET or None)
    result = None
    if form.is_valid() and (form.cleaned_data["q"] or form.cleaned_data["category"]):
        data = form.cleaned_data
        result = selectors.article_search_page(
            actor=request.user,
            query=data["q"],
            category_id=data["category"],
            language=data["language"] or None,
            include_invalid=data["all_dates"],
            display_language=_lang(),
        )
    popular = (
        []
        if result is not None
        else selectors.article_search(
            actor=request.user, query="", limit=10, display_language=_lang()
        ).hits
    )
    context = {
        "form": form,
        "result": result,
        "popular": popular,
        "queue_count": selectors.review_queue_count(actor=request.user),
    }
    return render(request, "knowledge/search.html", context)


@login_required
@require_GET
def panel_view(request: HttpRequest) -> HttpResponse:
    """The case page's panel (htmx): `?q=<text>&category=<service category id>` → the best
    valid articles for the case (its category, the categories above and below it; any category
    when none there matches), each with a link and a "copy answer" button. `&lang=zh|en` picks
    the answers' language (the customer's); default the staff member's. A fragment, no base
    template."""
    _need(request, selectors.READ)
    form = PanelForm(request.GET)
    hits: list = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"] or ""
        category = form.cleaned_data["category"]
        asked = {"zh": "zh-hans", "en": "en"}.get(form.cleaned_data["lang"])
        options = {
            "actor": request.user,
            "query": query,
            "match": "any",
            "limit": PANEL_SIZE,
            "display_language": asked or _lang(),
            "follow_query_language": asked is None,
        }
        hits = selectors.article_search(**options, category_id=category, related_category=True).hits
        if not hits and category and query:
            hits = selectors.article_search(**options).hits  # nothing filed there: any category
    return render(request, "knowledge/_panel.html", {"hits": hits, "query": query})


def _feedback_context(request: HttpRequest, article: Article) -> dict:
    mine = None
    if article.published_id:
        mine = ArticleFeedback.objects.filter(
            article_version_id=article.published_id, staff=request.user
        ).first()
    return {"article": article, "my_feedback": mine}


@login_required
@require_GET
def article_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(actor=request.user, pk=pk)
    editor = selectors.is_editor(request.user)
    live = article.published if article.retired_at is None else None
    # Readers see the published version; editors see it too, and the working copy if there is
    # no published one (a draft, or a revision in progress, is shown on its own tab).
    shown = article.published or article
    if live is not None and request.user.has_perm(selectors.READ):
        services.article_count_view(article=article)
    context = {
        "article": article,
        "shown": shown,
        "is_working_copy": article.published is None,
        "editor": editor,
        "validity": selectors.validity_state(shown),
        "categories": list(shown.categories.all()),
        "lang": _lang(),
        "feedback": selectors.article_feedback_recent(article) if editor else [],
        **_feedback_context(request, article),
    }
    return render(request, "knowledge/article.html", context)


@login_required
@require_POST
def feedback_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(actor=request.user, pk=pk)
    _need(request, selectors.READ)
    form = FeedbackForm(request.POST)
    error = ""
    if not form.is_valid():
        error = _("Choose helpful or not helpful.")
    else:
        try:
            article = services.article_feedback(
                actor=request.user,
                article=article,
                helpful=form.cleaned_data["helpful"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    if request.htmx:
        context = {**_feedback_context(request, article), "error": error, "thanked": not error}
        return render(request, "knowledge/_feedback.html", context)
    if error:
        messages.error(request, error)
    else:
        messages.success(request, _("Thank you: your feedback is recorded."))
    return redirect("knowledge:article", pk=article.pk)


# --- Editors --------------------------------------------------------------------------------


@login_required
@require_GET
def editor_list_view(request: HttpRequest) -> HttpResponse:
    _need_editor(request)
    form = EditorFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    status = data.get("status") or "all"
    rows, next_after = selectors.editor_articles(
        actor=request.user, status=status, text=data.get("text", ""), after=data.get("after")
    )
    context = {
        "rows": rows,
        "next_after": next_after,
        "status": status,
        "text": data.get("text", ""),
        "filters": [
            ("all", _("All")),
            ("mine", _("Mine")),
            *[(value, label) for value, label in Status.choices],
        ],
        "queue_count": selectors.review_queue_count(actor=request.user),
        "today": timezone.localdate(),
    }
    return render(request, "knowledge/editor_list.html", context)


def _form_values(data: dict) -> dict:
    return {
        key: data[key]
        for key in (
            "title_zh",
            "title_en",
            "summary_zh",
            "summary_en",
            "body_zh",
            "body_en",
            "tags",
            "categories",
            "valid_from",
            "valid_until",
            "owner",
            "review_interval_days",
        )
    }


@login_required
@require_http_methods(["GET", "POST"])
def article_create_view(request: HttpRequest) -> HttpResponse:
    _need(request, services.EDIT)
    form = ArticleForm(request.POST or None, initial={"owner": request.user})
    if request.method == "POST" and form.is_valid():
        try:
            article = services.article_create(actor=request.user, **_form_values(form.cleaned_data))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Draft saved. Submit it for review when it is ready."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": None})


@login_required
@require_http_methods(["GET", "POST"])
def article_edit_view(request: HttpRequest, pk: int) -> HttpResponse:
    article = selectors.article_get(actor=request.user, pk=pk)
    _need(request, services.EDIT)
    initial = {
        **{f: getattr(article, f) for f in services.CONTENT_FIELDS},
        "categories": list(article.categories.values_list("pk", flat=True)),
        "owner": article.owner_id,
        "review_interval_days": article.review_interval_days,
        "version": article.version,
    }
    form = ArticleForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            article = services.article_update(
                actor=request.user,
                article=article,
                version=data["version"] or 0,
                **_form_values(data),
            )
        except ConflictError as exc:
            form.add_error(None, exc.message)
            status = 409
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("Changes saved."))
            return redirect("knowledge:article", pk=article.pk)
    return render(request, "knowledge/edit.html", {"form": form, "article": article}, status=status)


def _transition(request: HttpRequest, pk: int, form_class, perm: str, action, success: str):
    article = selectors.article_get(actor=request.user, pk=pk)
    _need(request, perm)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, _("The article's version is missing: reload the page."))
        return redirect("knowledge:article", pk=article.pk)
    data = dict(form.cleaned_data)
    try:
        action(actor=request.user, article=article, **data)
    except ConflictError as exc:
        messages.error(request, exc.message)
    except services.SelfReviewError as exc:
        messages.error(request, exc.message)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, success)
    return redirect("knowledge:article", pk=article.pk)


@login_required
@require_POST
def article_submit_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        SubmitForm,
        services.EDIT,
        services.article_submit,
        _("Submitted for review. Another approver must approve it."),
    )


@login_required
@require_POST
def article_approve_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        VersionForm,
        services.APPROVE,
        services.article_approve,
        _("Approved and published: agents find it now."),
    )


@login_required
@require_POST
def article_reject_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        RejectForm,
        services.APPROVE,
        services.article_reject,
        _("Sent back to draft with your comment."),
    )


@login_required
@require_POST
def article_retire_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        RetireForm,
        services.APPROVE,
        services.article_retire,
        _("Retired: agents no longer find it."),
    )


@login_required
@require_POST
def article_reviewed_view(request: HttpRequest, pk: int) -> HttpResponse:
    return _transition(
        request,
        pk,
        VersionForm,
        services.EDIT,
        services.article_mark_reviewed,
        _("Marked as reviewed."),
    )


def _number(value) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**31 else None


@login_required
@require_GET
def article_history_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Every published version; the differences between two of them (?a=&b=), or between the
    published version and the revision in progress (?b=draft)."""
    article = selectors.article_get(actor=request.user, pk=pk)
    _need_editor(request)
    versions = selectors.article_versions(article)
    by_number = {v.number: v for v in versions}
    newer = older = None
    b = request.GET.get("b")
    if b == "draft" and article.status in (Status.DRAFT, Status.IN_REVIEW):
        newer = article
        older = article.published
    else:
        number_b = _number(b) or (versions[0].number if versions else None)
        newer = by_number.get(number_b) if number_b else None
        if b and newer is None:
            raise Http404
        number_a = _number(request.GET.get("a"))
        if number_a is not None:
            older = by_number.get(number_a)
            if older is None:
                raise Http404
        elif newer is not None:
            older = by_number.get(newer.number - 1)
    diffs = selectors.content_diff(older, newer) if newer is not None else []
    context = {
        "article": article,
        "versions": versions,
        "older": older,
        "newer": newer,
        "newer_is_draft": newer is article,
        "diffs": diffs,
    }
    return render(request, "knowledge/history.html", context)


@login_required
@require_GET
def review_queue_view(request: HttpRequest) -> HttpResponse:
    _need_editor(request)
    queue = selectors.review_queue(actor=request.user)
    context = {
        "queue": queue,
        "queue_count": selectors.review_queue_count(actor=request.user),
        "today": timezone.localdate(),
    }
    return render(request, "knowledge/review_queue.html", context)
