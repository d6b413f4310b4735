"""Knowledge base endpoints of the REST API (read only): search published articles and get one.
For a future customer portal or another channel's assistant; the editors work on the pages."""

from __future__ import annotations

import base64
import binascii
import html
import json
import re
from datetime import date, datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from bankcrm.api.schemas import ERRORS, Id, Limit
from bankcrm.knowledge import selectors

router = Router(tags=["knowledge base"])

_TAG = re.compile(r"<[^>]+>")


class CategoryOut(Schema):
    id: int
    code: str
    name: str
    name_en: str


class ArticleOut(Schema):
    id: int
    status: str = Field(description="draft, in_review, published or retired (editors see all).")
    version: int | None = Field(description="The published version's number; null if none.")
    published_at: datetime | None
    title_zh: str
    title_en: str
    summary_zh: str
    summary_en: str
    body_zh: str
    body_en: str
    keywords: list[str]
    categories: list[CategoryOut]
    valid_from: date | None
    valid_until: date | None
    valid_now: bool
    helpful_count: int
    not_helpful_count: int
    view_count: int


class ArticleHitOut(Schema):
    id: int
    title: str
    snippet: str = Field(description="Plain text around the first hit.")
    answer: str = Field(description="The answer summary (else the body) to give the customer.")
    language: str
    matched_terms: int
    score: int
    valid_now: bool
    version: int
    helpful_count: int


class ArticlePageOut(Schema):
    items: list[ArticleHitOut]
    next_cursor: str | None


class SearchIn(Schema):
    q: Annotated[str, Field(max_length=200)] = Field(
        "", description="Words in Chinese or English; empty: the most helpful articles."
    )
    category_id: Id | None = Field(None, description="This service category and those below it.")
    language: Literal["zh", "en"] | None = Field(None, description="Articles in this language.")
    match: Literal["all", "any"] = Field(
        "all", description="all: every word must match; any: ranked by how many match."
    )
    include_invalid: bool = Field(False, description="Also articles outside their validity.")
    cursor: Annotated[str, Field(max_length=200)] | None = None
    limit: Limit = 20


def _decode(cursor: str) -> tuple[int, int, int]:
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor.encode() + b"=="))
        if (
            isinstance(values, list)
            and len(values) == 3
            and all(type(v) is int and 0 <= v < 2**63 for v in values)
        ):
            return values[0], values[1], values[2]
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise ValidationError({"cursor": _("This cursor is not valid: start again without it.")})


def _encode(values: tuple[int, int, int] | None) -> str | None:
    if values is None:
        return None
    return base64.urlsafe_b64encode(json.dumps(list(values)).encode()).decode().rstrip("=")


@router.get(
    "/knowledge/articles",
    response={200: ArticlePageOut, **ERRORS},
    summary="Search knowledge articles",
    description="Published articles valid today, best first (title hits above body hits). "
    "Chinese is segmented (jieba): a word inside a longer phrase is found. The words travel "
    "in the URL: search for topics, never put a customer's details in `q`.",
)
def article_search(request: HttpRequest, params: Query[SearchIn]):
    actor = request.auth
    after = _decode(params.cursor) if params.cursor else None
    language = {"zh": "zh-hans", "en": "en"}.get(params.language or "", "zh-hans")
    result = selectors.article_search(
        actor=actor,
        query=params.q,
        category_id=params.category_id,
        language=params.language,
        include_invalid=params.include_invalid,
        match=params.match,
        limit=params.limit,
        display_language=language,
        follow_query_language=params.language is None,
        after=after,
    )
    items = [
        {
            "id": hit.article.pk,
            "title": _unescape(str(hit.title)),
            "snippet": _unescape(str(hit.snippet)),
            "answer": hit.answer,
            "language": hit.language,
            "matched_terms": hit.hits,
            "score": hit.score,
            "valid_now": hit.valid_now,
            "version": hit.article.published.number,
            "helpful_count": hit.article.helpful_count,
        }
        for hit in result.hits
    ]
    return {"items": items, "next_cursor": _encode(result.next_after)}


def _unescape(marked: str) -> str:
    """Plain text of a highlighted (escaped, <mark>ed) title or snippet."""
    return html.unescape(_TAG.sub("", marked))


@router.get(
    "/knowledge/articles/{article_id}",
    response={200: ArticleOut, **ERRORS},
    summary="Get a knowledge article",
    description="The published version; editors also get drafts (their working copy).",
)
def article_detail(request: HttpRequest, article_id: Id):
    article = selectors.article_get(actor=request.auth, pk=article_id)
    shown = article.published or article
    return {
        "id": article.pk,
        "status": article.status,
        "version": article.published.number if article.published else None,
        "published_at": article.published.published_at if article.published else None,
        "title_zh": shown.title_zh,
        "title_en": shown.title_en,
        "summary_zh": shown.summary_zh,
        "summary_en": shown.summary_en,
        "body_zh": shown.body_zh,
        "body_en": shown.body_en,
        "keywords": shown.tag_list,
        "categories": list(shown.categories.all()),
        "valid_from": shown.valid_from,
        "valid_until": shown.valid_until,
        "valid_now": selectors.validity_state(shown, timezone.localdate()) == "valid",
        "helpful_count": article.helpful_count,
        "not_helpful_count": article.not_helpful_count,
        "view_count": article.view_count,
    }
