"""Interaction and task endpoints of the REST API."""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import AwareDatetime

from bankcrm.api.pagination import Keyset, keyset_page
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    Id,
    InputSchema,
    PageIn,
    PatchSchema,
    StaffRef,
    choice,
)
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.selectors import customer_get
from bankcrm.interactions import selectors, services
from bankcrm.interactions.models import Interaction, Task
from bankcrm.org.selectors import staff_visible_to

router = Router(tags=["interactions and tasks"])

ChannelT = choice(Interaction.Channel)
OutcomeT = choice(Interaction.Outcome)
TaskStatusT = choice(Task.Status)
Title = Annotated[str, Field(min_length=1, max_length=200)]
Notes = Annotated[str, Field(max_length=10000)]

# Newest contact first; tasks by due date, soonest first.
INTERACTION_ORDER = Keyset(fields=(("occurred_at", datetime), ("id", int)), descending=True)
TASK_ORDER = Keyset(fields=(("due_date", date), ("id", int)), descending=False)


class InteractionOut(Schema):
    id: int
    customer_id: int
    staff: StaffRef
    channel: str
    occurred_at: datetime
    subject: str
    outcome: str
    notes: str
    created_at: datetime


class InteractionPageOut(Schema):
    items: list[InteractionOut]
    next_cursor: str | None


class InteractionCreateIn(InputSchema):
    channel: ChannelT
    subject: Title
    occurred_at: AwareDatetime | None = Field(
        None, description="With its UTC offset; defaults to now. Not in the future."
    )
    outcome: OutcomeT = Interaction.Outcome.INFO.value
    notes: Notes = ""
    follow_up_title: Annotated[str, Field(max_length=200)] = Field(
        "", description="Creates a follow-up task for the caller."
    )
    follow_up_due: date | None = None


class TaskOut(Schema):
    id: int
    customer_id: int
    assignee: StaffRef
    created_by_id: int
    interaction_id: int | None
    title: str
    notes: str
    due_date: date
    status: str
    completed_at: datetime | None
    created_at: datetime
    version: int


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_cursor: str | None


class TaskCreateIn(InputSchema):
    title: Title
    due_date: date
    notes: Notes = ""
    assignee_id: Id | None = Field(None, description="A colleague you can see; default: you.")


class TaskPatchIn(PatchSchema):
    version: Id
    title: Title | None = None
    notes: Notes | None = None
    due_date: date | None = None
    status: TaskStatusT | None = None


class TaskFilterIn(PageIn):
    customer_id: Id | None = Field(
        None, description="Tasks of this customer (anyone's); without it, your own tasks."
    )
    status: TaskStatusT | None = None


def _interaction(request: HttpRequest, interaction_id: int) -> Interaction:
    return get_object_or_404(
        selectors.interactions_visible_to(request.auth).select_related("staff"),
        pk=interaction_id,
    )


def _task(request: HttpRequest, task_id: int) -> Task:
    return get_object_or_404(
        selectors.tasks_visible_to(request.auth).select_related("assignee"), pk=task_id
    )


@router.get(
    "/customers/{customer_id}/interactions",
    response={200: InteractionPageOut, **ERRORS},
    summary="List a customer's interactions",
)
def interaction_list(request: HttpRequest, customer_id: Id, page: Query[PageIn]):
    customer = customer_get(actor=request.auth, pk=customer_id)
    qs = (
        selectors.interactions_visible_to(request.auth)
        .filter(customer_id=customer.pk)
        .select_related("staff")
    )
    items, next_cursor = keyset_page(
        qs, keyset=INTERACTION_ORDER, cursor=page.cursor, limit=page.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/customers/{customer_id}/interactions",
    response={201: InteractionOut, **ERRORS},
    summary="Record an interaction",
)
def interaction_create(request: HttpRequest, customer_id: Id, payload: InteractionCreateIn):
    actor = request.auth
    customer = customer_get(actor=actor, pk=customer_id)  # scope first: 404 as for missing
    ensure_perm(actor, "interactions.add_interaction")
    interaction = services.interaction_create(
        actor=actor, customer=customer, **payload.model_dump(exclude_unset=True)
    )
    return Status(201, _interaction(request, interaction.pk))


@router.get(
    "/interactions/{interaction_id}",
    response={200: InteractionOut, **ERRORS},
    summary="Get an interaction",
)
def interaction_detail(request: HttpRequest, interaction_id: Id):
    return _interaction(request, interaction_id)


@router.get(
    "/tasks",
    response={200: TaskPageOut, **ERRORS},
    summary="List tasks",
    description="Your tasks, or with `customer_id` the tasks of one customer; soonest due first.",
)
def task_list(request: HttpRequest, filters: Query[TaskFilterIn]):
    actor = request.auth
    qs = selectors.tasks_visible_to(actor).select_related("assignee")
    if filters.customer_id is not None:
        qs = qs.filter(customer_id=filters.customer_id)
    else:
        qs = qs.filter(assignee=actor)
    if filters.status:
        qs = qs.filter(status=filters.status)
    items, next_cursor = keyset_page(
        qs, keyset=TASK_ORDER, cursor=filters.cursor, limit=filters.limit
    )
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/customers/{customer_id}/tasks",
    response={201: TaskOut, **ERRORS},
    summary="Create a task",
)
def task_create(request: HttpRequest, customer_id: Id, payload: TaskCreateIn):
    actor = request.auth
    customer = customer_get(actor=actor, pk=customer_id)  # scope first: 404 as for missing
    ensure_perm(actor, "interactions.add_task")
    assignee = actor
    if payload.assignee_id is not None and payload.assignee_id != actor.pk:
        assignee = staff_visible_to(actor).filter(pk=payload.assignee_id).first()
        if assignee is None:
            raise ValidationError(
                {"assignee_id": ValidationError(_("No such member of staff."), "not_found")}
            )
    task = services.task_create(
        actor=actor,
        customer=customer,
        assignee=assignee,
        title=payload.title,
        due_date=payload.due_date,
        notes=payload.notes,
    )
    return Status(201, _task(request, task.pk))


@router.get("/tasks/{task_id}", response={200: TaskOut, **ERRORS}, summary="Get a task")
def task_detail(request: HttpRequest, task_id: Id):
    return _task(request, task_id)


@router.patch(
    "/tasks/{task_id}",
    response={200: TaskOut, **WRITE_ERRORS},
    summary="Update a task",
    description="Title, notes, due date or status, with the `version` you read (409 if stale).",
)
def task_update(request: HttpRequest, task_id: Id, payload: TaskPatchIn):
    task = _task(request, task_id)
    changes = payload.model_dump(exclude_unset=True)
    version = changes.pop("version")
    task = services.task_update(actor=request.auth, task=task, version=version, **changes)
    return _task(request, task.pk)
