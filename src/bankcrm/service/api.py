"""Service case endpoints of the REST API: list (scoped, cursor-paged), get, open, move along the
workflow, add an internal note or a customer-visible reply."""

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bankcrm.api.pagination import ID_DESC, keyset_page
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    Id,
    InputSchema,
    PageIn,
    StaffRef,
    choice,
)
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.selectors import customer_get
from bankcrm.service import selectors, services
from bankcrm.service.models import Case, CaseComment, Priority

router = Router(tags=["service cases"])

KindT = choice(Case.Kind)
ChannelT = choice(Case.Channel)
StatusT = choice(Case.Status)
VisibilityT = choice(CaseComment.Visibility)
VisitOutcomeT = choice(Case.VisitOutcome, blank=True)
ActionT = Literal["start", "acknowledge", "investigate", "resolve", "visit", "close", "reopen"]
SlaT = Literal["on_track", "at_risk", "breached", "met"]
PriorityT = Annotated[int, Field(ge=Priority.LOW, le=Priority.URGENT)]
Text = Annotated[str, Field(max_length=5000)]


class CategoryRef(Schema):
    id: int
    code: str
    name: str
    name_en: str


class CaseOut(Schema):
    id: int
    number: str
    customer_id: int
    kind: str
    channel: str
    category: CategoryRef
    priority: int
    subject: str
    description: str
    status: str
    branch_id: int
    assignee: StaffRef | None
    opened_at: datetime
    first_response_due: datetime
    first_responded_at: datetime | None
    resolution_due: datetime
    resolved_at: datetime | None
    closed_at: datetime | None
    sla_state: str = Field(..., description="Resolution SLA: on_track, at_risk, breached or met.")
    response_breached: bool
    resolution_breached: bool
    resolution: str
    visit_at: datetime | None
    visit_outcome: str
    escalation_level: int
    reopen_count: int
    allowed_actions: list[str]
    version: int

    @staticmethod
    def resolve_sla_state(obj: Case) -> str:
        now = timezone.now()
        if obj.status in selectors.OPEN_STATUSES:
            if obj.resolution_due < now:
                return "breached"
            return "at_risk" if obj.resolution_warn_at <= now else "on_track"
        return "breached" if obj.resolution_breached else "met"

    @staticmethod
    def resolve_allowed_actions(obj: Case) -> list[str]:
        return [t.action for t in services.allowed_actions(obj)]


class CasePageOut(Schema):
    items: list[CaseOut]
    next_cursor: str | None


class CaseFilterIn(PageIn):
    status: StatusT | None = None
    kind: KindT | None = None
    sla: SlaT | None = Field(None, description="Resolution SLA state.")
    category_id: Id | None = Field(None, description="This category or its sub-categories.")
    priority: PriorityT | None = None
    assignee_id: Id | None = None
    branch_id: Id | None = Field(None, description="This branch and the branches below it.")
    customer_id: Id | None = None


class CaseCreateIn(InputSchema):
    customer_id: Id
    kind: KindT
    channel: ChannelT
    category_id: Id
    priority: PriorityT = Priority.NORMAL
    subject: Annotated[str, Field(min_length=1, max_length=200)]
    description: Text = ""


class TransitionIn(InputSchema):
    action: ActionT
    version: Id
    resolution: Text = Field("", description="Required to resolve.")
    reason: Annotated[str, Field(max_length=500)] = Field("", description="Required to reopen.")
    visit_outcome: VisitOutcomeT = Field("", description="Required to record the return visit.")
    visit_notes: Text = ""


class CommentIn(InputSchema):
    visibility: VisibilityT = Field(
        ..., description="internal: staff only; customer: a reply the customer sees."
    )
    body: Annotated[str, Field(min_length=1, max_length=5000)]


class CommentOut(Schema):
    id: int
    case_id: int
    author: StaffRef
    visibility: str
    body: str
    created_at: datetime


def _case(request: HttpRequest, case_id: int) -> Case:
    return get_object_or_404(
        selectors.cases_visible_to(request.auth).select_related(
            "category", "assignee", "customer", "branch"
        ),
        pk=case_id,
    )


@router.get(
    "/cases",
    response={200: CasePageOut, **ERRORS},
    summary="List service cases",
    description="The cases you may see (your scope), newest first.",
)
def case_list(request: HttpRequest, filters: Query[CaseFilterIn]):
    actor = request.auth
    # none without service.view_case
    qs = selectors.cases_visible_to(actor).select_related("category", "assignee")
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.kind:
        qs = qs.filter(kind=filters.kind)
    if filters.sla:
        qs = qs.filter(selectors.sla_state_condition(filters.sla))
    if filters.category_id:
        qs = qs.filter(
            Q(category_id=filters.category_id) | Q(category__parent_id=filters.category_id)
        )
    if filters.priority:
        qs = qs.filter(priority=filters.priority)
    if filters.assignee_id:
        qs = qs.filter(assignee_id=filters.assignee_id)
    if filters.branch_id:
        from bankcrm.org.models import Branch
        from bankcrm.org.selectors import branch_subtree_ids

        branch = Branch.objects.filter(pk=filters.branch_id).first()
        qs = qs.filter(branch_id__in=branch_subtree_ids(branch)) if branch else qs.none()
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    items, next_cursor = keyset_page(qs, keyset=ID_DESC, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.get("/cases/{case_id}", response={200: CaseOut, **ERRORS}, summary="Get a service case")
def case_detail(request: HttpRequest, case_id: Id):
    return _case(request, case_id)


@router.post("/cases", response={201: CaseOut, **ERRORS}, summary="Open a service case")
def case_create(request: HttpRequest, payload: CaseCreateIn):
    actor = request.auth
    ensure_perm(actor, "service.add_case")
    customer = customer_get(actor=actor, pk=payload.customer_id)  # out of scope: 404
    category = selectors.categories_active().filter(pk=payload.category_id).first()
    if category is None:
        raise ValidationError({"category_id": ValidationError(_("No such category."), "not_found")})
    case = services.case_create(
        actor=actor,
        customer=customer,
        kind=payload.kind,
        channel=payload.channel,
        category=category,
        priority=payload.priority,
        subject=payload.subject,
        description=payload.description,
    )
    return Status(201, _case(request, case.pk))


@router.post(
    "/cases/{case_id}/transition",
    response={200: CaseOut, **WRITE_ERRORS},
    summary="Move a case along its workflow",
    description=(
        "Requests and questions: start, resolve, close, reopen. Complaints: acknowledge, "
        "investigate, resolve, visit (return visit), close, reopen. A complaint closes only "
        "with a recorded resolution and return visit. `version` as read (409 if stale)."
    ),
)
def case_transition(request: HttpRequest, case_id: Id, payload: TransitionIn):
    case = _case(request, case_id)
    services.case_transition(actor=request.auth, **payload.model_dump(), case=case)
    return _case(request, case.pk)


@router.post(
    "/cases/{case_id}/comments",
    response={201: CommentOut, **ERRORS},
    summary="Add an internal note or a reply to the customer",
)
def case_comment(request: HttpRequest, case_id: Id, payload: CommentIn):
    case = _case(request, case_id)
    comment = services.case_comment_add(
        actor=request.auth, case=case, visibility=payload.visibility, body=payload.body
    )
    return Status(201, comment)
