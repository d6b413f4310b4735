"""The identifier vectors of security.md, through the project's validation helpers."""

import pytest
from django.core.exceptions import ValidationError

from bankcrm.common import identifiers


def test_valid_resident_id_is_accepted_and_lower_case_x_stored_upper():
    # given / when
    checked = identifiers.resident_id("11010519491231002x")
    # then
    assert checked.value == "11010519491231002X"
    assert checked.warnings == []


@pytest.mark.parametrize(
    ("number", "code"),
    [
        ("36042619910102009X", "checksum"),
        ("360426199113010079", "birth_date"),
        ("1101051949123100", "format"),
        ("11010519491231002A", "format"),
    ],
)
def test_invalid_resident_ids_are_rejected_with_a_reason(number, code):
    with pytest.raises(ValidationError) as exc:
        identifiers.resident_id(number)
    assert exc.value.code == code


def test_unknown_area_code_with_valid_checksum_warns_but_is_accepted():
    # given: area 990101 does not exist; the check digit is computed by stdnum
    from stdnum.cn import ric

    body = "99010119800101001"
    number = body + ric.calc_check_digit(body + "0")
    # when
    checked = identifiers.resident_id(number)
    # then
    assert checked.value == number
    assert len(checked.warnings) == 1


@pytest.mark.parametrize(
    ("raw", "e164"), [("13800138000", "+8613800138000"), ("19912345678", "+8619912345678")]
)
def test_valid_mobiles_are_stored_e164(raw, e164):
    assert identifiers.mobile(raw).value == e164


@pytest.mark.parametrize("raw", ["14012345678", "12012345678", "010-12345678", "hello"])
def test_invalid_mobiles_are_rejected(raw):
    with pytest.raises(ValidationError):
        identifiers.mobile(raw)


def test_card_failing_luhn_needs_confirmation():
    # given: 6222021234567890123 fails Luhn (some UnionPay cards do)
    from stdnum import luhn

    number = "6222021234567890123"
    assert not luhn.is_valid(number)
    # when / then
    with pytest.raises(ValidationError) as exc:
        identifiers.card_number(number)
    assert exc.value.code == "luhn_unconfirmed"
    assert identifiers.card_number(number, confirmed=True).value == number


def test_account_numbers_are_not_luhn_checked():
    assert identifiers.account_number("6222021234567890123").value == "6222021234567890123"


def test_social_credit_codes():
    assert identifiers.social_credit_code("91110000600037341L").value == "91110000600037341L"
    with pytest.raises(ValidationError) as exc:
        identifiers.social_credit_code("91110000600037341N")
    assert exc.value.code == "checksum"


def test_customer_numbers_carry_a_luhn_check_digit():
    from stdnum import luhn

    number = identifiers.customer_number_for(42)
    assert number == "00000000042" + luhn.calc_check_digit("00000000042")
    assert luhn.is_valid(number)
