"""Segment endpoints of the REST API: thin — schema in, selector or service call, schema out.

A definition that does not parse answers 422 with the bad condition's path in the field name:
`{"errors": {"definition.conditions[1]": [{"code": "invalid_definition", "message": ...}]}}`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status

from bankcrm.analytics.segments import MAX_CONDITIONS
from bankcrm.api.pagination import ID_DESC, Keyset, decode_cursor, encode_cursor
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    BranchRef,
    Id,
    InputSchema,
    PageIn,
    PatchSchema,
    StaffRef,
)
from bankcrm.common import masking
from bankcrm.common.errors import ensure_perm
from bankcrm.segments import selectors, services

router = Router(tags=["segments"])

ID_ASC = Keyset(fields=(("id", int),), descending=False)
Definition = Annotated[
    dict[str, Any],
    Field(
        description="A tree of groups ({op: and|or, conditions: [...]}) and conditions "
        "({field, op, value, window_days?, category?, channel?}); see the field catalogue in "
        f"docs/segmentation.md. At most {MAX_CONDITIONS} conditions.",
        examples=[
            {
                "op": "and",
                "conditions": [
                    {"field": "age", "op": "between", "value": [30, 45]},
                    {"field": "tx_amount", "op": "gte", "value": 10000, "window_days": 90},
                ],
            }
        ],
    ),
]
KindT = Literal["dynamic", "static"]


def _text(max_length: int, min_length: int = 0) -> Any:
    return Annotated[str, Field(min_length=min_length, max_length=max_length)]


class SegmentOut(Schema):
    id: int
    name: str
    description: str
    kind: str
    definition: dict[str, Any]
    owner: StaffRef
    branch: BranchRef
    member_count: int
    last_refreshed_at: datetime | None
    refresh_pending: bool = Field(description="A refresh is queued or running on the worker.")
    archived: bool
    version: int = Field(..., description="Send it back with PATCH: a stale version answers 409.")
    created_at: datetime
    updated_at: datetime

    @staticmethod
    def resolve_refresh_pending(obj) -> bool:
        return services.refresh_pending(obj)


class SegmentPageOut(Schema):
    items: list[SegmentOut]
    next_cursor: str | None


class SegmentCreateIn(InputSchema):
    name: _text(100, 1)
    description: _text(1000) = ""
    kind: KindT = "dynamic"
    definition: Definition


class SegmentPatchIn(PatchSchema):
    version: Id
    name: _text(100, 1) | None = None
    description: _text(1000) | None = None
    kind: KindT | None = None
    definition: Definition | None = None
    archived: bool | None = None


class EvaluateIn(InputSchema):
    definition: Definition


class BucketOut(Schema):
    value: str
    label: str
    count: int


class SampleOut(Schema):
    id: int
    number: str
    name_masked: str


class EvaluateOut(Schema):
    count: int = Field(..., description="Matching customers within the caller's scope.")
    sample: list[SampleOut]
    distributions: dict[str, list[BucketOut]]


class SegmentListIn(PageIn):
    archived: bool = False


class MemberOut(Schema):
    id: int
    number: str | None
    name_masked: str
    branch: BranchRef
    since: datetime | None = None


class MemberPageOut(Schema):
    items: list[MemberOut]
    next_cursor: str | None


class RefreshRequestOut(Schema):
    segment_id: int
    status: str = Field(description="queued: the worker evaluates it; poll GET /segments/{id}")
    requested_at: datetime


class RefreshOut(Schema):
    id: int
    at: datetime
    trigger: str
    entered: int
    left: int
    member_count: int


def _definition_errors(exc: services.DefinitionInvalid) -> ValidationError:
    key = f"definition.{exc.path}" if exc.path else "definition"
    return ValidationError({key: ValidationError(exc.text, code="invalid_definition")})


@router.get(
    "/segments",
    response={200: SegmentPageOut, **ERRORS},
    summary="List segments",
    description="Segments the caller may see (own, branch subtree or bank), newest first.",
)
def segment_list(request: HttpRequest, filters: Query[SegmentListIn]):
    after = decode_cursor(filters.cursor, ID_DESC)[0] if filters.cursor else None
    page = selectors.segment_page(
        actor=request.auth, archived=filters.archived, after=after, size=filters.limit
    )
    return {
        "items": page.items,
        "next_cursor": encode_cursor([page.next_cursor]) if page.next_cursor else None,
    }


@router.post(
    "/segments",
    response={201: SegmentOut, **ERRORS},
    summary="Define a segment",
    description="Saves the definition and evaluates it at once with the caller's scope. A "
    "static segment keeps these members; a dynamic one is refreshed on schedule and on demand.",
)
def segment_create(request: HttpRequest, payload: SegmentCreateIn):
    try:
        segment = services.segment_create(actor=request.auth, **payload.model_dump())
    except services.DefinitionInvalid as exc:
        raise _definition_errors(exc) from None
    return Status(201, selectors.segment_get(actor=request.auth, pk=segment.pk))


@router.post(
    "/segments/evaluate",
    response={200: EvaluateOut, **ERRORS},
    summary="Evaluate a definition",
    description="Count, a small sample (masked names) and the distribution of age group, wealth "
    "tier, gender and RFM cell of the customers a definition selects in the caller's scope. "
    "Nothing is saved.",
)
def segment_evaluate(request: HttpRequest, payload: EvaluateIn):
    ensure_perm(request.auth, selectors.VIEW)
    try:
        parsed = services.definition_parse(payload.definition)
    except services.DefinitionInvalid as exc:
        raise _definition_errors(exc) from None
    found = selectors.segment_preview(actor=request.auth, definition=parsed)
    return {
        "count": found.count,
        "sample": found.sample,
        "distributions": {
            d.attribute: [{"value": v, "label": label, "count": n} for v, label, n in d.items]
            for d in found.distributions
        },
    }


@router.get("/segments/{segment_id}", response={200: SegmentOut, **ERRORS}, summary="Get a segment")
def segment_detail(request: HttpRequest, segment_id: Id):
    return selectors.segment_get(actor=request.auth, pk=segment_id)


@router.patch(
    "/segments/{segment_id}",
    response={200: SegmentOut, **WRITE_ERRORS},
    summary="Update a segment",
    description="Send only what changes, with the `version` you read (409 `conflict` if someone "
    "saved since). A new definition or kind is evaluated at once; `archived` stops refreshes.",
)
def segment_update(request: HttpRequest, segment_id: Id, payload: SegmentPatchIn):
    actor = request.auth
    segment = selectors.segment_get(actor=actor, pk=segment_id)
    changes = payload.model_dump(exclude_unset=True)
    try:
        services.segment_update(actor=actor, segment=segment, **changes)
    except services.DefinitionInvalid as exc:
        raise _definition_errors(exc) from None
    return selectors.segment_get(actor=actor, pk=segment_id)


@router.get(
    "/segments/{segment_id}/members",
    response={200: MemberPageOut, **ERRORS},
    summary="List a segment's members",
    description="The members of the last evaluation that the caller may see, by customer id, "
    "with cursor pagination. Names are masked.",
)
def segment_members(request: HttpRequest, segment_id: Id, filters: Query[PageIn]):
    segment = selectors.segment_get(actor=request.auth, pk=segment_id)
    after = decode_cursor(filters.cursor, ID_ASC)[0] if filters.cursor else None
    page = selectors.member_page(
        actor=request.auth, segment=segment, after=after, size=filters.limit
    )
    return {
        "items": [
            {
                "id": c.pk,
                "number": c.number,
                "name_masked": masking.mask("name", c.name),
                "branch": c.branch,
            }
            for c in page.items
        ],
        "next_cursor": encode_cursor([page.next_cursor]) if page.next_cursor else None,
    }


@router.post(
    "/segments/{segment_id}/refresh",
    response={202: RefreshRequestOut, **WRITE_ERRORS},
    summary="Refresh a segment",
    description="Queues a refresh of a dynamic segment for the background worker, which "
    "evaluates it again with its owner's scope and records who entered and left. Asking again "
    "while one is queued queues nothing more. The segment's `refresh_pending` turns false and "
    "`last_refreshed_at` moves when it is done. A static or archived segment answers 422.",
)
def segment_refresh(request: HttpRequest, segment_id: Id):
    segment = selectors.segment_get(actor=request.auth, pk=segment_id)
    segment = services.segment_refresh_request(segment=segment, actor=request.auth)
    return Status(
        202,
        {
            "segment_id": segment.pk,
            "status": "queued",
            "requested_at": segment.refresh_requested_at,
        },
    )
