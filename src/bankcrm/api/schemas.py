"""Schemas and types shared by every app's API module."""

from decimal import Decimal
from typing import Annotated, Any, ClassVar, Literal

from django.db import models
from ninja import Field, Schema
from pydantic import ConfigDict, field_validator
from pydantic_core import PydanticCustomError

from bankcrm.api.pagination import MAX_ID

# Ids as the database can hold them: larger or non-positive values are input errors (422).
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Money as the models store it: 18 digits, 2 decimals, never negative, never NaN or infinity.
Money = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=2, allow_inf_nan=False)]
Limit = Annotated[int, Field(ge=1, le=100)]
Cursor = Annotated[str, Field(max_length=200)]

PAGE_SIZE = 25


def choice(choices: type[models.Choices], *, blank: bool = False) -> Any:
    """A Literal of a Django choices class's values (inline enum in the OpenAPI document)."""
    values = tuple(choices.values) + (("",) if blank else ())
    return Literal[values]  # type: ignore[valid-type]


def refuse_null_characters(value: Any) -> Any:
    """Text with a NUL character is refused (422), as Django's form fields do: PostgreSQL
    cannot store it and would answer a server error."""
    texts = value if isinstance(value, list | tuple) else [value]
    if any(isinstance(text, str) and "\x00" in text for text in texts):
        raise PydanticCustomError("null_characters", "Null characters are not allowed.")
    return value


class InputSchema(Schema):
    """Request bodies: unknown fields are refused (422), so nothing is mass-assigned."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any) -> Any:
        return refuse_null_characters(value)


class PatchSchema(InputSchema):
    """A partial update: absent fields stay as they are; null is refused unless listed."""

    NULLABLE: ClassVar[frozenset[str]] = frozenset()

    @field_validator("*", mode="after")
    @classmethod
    def _not_null(cls, value: Any, info: Any) -> Any:
        if value is None and info.field_name not in cls.NULLABLE:
            raise PydanticCustomError("null", "This field cannot be null.")
        return value


class FieldErrorOut(Schema):
    code: str
    message: str


class ErrorOut(Schema):
    code: str = Field(..., examples=["not_found"])
    message: str
    errors: dict[str, list[FieldErrorOut]] = Field(default_factory=dict)


# 400: a body that is not JSON at all (malformed_body); 422: JSON that does not fit the schema.
ERRORS: dict[int, type[Schema]] = {
    400: ErrorOut,
    401: ErrorOut,
    403: ErrorOut,
    404: ErrorOut,
    422: ErrorOut,
}
WRITE_ERRORS: dict[int, type[Schema]] = {**ERRORS, 409: ErrorOut}


class BranchRef(Schema):
    id: int
    code: str
    name: str
    name_en: str


class StaffRef(Schema):
    id: int
    display_name: str


class PageIn(Schema):
    """Query parameters of every cursor-paginated list."""

    cursor: Cursor | None = Field(None, description="The next_cursor of the previous page.")
    limit: Limit = PAGE_SIZE

    @field_validator("*", mode="after")
    @classmethod
    def _no_null_characters(cls, value: Any, info: Any) -> Any:
        if info.field_name == "cursor":
            return value  # any bad cursor answers invalid_cursor, NUL or not
        return refuse_null_characters(value)
