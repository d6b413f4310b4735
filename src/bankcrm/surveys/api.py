"""Satisfaction survey endpoints of the REST API (read only: surveys are created by the
services that close cases, and answered by customers on the public page)."""

from datetime import datetime
from typing import Annotated

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from bankcrm.api.pagination import ID_DESC, decode_cursor, encode_cursor
from bankcrm.api.schemas import ERRORS, Id, PageIn, StaffRef, choice
from bankcrm.surveys import selectors
from bankcrm.surveys.models import Survey

router = Router(tags=["surveys"])

StatusT = choice(Survey.Status)


class SurveyOut(Schema):
    id: int
    customer_id: int
    about_type: str
    about_id: int
    staff: StaffRef | None
    branch_id: int
    status: str = Field(
        ...,
        description="sent, answered or expired (a sent survey past its `expires_at` is expired)",
    )
    language: str
    sent_at: datetime = Field(..., alias="created_at")
    expires_at: datetime
    message_status: str | None
    csat: int | None = Field(None, description="Satisfaction, 1 (very dissatisfied) to 5.")
    nps: int | None = Field(None, description="Likelihood to recommend, 0 to 10.")
    comment: str
    answered_at: datetime | None

    @staticmethod
    def resolve_status(obj) -> str:
        return obj.current_status

    @staticmethod
    def resolve_message_status(obj) -> str | None:
        return obj.message.status if obj.message_id else None


class SurveyPageOut(Schema):
    items: list[SurveyOut]
    next_cursor: str | None


class SurveyListIn(PageIn):
    status: StatusT | None = None
    about_type: Annotated[str, Field(max_length=30)] | None = None
    about_id: Id | None = None
    customer_id: Id | None = None


@router.get(
    "/surveys",
    response={200: SurveyPageOut, **ERRORS},
    summary="List satisfaction surveys",
    description="Surveys of the customers the caller may see, newest first, with cursor "
    "pagination; filter by status, by what they are about (`about_type`, `about_id`, e.g. "
    "`case`, 42) or by customer.",
)
def survey_list(request: HttpRequest, filters: Query[SurveyListIn]):
    after = decode_cursor(filters.cursor, ID_DESC)[0] if filters.cursor else None
    qs = selectors.surveys_visible_to(request.auth).select_related("staff", "message")
    if filters.status:
        qs = selectors.with_status(qs, filters.status)
    if filters.about_type:
        qs = qs.filter(about_type=filters.about_type)
    if filters.about_id:
        qs = qs.filter(about_id=filters.about_id)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    if after:
        qs = qs.filter(id__lt=after)
    rows = list(qs.order_by("-id")[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {"items": rows, "next_cursor": encode_cursor([rows[-1].pk]) if more else None}


@router.get(
    "/surveys/{survey_id}",
    response={200: SurveyOut, **ERRORS},
    summary="Get a satisfaction survey",
)
def survey_detail(request: HttpRequest, survey_id: Id):
    return selectors.survey_get(actor=request.auth, pk=survey_id)
