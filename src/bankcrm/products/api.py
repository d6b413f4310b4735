"""Holding endpoints of the REST API. Every balance change rolls AUM and liabilities up to the
customer (in the services), so the customer's figures are right as soon as this answers."""

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status

from bankcrm.api.pagination import ID_DESC, keyset_page
from bankcrm.api.schemas import (
    ERRORS,
    WRITE_ERRORS,
    Id,
    InputSchema,
    Money,
    PageIn,
    PatchSchema,
    choice,
)
from bankcrm.common.errors import ensure_perm
from bankcrm.customers.selectors import customer_get
from bankcrm.products import selectors, services
from bankcrm.products.models import Holding

router = Router(tags=["holdings"])

StatusT = choice(Holding.Status)
Currency = Annotated[str, Field(min_length=3, max_length=3, pattern=r"^[A-Z]{3}$")]


class ProductRef(Schema):
    id: int
    code: str
    name: str
    name_en: str
    type: str


class HoldingOut(Schema):
    id: int
    customer_id: int
    product: ProductRef
    account_number_masked: str
    balance: Decimal
    currency: str
    opened_on: date
    matures_on: date | None
    status: str
    is_liability: bool = Field(..., description="Loans and cards count as liabilities, not AUM.")
    version: int
    updated_at: datetime

    @staticmethod
    def resolve_is_liability(obj: Holding) -> bool:
        return obj.product.is_liability


class HoldingPageOut(Schema):
    items: list[HoldingOut]
    next_cursor: str | None


class HoldingCreateIn(InputSchema):
    product_code: Annotated[str, Field(min_length=1, max_length=20)]
    account_number: Annotated[str, Field(min_length=1, max_length=40)]
    balance: Money
    opened_on: date
    matures_on: date | None = None
    currency: Currency | None = None
    status: StatusT = Holding.Status.ACTIVE.value
    confirm_luhn: bool = Field(
        False, description="Set after checking a card number that fails the Luhn check."
    )


class HoldingPatchIn(PatchSchema):
    version: Id
    balance: Money | None = None
    status: StatusT | None = None
    matures_on: date | None = None


def _holding(request: HttpRequest, holding_id: int) -> Holding:
    return get_object_or_404(
        selectors.holdings_visible_to(request.auth).select_related("product"), pk=holding_id
    )


@router.get(
    "/customers/{customer_id}/holdings",
    response={200: HoldingPageOut, **ERRORS},
    summary="List a customer's holdings",
)
def holding_list(request: HttpRequest, customer_id: Id, page: Query[PageIn]):
    customer = customer_get(actor=request.auth, pk=customer_id)
    qs = (
        selectors.holdings_visible_to(request.auth)
        .filter(customer_id=customer.pk)
        .select_related("product")
    )
    items, next_cursor = keyset_page(qs, keyset=ID_DESC, cursor=page.cursor, limit=page.limit)
    return {"items": items, "next_cursor": next_cursor}


@router.post(
    "/customers/{customer_id}/holdings",
    response={201: HoldingOut, **ERRORS},
    summary="Record a holding",
    description="An account or position of the customer on a product on sale. A card number "
    "failing the Luhn check answers 422 `luhn_unconfirmed` unless `confirm_luhn` is true.",
)
def holding_create(request: HttpRequest, customer_id: Id, payload: HoldingCreateIn):
    actor = request.auth
    customer = customer_get(actor=actor, pk=customer_id)  # scope first: 404 as for missing
    ensure_perm(actor, "products.change_holding")
    product = selectors.products_on_sale().filter(code=payload.product_code).first()
    if product is None:
        raise ValidationError(
            {"product_code": ValidationError(_("No product on sale has this code."), "not_found")}
        )
    holding = services.holding_create(
        actor=actor,
        customer=customer,
        product=product,
        **payload.model_dump(exclude={"product_code"}),
    )
    return Status(201, _holding(request, holding.pk))


@router.get("/holdings/{holding_id}", response={200: HoldingOut, **ERRORS}, summary="Get a holding")
def holding_detail(request: HttpRequest, holding_id: Id):
    return _holding(request, holding_id)


@router.patch(
    "/holdings/{holding_id}",
    response={200: HoldingOut, **WRITE_ERRORS},
    summary="Update a holding",
    description="Balance, status or maturity date, with the `version` you read (409 if stale).",
)
def holding_update(request: HttpRequest, holding_id: Id, payload: HoldingPatchIn):
    holding = _holding(request, holding_id)
    changes = payload.model_dump(exclude_unset=True)
    holding = services.holding_update(actor=request.auth, holding=holding, **changes)
    return _holding(request, holding.pk)
