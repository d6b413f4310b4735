"""Validation and normalisation of identifiers, built on python-stdnum and phonenumbers.

Never hand-write a check digit: GB 11643 resident IDs, GB 32100 unified social credit codes and
Luhn all come from python-stdnum; mobile numbers are parsed and stored E.164 by phonenumbers.
"""

from dataclasses import dataclass, field

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum import luhn
from stdnum.cn import ric, uscc
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength


@dataclass
class Checked:
    """A normalised value and any warnings that do not block saving."""

    value: str
    warnings: list[str] = field(default_factory=list)


def resident_id(raw: str) -> Checked:
    """A mainland China resident ID (GB 11643): 18 characters, check digit, valid birth date.

    A number whose area code is unknown to stdnum's table is accepted with a warning: the
    table lags behind re-districting, and the check digit already guards against typing errors.
    """
    number = ric.compact(raw or "").upper()
    if (
        len(number) != 18
        or not number[:17].isdigit()
        or not (number[17].isdigit() or number[17] == "X")
    ):
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="format",
        )
    warnings = []
    try:
        ric.validate(number)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The resident ID number's check digit is wrong."), code="checksum"
        ) from exc
    except InvalidComponent as exc:
        try:
            ric.get_birth_date(number)
        except InvalidComponent:
            raise ValidationError(
                _("The resident ID number contains an invalid birth date."), code="birth_date"
            ) from exc
        warnings.append(str(_("The resident ID number's area code is not a known region.")))
    except (InvalidLength, InvalidFormat) as exc:
        raise ValidationError(
            _("A resident ID number has 18 characters: 17 digits and a digit or X."),
            code="format",
        ) from exc
    return Checked(number, warnings)


def social_credit_code(raw: str) -> Checked:
    """A unified social credit code for organisations (GB 32100)."""
    number = uscc.compact(raw or "").upper()
    try:
        uscc.validate(number)
    except InvalidChecksum as exc:
        raise ValidationError(
            _("The unified social credit code's check character is wrong."), code="checksum"
        ) from exc
    except (InvalidLength, InvalidFormat, InvalidComponent) as exc:
        raise ValidationError(
            _("A unified social credit code has 18 digits and capital letters."), code="format"
        ) from exc
    return Checked(number)


def passport(raw: str) -> Checked:
    number = "".join((raw or "").split()).upper()
    if not (5 <= len(number) <= 20 and number.isalnum() and number.isascii()):
        raise ValidationError(_("A passport number has 5 to 20 letters and digits."), code="format")
    return Checked(number)


def mobile(raw: str, region: str = "CN") -> Checked:
    """A mobile number, returned as E.164 (+8613800138000)."""
    try:
        parsed = phonenumbers.parse(raw or "", region)
    except phonenumbers.NumberParseException as exc:
        raise ValidationError(_("This is not a phone number."), code="format") from exc
    if not phonenumbers.is_valid_number(parsed):
        raise ValidationError(_("This mobile number is not valid."), code="invalid")
    if phonenumbers.number_type(parsed) not in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    ):
        raise ValidationError(_("This is not a mobile number."), code="not_mobile")
    return Checked(phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164))


def email(raw: str) -> Checked:
    from django.core.validators import validate_email

    value = (raw or "").strip()
    validate_email(value)
    local, _at, domain = value.rpartition("@")
    return Checked(f"{local}@{domain.lower()}")


def card_number(raw: str, *, confirmed: bool = False) -> Checked:
    """A bank card number. A Luhn failure needs confirmation: some UnionPay cards fail Luhn."""
    number = "".join((raw or "").split())
    if not (number.isdigit() and 12 <= len(number) <= 19):
        raise ValidationError(_("A card number has 12 to 19 digits."), code="format")
    if not luhn.is_valid(number) and not confirmed:
        raise ValidationError(
            _("This card number fails the Luhn check. Confirm it if the card is correct."),
            code="luhn_unconfirmed",
        )
    return Checked(number)


def account_number(raw: str) -> Checked:
    """An account number: digits only, not Luhn-checked."""
    number = "".join((raw or "").split())
    if not (number.isdigit() and 8 <= len(number) <= 32):
        raise ValidationError(_("An account number has 8 to 32 digits."), code="format")
    return Checked(number)


def customer_number_for(pk: int) -> str:
    """The customer number (ECIF number) for a primary key: 11 digits and a Luhn check digit."""
    body = f"{pk:011d}"
    return body + luhn.calc_check_digit(body)
