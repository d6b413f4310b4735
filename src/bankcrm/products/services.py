"""Writes to holdings. Every balance change rolls AUM and liabilities up to the customer."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, DecimalField, F, Sum, Value, When
from django.utils.translation import gettext as _

from bankcrm.audit.services import audit_record
from bankcrm.common import identifiers
from bankcrm.common.errors import ConflictError, ensure_perm
from bankcrm.common.protection import index_digest, index_lookup
from bankcrm.customers.models import Customer
from bankcrm.products.models import LIABILITY_TYPES, Holding, Product, ProductType


def customer_rollup(*, customer_id: int) -> None:
    """Recompute a customer's AUM and liabilities from their active holdings.

    Rolled-up figures are derived data: they do not bump the customer's edit version.
    """
    totals = Holding.objects.filter(
        customer_id=customer_id, status__in=[Holding.Status.ACTIVE, Holding.Status.FROZEN]
    ).aggregate(
        aum=Sum(
            Case(
                When(product__type__in=LIABILITY_TYPES, then=Value(Decimal("0"))),
                default=F("balance"),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            )
        ),
        liabilities=Sum(
            Case(
                When(product__type__in=LIABILITY_TYPES, then=F("balance")),
                default=Value(Decimal("0")),
                output_field=DecimalField(max_digits=18, decimal_places=2),
            )
        ),
    )
    Customer.objects.filter(pk=customer_id).update(
        aum=totals["aum"] or Decimal("0"), liabilities=totals["liabilities"] or Decimal("0")
    )


def _check_number(product: Product, number: str, confirm_luhn: bool) -> str:
    try:
        if product.type == ProductType.CREDIT_CARD:
            return identifiers.card_number(number, confirmed=confirm_luhn).value
        return identifiers.account_number(number).value
    except ValidationError as exc:
        raise ValidationError({"account_number": exc.error_list}) from exc  # keeps the codes


@transaction.atomic
def holding_create(
    *,
    actor,
    customer: Customer,
    product: Product,
    account_number: str,
    balance: Decimal,
    opened_on: date,
    matures_on: date | None = None,
    currency: str | None = None,
    status: str = Holding.Status.ACTIVE,
    confirm_luhn: bool = False,
) -> Holding:
    ensure_perm(actor, "products.change_holding")
    number = _check_number(product, account_number, confirm_luhn)
    errors = {}
    if balance is None or balance < 0:
        errors["balance"] = _(
            "A balance cannot be negative: liabilities are recorded as positive amounts owed."
        )
    if matures_on and matures_on < opened_on:
        errors["matures_on"] = _("The maturity date is before the opening date.")
    bidx = index_digest(Holding, "account_number", number)
    if Holding.objects.filter(index_lookup(Holding, "account_number", number)).exists():
        errors["account_number"] = _("This account number is already recorded.")
    if errors:
        raise ValidationError(errors)
    holding = Holding.objects.create(
        customer=customer,
        product=product,
        account_number=number,
        account_number_bidx=bidx,
        balance=balance,
        currency=currency or product.currency,
        opened_on=opened_on,
        matures_on=matures_on,
        status=status,
        branch=customer.branch,
    )
    customer_rollup(customer_id=customer.pk)
    audit_record(
        actor=actor,
        action="holding.create",
        object_type="holding",
        object_id=holding.pk,
        customer_id=customer.pk,
        changes={"product": product.code, "account_number": None, "balance": None},
    )
    return holding


@transaction.atomic
def holding_update(
    *,
    actor,
    holding: Holding,
    version: int,
    balance: Decimal | None = None,
    status: str | None = None,
    matures_on: date | None = None,
) -> Holding:
    ensure_perm(actor, "products.change_holding")
    values = {}
    if balance is not None:
        if balance < 0:
            raise ValidationError({"balance": _("A balance cannot be negative.")})
        values["balance"] = balance
    if status is not None:
        if status not in Holding.Status.values:
            raise ValidationError({"status": _("Unknown status.")})
        values["status"] = status
    if matures_on is not None:
        if matures_on < holding.opened_on:
            raise ValidationError(
                {"matures_on": _("The maturity date is before the opening date.")}
            )
        values["matures_on"] = matures_on
    if not values:
        return holding
    updated = Holding.objects.filter(pk=holding.pk, version=version).update(
        **values, version=F("version") + 1
    )
    if updated != 1:
        raise ConflictError()
    customer_rollup(customer_id=holding.customer_id)
    audit_record(
        actor=actor,
        action="holding.update",
        object_type="holding",
        object_id=holding.pk,
        customer_id=holding.customer_id,
        changes={k: None for k in values},
    )
    holding.refresh_from_db()
    return holding
