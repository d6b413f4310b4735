"""Real-time integration endpoint: the payment system pushes batches of transactions.

Thin: schema in, service call, schema out. The service validates every row as a batch extract
is validated, commits the good ones to the warehouse, delivers them to the transaction hook
(so the customer 360 shows them) and remembers the answer under the Idempotency-Key.
"""

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Router, Schema
from pydantic import AwareDatetime, BaseModel, ConfigDict, field_validator

from bankcrm.analytics.schema import CATEGORIES, CHANNELS, MERCHANT_CATEGORIES
from bankcrm.api.errors import INVALID_MESSAGE, error_response
from bankcrm.api.schemas import ERRORS, ErrorOut, refuse_null_characters
from bankcrm.common.errors import ensure_perm
from bankcrm.integration import services

router = Router(tags=["integration"])

MAX_BATCH = 1000
SignedMoney = Annotated[
    Decimal, Field(max_digits=18, decimal_places=2, allow_inf_nan=False, examples=["-125.50"])
]


class _FastInput(BaseModel):
    """InputSchema's rules (unknown fields and NUL characters refused) on a plain pydantic
    model. A push validates up to 1,000 rows; ninja's Schema runs its Django-attribute
    validator around every row, and with extra="forbid" validates each row twice, which cost
    more than the rest of the push. The error locations, types and codes are the same
    (from_attributes, as in ninja's Schema: a non-object is `model_attributes_type`)."""

    model_config = ConfigDict(extra="forbid", from_attributes=True)


class TransactionIn(_FastInput):
    id: Annotated[str, Field(min_length=1, max_length=64, description="the core system's id")]
    account: Annotated[str, Field(min_length=8, max_length=40, description="account number")]
    booked_at: AwareDatetime = Field(..., description="with its UTC offset")
    amount: SignedMoney = Field(..., description="positive: money in; negative: money out")
    currency: Annotated[str, Field(min_length=3, max_length=3)] = "CNY"
    balance_after: SignedMoney | None = None
    channel: Literal[CHANNELS]  # type: ignore[valid-type]
    category: Literal[CATEGORIES]  # type: ignore[valid-type]
    merchant_category: Literal[MERCHANT_CATEGORIES] | None = None  # type: ignore[valid-type]
    counterparty: Annotated[str, Field(max_length=200)] | None = None
    description: Annotated[str, Field(max_length=500)] | None = None

    @field_validator("id", "account", "currency", "counterparty", "description", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        return refuse_null_characters(value)


class PushIn(_FastInput):
    transactions: Annotated[list[TransactionIn], Field(min_length=1, max_length=MAX_BATCH)]


class RowRejectOut(Schema):
    index: int = Field(..., description="position in `transactions`, from 0")
    field: str
    reason: str = Field(..., examples=["unknown_account"])


class PushOut(Schema):
    received: int
    loaded: int
    duplicates: int = Field(..., description="already in the warehouse (or repeated in the batch)")
    rejected: list[RowRejectOut]


IDEMPOTENCY_MESSAGES = {
    "idempotency_key_reused": _(
        "This Idempotency-Key was already used with a different request body."
    ),
    "idempotency_key_in_progress": _(
        "A request with this Idempotency-Key is still being processed. Retry shortly."
    ),
}


@router.post(
    "/ingest/transactions",
    response={200: PushOut, 409: ErrorOut, **ERRORS},
    summary="Push a batch of transactions (real time)",
    description=(
        "Up to 1,000 transactions from the payment system. Send a unique `Idempotency-Key` per "
        "batch: repeating it returns the first answer, reusing it with another body answers 409 "
        "`idempotency_key_reused`. Rows are checked like a core-banking extract; bad rows come "
        "back in `rejected` with a reason code (docs/warehouse.md) while good rows load. "
        "Needs the permission `integration.push_transactions`."
    ),
)
def transactions_push(
    request: HttpRequest,
    payload: PushIn,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=1, max_length=200)
    ] = None,
):
    ensure_perm(request.auth, "integration.push_transactions")  # 403 before any other answer
    if not idempotency_key:
        return error_response(
            422,
            "invalid",
            INVALID_MESSAGE,
            {
                "Idempotency-Key": [
                    {"code": "required", "message": str(_("This header is required."))}
                ]
            },
        )
    try:
        answer = services.transactions_push(
            actor=request.auth,
            idempotency_key=idempotency_key,
            transactions=payload.model_dump(mode="json")["transactions"],
        )
    except services.IdempotencyConflict as exc:
        return error_response(409, exc.code, IDEMPOTENCY_MESSAGES[exc.code])
    return answer.status_code, answer.body
