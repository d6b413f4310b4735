"""One error shape for every API failure: a machine code, a human message, field errors.

    {"code": "invalid", "message": "...", "errors": {"mobile": [{"code": "...", "message": "..."}]}}

Schema (pydantic) errors and the services' Django ValidationError dicts map to the same shape,
so an integrator handles one format whatever layer refused the input.
"""

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext_lazy as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from bankcrm.common.errors import ConflictError

# Where a pydantic error's location starts: the request part, then the body parameter's name.
_SOURCES = frozenset({"body", "query", "path", "header", "cookie", "form", "file"})
BODY_PARAM = "payload"

# pydantic error types → our machine codes and translatable messages.
_SCHEMA_CODES: dict[str, tuple[str, Any]] = {
    "missing": ("required", _("This field is required.")),
    "extra_forbidden": ("unknown_field", _("This field is not accepted here.")),
    "literal_error": ("invalid_choice", _("This is not one of the allowed values.")),
    "enum": ("invalid_choice", _("This is not one of the allowed values.")),
    "int_parsing": ("invalid_integer", _("Enter a whole number.")),
    "int_type": ("invalid_integer", _("Enter a whole number.")),
    "int_from_float": ("invalid_integer", _("Enter a whole number.")),
    "greater_than": ("out_of_range", _("This value is too small.")),
    "greater_than_equal": ("out_of_range", _("This value is too small.")),
    "less_than": ("out_of_range", _("This value is too large.")),
    "less_than_equal": ("out_of_range", _("This value is too large.")),
    "string_too_long": ("too_long", _("This value is too long.")),
    "string_too_short": ("too_short", _("This value is too short.")),
    "string_type": ("invalid_string", _("Enter text.")),
    "list_type": ("invalid_list", _("Enter a list.")),
    "too_long": ("too_long", _("This list has too many items.")),
    "bool_parsing": ("invalid_boolean", _("Enter true or false.")),
    "bool_type": ("invalid_boolean", _("Enter true or false.")),
    "date_parsing": ("invalid_date", _("Enter a date as YYYY-MM-DD.")),
    "date_from_datetime_parsing": ("invalid_date", _("Enter a date as YYYY-MM-DD.")),
    "date_from_datetime_inexact": ("invalid_date", _("Enter a date as YYYY-MM-DD.")),
    "date_type": ("invalid_date", _("Enter a date as YYYY-MM-DD.")),
    "datetime_parsing": ("invalid_datetime", _("Enter a date and time in ISO 8601 format.")),
    "datetime_from_date_parsing": (
        "invalid_datetime",
        _("Enter a date and time in ISO 8601 format."),
    ),
    "datetime_type": ("invalid_datetime", _("Enter a date and time in ISO 8601 format.")),
    "timezone_aware": (
        "timezone_required",
        _("Give the time with its UTC offset, e.g. 2025-01-31T09:30:00+08:00."),
    ),
    "decimal_parsing": ("invalid_number", _("Enter a number.")),
    "decimal_type": ("invalid_number", _("Enter a number.")),
    "finite_number": ("invalid_number", _("Enter a finite number.")),
    "decimal_max_digits": ("too_many_digits", _("This number has too many digits.")),
    "decimal_whole_digits": ("too_many_digits", _("This number has too many digits.")),
    "decimal_max_places": ("too_many_decimals", _("This number has too many decimal places.")),
    "null": ("null", _("This field cannot be null.")),
    "null_characters": ("null_characters_not_allowed", _("Null characters are not allowed.")),
    "model_attributes_type": ("invalid_object", _("Enter a JSON object.")),
    "dict_type": ("invalid_object", _("Enter a JSON object.")),
    "json_invalid": ("malformed_body", _("The request body is not valid JSON.")),
}

_HTTP_CODES: dict[int, tuple[str, Any]] = {
    400: ("malformed_body", _("The request body is not valid JSON.")),
    401: (
        "not_authenticated",
        _("Authentication credentials were not provided or are not valid."),
    ),
    403: ("permission_denied", _("You do not have permission to do this.")),
    404: ("not_found", _("Not found.")),
    405: ("method_not_allowed", _("This method is not allowed here.")),
    409: ("conflict", _("The record changed since you read it.")),
    429: ("throttled", _("Too many requests. Try again later.")),
}

