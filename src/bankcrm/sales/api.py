"""Sales endpoints of the REST API: leads (list, create, get, assign, claim) and opportunities
(list, create, get, move to another stage). Scoped like the pages: out of scope = 404."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bankcrm.api.pagination import Keyset, keyset_page
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    Id,
    InputSchema,
    Money,
    PageIn,
    StaffRef,
    choice,
)
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.selectors import customers_visible_to
from bankcrm.org.models import Branch, Staff
from bankcrm.org.selectors import staff_visible_to
from bankcrm.products.models import Product
from bankcrm.sales import selectors, services
from bankcrm.sales.models import BusinessLine, Lead, Opportunity, ProductLine, Stage

router = Router(tags=["sales"])

SourceT = choice(Lead.Source)
LeadStatusT = choice(Lead.Status)
LineT = choice(BusinessLine, blank=True)
OppStatusT = choice(Opportunity.Status)
Text100 = Annotated[str, Field(max_length=100)]

NEWEST = Keyset(fields=(("created_at", datetime), ("id", int)), descending=True)


class LeadOut(Schema):
    id: int
    source: str
    source_detail: str
    customer_id: int | None
    prospect_name_masked: str = Field(..., description="Surname and stars; never in clear.")
    prospect_mobile_masked: str
    branch_id: int
    product_line: str | None
    product_id: int | None
    expected_amount: Decimal | None
    referrer: StaffRef | None
    referrer_line: str
    cross_line: bool
    assignee: StaffRef | None
    status: str
    last_follow_up_at: datetime | None
    pooled_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_prospect_name_masked(obj: Lead) -> str:
        return "" if obj.customer_id else obj.display_name

    @staticmethod
    def resolve_product_line(obj: Lead) -> str | None:
        return obj.product_line.code if obj.product_line_id else None

    @staticmethod
    def resolve_cross_line(obj: Lead) -> bool:
        return obj.is_cross_line


class LeadPageOut(Schema):
    items: list[LeadOut]
    next_cursor: str | None


class LeadFilterIn(PageIn):
    status: LeadStatusT | None = None
    source: SourceT | None = None
    mine: bool = Field(False, description="Only the leads assigned to you.")


class LeadCreateIn(InputSchema):
    source: SourceT
    source_detail: Text100 = ""
    branch_id: Id
    customer_id: Id | None = Field(None, description="An existing customer; else a prospect.")
    prospect_name: Text100 = ""
    prospect_mobile: Annotated[str, Field(max_length=20)] = ""
    product_line: Annotated[str, Field(max_length=30)] | None = Field(
        None, description="A product line code, e.g. mortgage."
    )
    product_id: Id | None = None
    expected_amount: Money | None = None
    referrer_id: Id | None = Field(None, description="Who referred it (a referral).")
    referrer_line: LineT = ""
    notes: Annotated[str, Field(max_length=5000)] = ""
    assignee_id: Id | None = Field(
        None, description="Yourself, or (with sales.assign_lead) an RM; else the rules decide."
    )


class AssignIn(InputSchema):
    assignee_id: Id
    version: Id


class StageOut(Schema):
    id: int
    code: str
    name: str
    kind: str


class OpportunityOut(Schema):
    id: int
    name: str
    customer_id: int
    branch_id: int
    owner: StaffRef
    product_line: str
    stage: StageOut
    product_id: int | None
    lead_id: int | None
    amount: Decimal
    probability: int
    expected_close: date
    status: str
    lost_reason: str
    closed_at: datetime | None
    created_at: datetime
    version: int

    @staticmethod
    def resolve_product_line(obj: Opportunity) -> str:
        return obj.line.code


class OpportunityPageOut(Schema):
    items: list[OpportunityOut]
    next_cursor: str | None


class OpportunityFilterIn(PageIn):
    product_line: Annotated[str, Field(max_length=30)] | None = None
    status: OppStatusT | None = None
    customer_id: Id | None = None


class OpportunityCreateIn(InputSchema):
    customer_id: Id
    product_line: Annotated[str, Field(max_length=30)]
    name: Annotated[str, Field(min_length=1, max_length=200)]
    amount: Money
    expected_close: date
    product_id: Id | None = None
    probability: Annotated[int, Field(ge=0, le=100)] | None = None
    owner_id: Id | None = Field(None, description="Default: you.")


class MoveIn(InputSchema):
    stage: Annotated[str, Field(max_length=30)] = Field(
        ..., description="The code of a stage of the opportunity's product line."
    )
    version: Id
    reason: Annotated[str, Field(max_length=255)] = Field("", description="Required for lost.")


def _lead(request: HttpRequest, lead_id: int) -> Lead:
    return get_object_or_404(
        selectors.leads_visible_to(request.auth).select_related(
            "assignee", "referrer", "product_line", "customer"
        ),
        pk=lead_id,
    )


def _opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    return get_object_or_404(
        selectors.opportunities_visible_to(request.auth).select_related("owner", "line", "stage"),
        pk=opportunity_id,
    )


def _not_found(field: str) -> ValidationError:
    return ValidationError({field: ValidationError(_("Not found."), "not_found")})


@router.get("/leads", response={200: LeadPageOut, **ERRORS}, summary="List leads")
def lead_list(request: HttpRequest, filters: Query[LeadFilterIn]):
    qs = selectors.leads_visible_to(request.auth).select_related(
        "assignee", "referrer", "product_line", "customer"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.source:
        qs = qs.filter(source=filters.source)
    if filters.mine:
        qs = qs.filter(assignee_id=request.auth.pk)
    items, next_cursor = keyset_page(qs, keyset=NEWEST, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post("/leads", response={201: LeadOut, **ERRORS}, summary="Create a lead")
def lead_create(request: HttpRequest, payload: LeadCreateIn):
    actor = request.auth
    ensure_perm(actor, "sales.add_lead")
    # Any branch: a referral often goes to another branch's team (cross-line, cross-branch).
    branch = Branch.objects.filter(pk=payload.branch_id).first()
    if branch is None:
        raise _not_found("branch_id")
    customer = None
    if payload.customer_id is not None:
        customer = customers_visible_to(actor).filter(pk=payload.customer_id).first()
        if customer is None:
            raise _not_found("customer_id")
    line = None
    if payload.product_line:
        line = ProductLine.objects.filter(code=payload.product_line, active=True).first()
        if line is None:
            raise _not_found("product_line")
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise _not_found("product_id")
    referrer = None
    if payload.referrer_id is not None:
        referrer = Staff.objects.filter(pk=payload.referrer_id, is_active=True).first()
        if referrer is None:
            raise _not_found("referrer_id")
    assignee = None
    if payload.assignee_id is not None:
        assignee = staff_visible_to(actor).filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise _not_found("assignee_id")
    lead = services.lead_create(
        actor=actor,
        data=services.LeadData(
            source=payload.source,
            branch=branch,
            customer=customer,
            prospect_name=payload.prospect_name,
            prospect_mobile=payload.prospect_mobile,
            product_line=line,
            product=product,
            expected_amount=payload.expected_amount,
            referrer=referrer,
            referrer_line=payload.referrer_line,
            source_detail=payload.source_detail,
            notes=payload.notes,
        ),
        assignee=assignee,
    )
    lead = Lead.objects.select_related("assignee", "referrer", "product_line", "customer").get(
        pk=lead.pk
    )
    return Status(201, lead)


@router.get("/leads/{lead_id}", response={200: LeadOut, **ERRORS}, summary="Get a lead")
def lead_detail(request: HttpRequest, lead_id: Id):
    return _lead(request, lead_id)


@router.post(
    "/leads/{lead_id}/assign",
    response={200: LeadOut, **WRITE_ERRORS},
    summary="Assign a lead to an RM",
    description="Managers (sales.assign_lead); within the RM's cap; `version` as read (409).",
)
def lead_assign(request: HttpRequest, lead_id: Id, payload: AssignIn):
    actor = request.auth
    lead = _lead(request, lead_id)
    ensure_perm(actor, "sales.assign_lead")
    assignee = staff_visible_to(actor).filter(pk=payload.assignee_id).first()
    if assignee is None:
        raise _not_found("assignee_id")
    services.lead_assign(actor=actor, lead=lead, assignee=assignee, version=payload.version)
    return _lead(request, lead_id)


@router.post(
    "/leads/{lead_id}/claim",
    response={200: LeadOut, **WRITE_ERRORS},
    summary="Claim a lead from the pool",
    description="An RM of the lead's branch, within the cap. First come wins; later: 409.",
)
def lead_claim(request: HttpRequest, lead_id: Id):
    actor = request.auth
    lead = get_object_or_404(selectors.pool_leads_for(actor).select_related("branch"), pk=lead_id)
    ensure_perm(actor, "sales.claim_lead")
    services.lead_claim(actor=actor, lead=lead)
    return _lead(request, lead_id)


@router.get(
    "/opportunities", response={200: OpportunityPageOut, **ERRORS}, summary="List opportunities"
)
def opportunity_list(request: HttpRequest, filters: Query[OpportunityFilterIn]):
    qs = selectors.opportunities_visible_to(request.auth).select_related("owner", "line", "stage")
    if filters.product_line:
        qs = qs.filter(line__code=filters.product_line)
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.customer_id:
        qs = qs.filter(customer_id=filters.customer_id)
    items, next_cursor = keyset_page(qs, keyset=NEWEST, cursor=filters.cursor, limit=filters.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/opportunities",
    response={201: OpportunityOut, **ERRORS},
    summary="Open an opportunity",
    description="In the first stage of its product line. A product that requires training is "
    "refused (422 on `product`) until the owner has completed it.",
)
def opportunity_create(request: HttpRequest, payload: OpportunityCreateIn):
    actor = request.auth
    ensure_perm(actor, "sales.add_opportunity")
    customer = customers_visible_to(actor).filter(pk=payload.customer_id).first()
    if customer is None:
        raise _not_found("customer_id")
    line = ProductLine.objects.filter(code=payload.product_line).first()
    if line is None:
        raise _not_found("product_line")
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(pk=payload.product_id).first()
        if product is None:
            raise _not_found("product_id")
    owner = actor
    if payload.owner_id is not None and payload.owner_id != actor.pk:
        owner = staff_visible_to(actor).filter(pk=payload.owner_id).first()
        if owner is None:
            raise _not_found("owner_id")
    opp = services.opportunity_create(
        actor=actor,
        customer=customer,
        line=line,
        name=payload.name,
        amount=payload.amount,
        expected_close=payload.expected_close,
        product=product,
        owner=owner,
        probability=payload.probability,
    )
    return Status(201, _opportunity(request, opp.pk))


@router.get(
    "/opportunities/{opportunity_id}",
    response={200: OpportunityOut, **ERRORS},
    summary="Get an opportunity",
)
def opportunity_detail(request: HttpRequest, opportunity_id: Id):
    return _opportunity(request, opportunity_id)


@router.post(
    "/opportunities/{opportunity_id}/stage",
    response={200: OpportunityOut, **WRITE_ERRORS},
    summary="Move an opportunity to another stage",
    description="Forward, back, won or lost (with `reason`). Won and lost are final.",
)
def opportunity_move(request: HttpRequest, opportunity_id: Id, payload: MoveIn):
    actor = request.auth
    opp = _opportunity(request, opportunity_id)
    ensure_perm(actor, "sales.change_opportunity")
    stage = Stage.objects.filter(line_id=opp.line_id, code=payload.stage).first()
    if stage is None:
        raise _not_found("stage")
    services.opportunity_move(
        actor=actor, opportunity=opp, stage=stage, version=payload.version, reason=payload.reason
    )
    return _opportunity(request, opportunity_id)
