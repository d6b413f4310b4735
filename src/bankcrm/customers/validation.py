"""Domain validation of customer data, shared by the create and update services."""

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from bankcrm.common import identifiers
from bankcrm.common.protection import index_digest
from bankcrm.common.text import pinyin_keys
from bankcrm.customers.models import Channel, Customer, IdType, Kind

PROTECTED_FIELDS = ("id_number", "mobile", "email")

_ID_CHECKERS = {
    IdType.RESIDENT_ID: identifiers.resident_id,
    IdType.PASSPORT: identifiers.passport,
    IdType.SOCIAL_CREDIT_CODE: identifiers.social_credit_code,
}


@dataclass
class Cleaned:
    values: dict[str, Any]
    warnings: list[str] = field(default_factory=list)


def blind_indexes(values: dict[str, Any]) -> dict[str, str]:
    """The blind-index columns for whichever protected values are present."""
    out = {}
    for name in PROTECTED_FIELDS:
        if name in values:
            out[f"{name}_bidx"] = index_digest(Customer, name, values[name] or "")
    return out


def clean_customer(values: dict[str, Any], *, current: dict[str, Any] | None = None) -> Cleaned:
    """Validate and normalise the given fields; `current` holds the unchanged ones for context.

    Raises ValidationError with a message per bad field; returns the values to store, including
    derived columns (pinyin keys, blind indexes), and warnings that do not block saving.
    """
    merged = {**(current or {}), **values}
    out: dict[str, Any] = dict(values)
    errors: dict[str, list] = {}
    warnings: list[str] = []

    if "name" in values:
        name = (values["name"] or "").strip()
        if not name:
            errors.setdefault("name", []).append(
                ValidationError(_("A name is required."), code="required")
            )
        out["name"] = name
        out["name_pinyin"], out["name_initials"] = pinyin_keys(name)

    kind = merged.get("kind") or Kind.INDIVIDUAL
    id_type = merged.get("id_type")
    if kind == Kind.CORPORATE and id_type and id_type != IdType.SOCIAL_CREDIT_CODE:
        errors.setdefault("id_type", []).append(
            ValidationError(
                _("A corporate customer is identified by its unified social credit code."),
                code="corporate_id",
            )
        )
    if kind == Kind.INDIVIDUAL and id_type == IdType.SOCIAL_CREDIT_CODE:
        errors.setdefault("id_type", []).append(
            ValidationError(
                _("A unified social credit code identifies organisations, not persons."),
                code="individual_id",
            )
        )

    if "id_number" in values or "id_type" in values:
        checker = _ID_CHECKERS.get(id_type)
        if checker is None:
            errors.setdefault("id_type", []).append(
                ValidationError(_("Choose an ID type."), code="required")
            )
        else:
            try:
                checked = checker(merged.get("id_number") or "")
                out["id_number"] = checked.value
                warnings.extend(checked.warnings)
            except ValidationError as exc:
                errors.setdefault("id_number", []).append(exc)
            else:
                birth = _birth_date_from_resident_id(checked.value, id_type)
                if birth and merged.get("birth_date") and merged["birth_date"] != birth:
                    errors.setdefault("birth_date", []).append(
                        ValidationError(
                            _("The birth date does not match the resident ID number."),
                            code="birth_mismatch",
                        )
                    )
                elif birth and not merged.get("birth_date"):
                    out["birth_date"] = birth

    for name, checker in (("mobile", identifiers.mobile), ("email", identifiers.email)):
        if name in values:
            raw = (values[name] or "").strip()
            if not raw:
                out[name] = ""
                continue
            try:
                out[name] = checker(raw).value
            except ValidationError as exc:
                errors.setdefault(name, []).append(exc)

    if "birth_date" in values and values["birth_date"]:
        if values["birth_date"] > date.today():  # noqa: DTZ011 - local calendar date
            errors.setdefault("birth_date", []).append(
                ValidationError(_("The birth date is in the future."), code="future")
            )

    if "preferred_channels" in values:
        channels = list(dict.fromkeys(values["preferred_channels"] or []))
        unknown = [c for c in channels if c not in Channel.values]
        if unknown:
            errors.setdefault("preferred_channels", []).append(
                ValidationError(
                    _("Unknown channel: %(channels)s"),
                    code="invalid",
                    params={"channels": ", ".join(unknown)},
                )
            )
        out["preferred_channels"] = channels

    if errors:
        raise ValidationError(errors)
    out.update(blind_indexes(out))
    return Cleaned(out, warnings)


def _birth_date_from_resident_id(number: str, id_type: str) -> date | None:
    if id_type != IdType.RESIDENT_ID:
        return None
    from stdnum.cn import ric

    return ric.get_birth_date(number)