INVALID_MESSAGE = _("The input is not valid. See the field errors.")


def error_body(code: str, message: Any, errors: dict | None = None) -> dict[str, Any]:
    return {"code": code, "message": str(message), "errors": errors or {}}


def error_response(
    status: int, code: str, message: Any, errors: dict | None = None
) -> JsonResponse:
    response = JsonResponse(error_body(code, message, errors), status=status)
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="bankcrm"'
    return response


def field_name(loc: tuple | list) -> str:
    """`("body", "payload", "mobile")` → `"mobile"`; nested parts are joined with dots."""
    parts = [str(part) for part in loc]
    if parts and parts[0] in _SOURCES:
        source = parts.pop(0)
        if source == "body" and parts and parts[0] == BODY_PARAM:
            parts.pop(0)
    return ".".join(parts) or NON_FIELD_ERRORS


def schema_errors(errors: list[dict]) -> dict[str, list[dict[str, str]]]:
    out: dict[str, list[dict[str, str]]] = {}
    for error in errors:
        kind = error.get("type", "invalid")
        code, message = _SCHEMA_CODES.get(kind, (kind, error.get("msg", "")))
        out.setdefault(field_name(error.get("loc", ())), []).append(
            {"code": code, "message": str(message)}
        )
    return out


def django_errors(exc: DjangoValidationError) -> dict[str, list[dict[str, str]]]:
    """A service's ValidationError (dict or list) as field errors with machine codes."""
    error_dict = (
        exc.error_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.error_list}
    )
    out: dict[str, list[dict[str, str]]] = {}
    for field, errors in error_dict.items():
        for error in errors:
            for message in error:  # iterating formats the message with its params
                out.setdefault(field, []).append(
                    {"code": error.code or "invalid", "message": str(message)}
                )
    return out


def register(api: NinjaAPI) -> None:
    """Install the handlers on the API; unexpected exceptions still reach Django (500, logged)."""

    def on_schema_error(request: HttpRequest, exc: SchemaValidationError) -> HttpResponse:
        errors = schema_errors(exc.errors)
        if any(e["code"] == "malformed_body" for errs in errors.values() for e in errs):
            return error_response(400, *_HTTP_CODES[400])
        return error_response(422, "invalid", INVALID_MESSAGE, errors)

    def on_django_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
        return error_response(422, "invalid", INVALID_MESSAGE, django_errors(exc))

    def on_not_found(request: HttpRequest, exc: Exception) -> HttpResponse:
        # The same body for a missing and an out-of-scope object: nothing tells them apart.
        return error_response(404, *_HTTP_CODES[404])

    def on_permission_denied(request: HttpRequest, exc: Exception) -> HttpResponse:
        return error_response(403, *_HTTP_CODES[403])

    def on_conflict(request: HttpRequest, exc: ConflictError) -> HttpResponse:
        return error_response(409, ConflictError.code, exc.message)

    def on_authentication(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(401, *_HTTP_CODES[401])

    def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        if exc.status_code == 403 and "csrf" in str(exc).lower():
            return error_response(
                403, "csrf_failed", _("The CSRF check failed: reload the page and try again.")
            )
        code, message = _HTTP_CODES.get(exc.status_code, ("error", str(exc)))
        return error_response(exc.status_code, code, message)

    api.add_exception_handler(SchemaValidationError, on_schema_error)
    api.add_exception_handler(DjangoValidationError, on_django_error)
    api.add_exception_handler(Http404, on_not_found)
    api.add_exception_handler(PermissionDenied, on_permission_denied)
    api.add_exception_handler(ConflictError, on_conflict)
    api.add_exception_handler(AuthenticationError, on_authentication)
    api.add_exception_handler(HttpError, on_http_error)


def not_found_view(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """Unknown paths under /api/ answer JSON too, not the HTML error page."""
    return error_response(404, *_HTTP_CODES[404])
