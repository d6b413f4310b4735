"""Customer endpoints of the REST API: thin — schema in, selector or service call, schema out.

Protected values (ID number, mobile, email) leave only masked; the clear value of one field
comes from POST .../reveal with a stated reason, which is audited. Ownership (branch, RM) is
never part of a create or update body: it changes only through POST .../assign.
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, ClassVar, Literal

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bankcrm.api.pagination import ID_DESC, decode_cursor, encode_cursor
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    BranchRef,
    ErrorOut,
    Id,
    InputSchema,
    Money,
    PageIn,
    PatchSchema,
    StaffRef,
    choice,
)
from bankcrm.common import masking
from bankcrm.common.errors import ensure_perm
from bankcrm.common.exports import FORMATS, ExportUnavailable
from bankcrm.customers import exports, selectors, services
from bankcrm.customers.models import (
    Channel,
    ContactTime,
    Education,
    FamilyStatus,
    Gender,
    IdType,
    IncomeBand,
    Industry,
    Kind,
    KycStatus,
    LifecycleStage,
    Occupation,
    RiskTolerance,
    Tag,
)
from bankcrm.interactions.api import InteractionOut, TaskOut
from bankcrm.interactions.models import Task
from bankcrm.interactions.selectors import interactions_of
from bankcrm.org.roles import Role
from bankcrm.org.selectors import branches_visible_to, relationship_managers_visible_to
from bankcrm.products.api import HoldingOut

router = Router(tags=["customers"])

KindT = choice(Kind)
GenderT = choice(Gender, blank=True)
IdTypeT = choice(IdType)
OccupationT = choice(Occupation, blank=True)
IndustryT = choice(Industry, blank=True)
EducationT = choice(Education, blank=True)
IncomeBandT = choice(IncomeBand, blank=True)
FamilyStatusT = choice(FamilyStatus, blank=True)
RiskToleranceT = choice(RiskTolerance, blank=True)
KycStatusT = choice(KycStatus)
ChannelT = choice(Channel)
ContactTimeT = choice(ContactTime)
StageT = choice(LifecycleStage, blank=True)
Channels = Annotated[list[ChannelT], Field(max_length=len(Channel.values))]
TagIds = Annotated[list[Id], Field(max_length=50)]


def _text(max_length: int, min_length: int = 0) -> type[str]:
    return Annotated[str, Field(min_length=min_length, max_length=max_length)]  # type: ignore[return-value]


# --- Schemas ---------------------------------------------------------------------------------


class TagOut(Schema):
    id: int
    name: str
    name_en: str


class CustomerSummaryOut(Schema):
    id: int
    number: str | None
    kind: str
    name: str
    id_number_masked: str
    mobile_masked: str
    lifecycle_stage: str
    branch: BranchRef
    rm: StaffRef | None
    aum: Decimal
    liabilities: Decimal
    version: int


class CustomerOut(Schema):
    id: int
    number: str | None
    kind: str
    name: str
    gender: str
    birth_date: date | None
    age: int | None
    id_type: str
    id_number_masked: str
    mobile_masked: str
    email_masked: str
    province: str
    city: str
    address: str
    occupation: str
    industry: str
    employer: str
    education: str
    income_band: str
    family_status: str
    risk_tolerance: str
    kyc_status: str
    preferred_channels: list[str]
    preferred_contact_time: str
    lifecycle_stage: str
    branch: BranchRef
    rm: StaffRef | None
    tags: list[TagOut]
    aum: Decimal
    liabilities: Decimal
    net_worth: Decimal
    version: int = Field(..., description="Send it back with PATCH: a stale version answers 409.")
    created_at: datetime
    updated_at: datetime


class CustomerWriteOut(CustomerOut):
    warnings: list[str] = Field(
        default_factory=list, description="Checks that did not block saving."
    )


class CustomerPageOut(Schema):
    items: list[CustomerSummaryOut]
    next_cursor: str | None = Field(
        ..., description="Pass as `cursor` for the next page; null on the last page."
    )


class CustomerCreateIn(InputSchema):
    kind: KindT = Kind.INDIVIDUAL.value
    name: _text(100, 1)
    gender: GenderT = ""
    birth_date: date | None = None
    id_type: IdTypeT
    id_number: _text(40, 1)
    mobile: _text(30) = ""
    email: _text(254) = ""
    province: _text(20) = ""
    city: _text(30) = ""
    address: _text(255) = ""
    occupation: OccupationT = ""
    industry: IndustryT = ""
    employer: _text(100) = ""
    education: EducationT = ""
    income_band: IncomeBandT = ""
    family_status: FamilyStatusT = ""
    risk_tolerance: RiskToleranceT = ""
    kyc_status: KycStatusT = KycStatus.PENDING.value
    preferred_channels: Channels = []
    preferred_contact_time: ContactTimeT = ContactTime.ANY.value
    tag_ids: TagIds = []


class CustomerPatchIn(PatchSchema):
    NULLABLE: ClassVar[frozenset[str]] = frozenset({"birth_date"})

    version: Id
    kind: KindT | None = None
    name: _text(100, 1) | None = None
    gender: GenderT | None = None
    birth_date: date | None = None
    id_type: IdTypeT | None = None
    id_number: _text(40, 1) | None = None
    mobile: _text(30) | None = None
    email: _text(254) | None = None
    province: _text(20) | None = None
    city: _text(30) | None = None
    address: _text(255) | None = None
    occupation: OccupationT | None = None
    industry: IndustryT | None = None
    employer: _text(100) | None = None
    education: EducationT | None = None
    income_band: IncomeBandT | None = None
    family_status: FamilyStatusT | None = None
    risk_tolerance: RiskToleranceT | None = None
    kyc_status: KycStatusT | None = None
    preferred_channels: Channels | None = None
    preferred_contact_time: ContactTimeT | None = None
    tag_ids: TagIds | None = None


class CustomerFilterIn(PageIn):
    q: _text(100) = Field(
        "", description="Name (Chinese or pinyin prefix), customer number, mobile or ID number."
    )
    branch_id: Id | None = None
    rm_id: Id | None = None
    lifecycle_stage: StageT = ""
    tag_id: Id | None = None
    aum_min: Money | None = None
    aum_max: Money | None = None


class CustomerSearchIn(CustomerFilterIn, InputSchema):
    pass


class CustomerExportIn(InputSchema):
    format: Literal["csv", "xlsx", "pdf"]
    reason: _text(500, 1) = Field(..., description="Why the export is needed (audited).")
    unmasked: bool = Field(
        False, description="Clear ID numbers, mobiles, emails and names: needs reveal too."
    )
    q: _text(100) = ""
    branch_id: Id | None = None
    rm_id: Id | None = None
    lifecycle_stage: StageT = ""
    tag_id: Id | None = None
    aum_min: Money | None = None
    aum_max: Money | None = None


class RevealIn(InputSchema):
    field: Literal["id_number", "mobile", "email"]
    reason: _text(500, 1)


class RevealOut(Schema):
    field: str
    value: str


class AssignIn(InputSchema):
    rm_id: Id | None = Field(..., description="The new relationship manager; null to unassign.")
    branch_id: Id | None = Field(None, description="Move the customer to this branch too.")


class RelationshipOut(Schema):
    kind: str
    note: str
    related_visible: bool
    related_id: int | None
    related_number: str | None
    related_name: str = Field(..., description="Masked when the related customer is not yours.")


class ConsentOut(Schema):
    channel: str
    purpose: str
    granted: bool
    source: str
    changed_at: datetime | None


class LifecycleEventOut(Schema):
    from_stage: str
    to_stage: str
    reason: str
    actor: StaffRef | None
    at: datetime


class LifecycleOut(Schema):
    stage: str
    next_stages: list[str]
    events: list[LifecycleEventOut]


class TimelineEntryOut(Schema):
    at: datetime
    kind: str = Field(description="interaction, task, lead, opportunity, case, survey, ...")
    kind_label: str
    title: str
    detail: str
    actor: str


class Customer360Out(Schema):
    customer: CustomerOut
    holdings: list[HoldingOut]
    recent_interactions: list[InteractionOut]
    timeline: list[TimelineEntryOut]
    open_tasks: list[TaskOut]
    relationships: list[RelationshipOut]
    consents: list[ConsentOut]
    lifecycle: LifecycleOut


# --- Helpers ---------------------------------------------------------------------------------


def _tags(ids: list[int] | None) -> list[Tag] | None:
    if ids is None:
        return None
    tags = list(Tag.objects.filter(pk__in=ids))
    if len(tags) != len(set(ids)):
        raise ValidationError({"tag_ids": ValidationError(_("Unknown tag."), code="not_found")})
    return tags


def _page(request: HttpRequest, filters: CustomerFilterIn) -> dict:
    after = decode_cursor(filters.cursor, ID_DESC)[0] if filters.cursor else None
    criteria = selectors.CustomerFilters(
        query=filters.q,
        branch_id=filters.branch_id,
        rm_id=filters.rm_id,
        lifecycle_stage=filters.lifecycle_stage,
        tag_id=filters.tag_id,
        aum_min=filters.aum_min,
        aum_max=filters.aum_max,
    )
    try:
        page = selectors.customer_page(
            actor=request.auth, filters=criteria, after=after, size=filters.limit
        )
    except ValidationError as exc:  # what was typed in q is not a valid identifier
        raise ValidationError({"q": exc.error_list}) from exc
    return {
        "items": page.items,
        "next_cursor": encode_cursor([page.next_cursor]) if page.next_cursor else None,
    }


def _relationship(relationship) -> dict:
    related = relationship.related
    visible = relationship.related_visible
    return {
        "kind": relationship.kind,
        "note": relationship.note,
        "related_visible": visible,
        "related_id": related.pk if visible else None,
        "related_number": related.number if visible else None,
        "related_name": related.name if visible else masking.mask("name", related.name),
    }


# --- Endpoints -------------------------------------------------------------------------------

_SEARCH_NOTE = (
    " `q` may hold a mobile or ID number: to keep personal data out of URLs (and so out of "
    "proxy and server logs), integrators should search with POST /api/v1/customers/search, "
    "which takes the same filters in the JSON body."
)


@router.get(
    "/customers",
    response={200: CustomerPageOut, **ERRORS},
    summary="List customers",
    description="Customers the caller may see, newest first, with cursor pagination."
    + _SEARCH_NOTE,
)
def customer_list(request: HttpRequest, filters: Query[CustomerFilterIn]):
    return _page(request, filters)


@router.post(
    "/customers/search",
    response={200: CustomerPageOut, **ERRORS},
    summary="Search customers (filters in the body)",
    description="The same filters and pagination as GET /api/v1/customers, sent in the JSON "
    "body so that mobile and ID numbers never appear in a URL. Prefer it whenever `q` may hold "
    "personal data.",
)
def customer_search(request: HttpRequest, payload: CustomerSearchIn):
    return _page(request, payload)


# Registered before /customers/{customer_id}: the first matching path wins.
_EXPORT_FILE = {"schema": {"type": "string", "format": "binary"}}


@router.post(
    "/customers/export",
    response={**ERRORS, 503: ErrorOut},
    summary="Export customers (CSV, Excel or PDF)",
    description="The customers the caller sees with these filters (at most EXPORT_MAX_ROWS), as "
    "a file download. Needs the export permission; protected values and names are masked "
    "unless `unmasked` is set by a caller who may also reveal them. Every export, and every "
    "refusal, is audited with its reason. Spreadsheet cells that could start a formula are "
    "prefixed with a quote.",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file (Content-Disposition: attachment).",
                "content": {content_type: _EXPORT_FILE for content_type, _ext in FORMATS.values()},
            }
        }
    },
)
def customer_export(request: HttpRequest, payload: CustomerExportIn):
    filters = payload.model_dump(exclude={"format", "reason", "unmasked"})
    try:
        exported = exports.customer_export(
            actor=request.auth,
            filters=selectors.CustomerFilters(query=filters.pop("q"), **filters),
            fmt=payload.format,
            reason=payload.reason,
            unmasked=payload.unmasked,
            language=request.LANGUAGE_CODE,
        )
    except ExportUnavailable as exc:
        return Status(503, {"code": "export_unavailable", "message": str(exc), "errors": {}})
    response = HttpResponse(exported.content, content_type=exported.content_type)
    response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
    return response


@router.post(
    "/customers",
    response={201: CustomerWriteOut, **ERRORS},
    summary="Create a customer",
    description="The customer is booked at the caller's branch; a relationship manager "
    "becomes its RM. Branch, RM, AUM and numbers are not accepted in the body.",
)
def customer_create(request: HttpRequest, payload: CustomerCreateIn):
    actor = request.auth
    ensure_perm(actor, "customers.add_customer")
    fields = payload.model_dump(exclude_unset=True)
    tags = _tags(fields.pop("tag_ids", None))
    customer, warnings = services.customer_create(
        actor=actor,
        branch=actor.branch,
        rm=actor if actor.role == Role.RELATIONSHIP_MANAGER else None,
        tags=tags,
        **fields,
    )
    customer = selectors.customer_get(actor=actor, pk=customer.pk)
    return Status(
        201, CustomerWriteOut.from_orm(customer).model_copy(update={"warnings": warnings})
    )


@router.get(
    "/customers/{customer_id}", response={200: CustomerOut, **ERRORS}, summary="Get a customer"
)
def customer_detail(request: HttpRequest, customer_id: Id):
    return selectors.customer_get(actor=request.auth, pk=customer_id)


@router.patch(
    "/customers/{customer_id}",
    response={200: CustomerWriteOut, **WRITE_ERRORS},
    summary="Update a customer",
    description="Send only the fields to change, with the `version` you read. If someone saved "
    "the customer since, nothing is written and the answer is 409 `conflict`.",
)
def customer_update(request: HttpRequest, customer_id: Id, payload: CustomerPatchIn):
    actor = request.auth
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    tags = _tags(changes.pop("tag_ids", None))
    customer, warnings = services.customer_update(
        actor=actor, customer=customer, version=version, tags=tags, **changes
    )
    return CustomerWriteOut.from_orm(customer).model_copy(update={"warnings": warnings})


@router.get(
    "/customers/{customer_id}/360",
    response={200: Customer360Out, **ERRORS},
    summary="Customer 360",
    description="Profile, holdings, recent interactions, the timeline of every domain, open "
    "tasks, relationships, consent and lifecycle in one read (a constant number of queries).",
)
def customer_360(request: HttpRequest, customer_id: Id):
    view = selectors.customer_360(actor=request.auth, pk=customer_id)
    customer = view.customer
    return {
        "customer": customer,
        "holdings": view.holdings,
        "recent_interactions": interactions_of(customer_id=customer.pk),
        "timeline": view.timeline,
        "open_tasks": [task for task in view.tasks if task.status == Task.Status.OPEN],
        "relationships": [_relationship(r) for r in view.relationships],
        "consents": view.consents,
        "lifecycle": {
            "stage": customer.lifecycle_stage,
            "next_stages": view.next_stages,
            "events": view.lifecycle_events,
        },
    }


@router.post(
    "/customers/{customer_id}/reveal",
    response={200: RevealOut, **ERRORS},
    summary="Reveal one protected field",
    description="Returns the clear ID number, mobile or email of one customer for a stated "
    "reason. Needs the reveal permission; every reveal (and every refusal) is audited.",
)
def customer_reveal(request: HttpRequest, customer_id: Id, payload: RevealIn):
    actor = request.auth
    customer = selectors.customer_get(actor=actor, pk=customer_id)
    value = services.customer_reveal(
        actor=actor, customer=customer, field=payload.field, reason=payload.reason
    )
    return {"field": payload.field, "value": value}


@router.post(
    "/customers/{customer_id}/assign",
    response={200: CustomerOut, **ERRORS},
    summary="Assign a customer",
    description="Give the customer to a relationship manager (and optionally another branch). "
    "Needs the assign permission; the RM and branch must be ones the caller can see.",
)
def customer_assign(request: HttpRequest, customer_id: Id, payload: AssignIn):
    actor = request.auth
    customer = selectors.customer_get(actor=actor, pk=customer_id)  # scope first: 404 as missing
    ensure_perm(actor, "customers.assign_customer")
    errors: dict[str, ValidationError] = {}
    branch = None
    if payload.branch_id is not None:
        branch = branches_visible_to(actor).filter(pk=payload.branch_id).first()
        if branch is None:
            errors["branch_id"] = ValidationError(_("No such branch."), code="not_found")
    rm = None
    if payload.rm_id is not None:
        rm = relationship_managers_visible_to(actor).filter(pk=payload.rm_id).first()
        target = branch or customer.branch
        if rm is None:
            errors["rm_id"] = ValidationError(_("No such relationship manager."), code="not_found")
        elif "branch_id" not in errors and not rm.branch.path.startswith(target.path):
            errors["rm_id"] = ValidationError(
                _("This relationship manager does not work at the customer's branch."),
                code="branch_mismatch",
            )
    if errors:
        raise ValidationError(errors)
    customer = services.customer_assign(actor=actor, customer=customer, rm=rm, branch=branch)
    return customer
