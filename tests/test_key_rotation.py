"""`bankcrm rotate_keys`: field keys and blind-index keys rotate without losing a value, a search
result or an edit; a wrong key raises, never returns ciphertext as text."""

from datetime import date
from decimal import Decimal

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db.models import TextField, Value
from django.db.models.functions import Cast

from bankcrm.audit.models import AuditEvent
from bankcrm.common import crypto
from bankcrm.common.protection import protected_fields
from bankcrm.customers.models import Customer
from bankcrm.customers.selectors import CustomerFilters, customer_search
from bankcrm.org.models import Authenticator, RecoveryCode
from bankcrm.org.services import mfa_recovery_codes_create, mfa_verify
from bankcrm.products.models import Holding, ProductType
from bankcrm.products.services import holding_create
from tests import factories, mfa

KEY_A, KEY_B, KEY_C, STRANGER = (Fernet.generate_key().decode() for _ in range(4))


@pytest.fixture
def seeded(bank, settings):
    """Three customers (one without mobile or email), two holdings and a staff member's second
    factor (authenticator secret and recovery codes), written under KEY_A."""
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    mfa.enrol(bank.rm)
    mfa_recovery_codes_create(staff=bank.rm, record=False)
    people = [
        factories.customer(
            actor=bank.rm,
            name="张三丰",
            id_number="11010519491231002X",
            mobile="13800138000",
            email="sanfeng@example.cn",
        ),
        factories.customer(actor=bank.rm, name="李四", mobile="19912345678", email=""),
        factories.customer(actor=bank.rm, name="王五", mobile="", email="ww@example.cn"),
    ]
    product = factories.product(type=ProductType.DEMAND_DEPOSIT)
    for person, number in zip(people, ("6222000011112222", "6222000033334444"), strict=False):
        holding_create(
            actor=bank.rm,
            customer=person,
            product=product,
            account_number=number,
            balance=Decimal("100.00"),
            opened_on=date(2024, 1, 1),
        )
    return people


def _clear_values() -> dict:
    return {
        "customers": list(
            Customer.objects.order_by("pk").values_list("pk", "id_number", "mobile", "email")
        ),
        "holdings": list(Holding.objects.order_by("pk").values_list("pk", "account_number")),
        "authenticators": list(Authenticator.objects.order_by("pk").values_list("pk", "key")),
        "recovery_codes": list(RecoveryCode.objects.order_by("pk").values_list("pk", "code")),
    }


def _raw(model, name: str) -> list[str]:
    return list(
        model.objects.order_by("pk")
        .annotate(raw=Cast(name, output_field=TextField()))
        .values_list("raw", flat=True)
    )


def _write_raw(model, pk: int, name: str, token: str) -> None:
    model.objects.filter(pk=pk).update(**{name: Value(token, output_field=TextField())})


def _found(actor, query: str) -> list[int]:
    return [c.pk for c in customer_search(actor=actor, filters=CustomerFilters(query=query))]


def test_every_encrypted_field_is_found_from_the_model_registry(db):
    # when
    found = [(f.label, f.index) for f in protected_fields()]
    # then
    assert found == [
        ("customers.Customer.id_number", "id_number_bidx"),
        ("customers.Customer.mobile", "mobile_bidx"),
        ("customers.Customer.email", "email_bidx"),
        ("messaging.Message.recipient", None),
        ("messaging.Message.subject", None),
        ("messaging.Message.body", None),
        ("org.Authenticator.key", None),
        ("org.RecoveryCode.code", None),
        ("products.Holding.account_number", "account_number_bidx"),
        ("sales.Lead.prospect_name", None),
        ("sales.Lead.prospect_mobile", "prospect_mobile_bidx"),
        ("surveys.Survey.comment", None),
    ]


def test_rotating_twice_keeps_every_value_readable_under_the_newest_key_alone(seeded, settings):
    # given
    before = _clear_values()
    versions = list(Customer.objects.order_by("pk").values_list("version", "updated_at"))
    holding_versions = list(Holding.objects.order_by("pk").values_list("version", "updated_at"))
    raw_before = _raw(Customer, "mobile")
    # when: B is added in front and everything moves to it, then C in front of B
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_keys", "--no-progress", "--batch-size", "2")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    after_first = _clear_values()
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C, KEY_B]
    call_command("rotate_keys", "--no-progress")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_C]
    # then: every value reads back with only the newest key listed
    assert after_first == before
    assert _clear_values() == before
    raw_after = _raw(Customer, "mobile")
    assert [bool(r) for r in raw_after] == [bool(r) for r in raw_before] == [True, True, False]
    assert all(a != b for a, b in zip(raw_after, raw_before, strict=True) if a)
    assert all(Fernet(KEY_C.encode()).decrypt(r.encode()) for r in raw_after if r)
    assert all(
        Fernet(KEY_C.encode()).decrypt(r.encode())
        for r in _raw(Authenticator, "key") + _raw(RecoveryCode, "code")
    )
    # and the second factor still works under the newest key alone
    device = Authenticator.objects.get()
    assert mfa_verify(staff=device.user, code=mfa.fresh_code(device)).device == device
    recovery = before["recovery_codes"][0][1]
    assert mfa_verify(staff=device.user, code=recovery).device is not None
    # and neither the optimistic-lock versions nor the edit times moved
    assert list(Customer.objects.order_by("pk").values_list("version", "updated_at")) == versions
    assert (
        list(Holding.objects.order_by("pk").values_list("version", "updated_at"))
        == holding_versions
    )


def test_one_audit_event_per_run_with_counts_never_values(seeded, settings):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    before = AuditEvent.objects.count()
    # when
    call_command("rotate_keys", "--no-progress", "--batch-size", "1")
    # then
    events = list(AuditEvent.objects.order_by("seq")[before:])
    assert [e.action for e in events] == ["keys.rotate_fields"]
    changes = events[0].changes
    assert changes["rewritten"] == {
        "customers.Customer": 3,
        "org.Authenticator": 1,
        "org.RecoveryCode": 10,
        "products.Holding": 2,
        "sales.Lead": 0,
        "messaging.Message": 0,
        "surveys.Survey": 0,
    }
    assert set(changes["unchanged"].values()) == {0}
    assert changes["completed"] is True
    assert "13800138000" not in str(changes) and "+8613800138000" not in str(changes)


def test_a_second_run_finds_nothing_left_to_rotate(seeded, settings):
    # given
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_keys", "--no-progress")
    raw = _raw(Customer, "id_number")
    # when
    call_command("rotate_keys", "--no-progress")
    # then
    assert _raw(Customer, "id_number") == raw
    last = AuditEvent.objects.filter(action="keys.rotate_fields").order_by("-seq").first()
    assert set(last.changes["rewritten"].values()) == {0}
    # one entry per model with an encrypted field
    assert len(last.changes["rewritten"]) == len({f.model for f in protected_fields()})


def test_a_value_no_key_decrypts_stops_the_run_and_a_rerun_resumes(seeded, settings):
    # given: the second customer's mobile was written under a key nobody listed
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    first, second, third = seeded
    _write_raw(Customer, second.pk, "mobile", Fernet(STRANGER.encode()).encrypt(b"+861").decode())
    # when
    with pytest.raises(CommandError) as refused:
        call_command("rotate_keys", "--no-progress", "--batch-size", "1")
    # then: the message names the row, not the value; the batch before it is done
    assert str(refused.value).startswith(
        f"customers.Customer.mobile of row {second.pk} cannot be decrypted"
    )
    raw = _raw(Customer, "id_number")
    assert crypto.is_current(raw[0]) and not crypto.is_current(raw[1])
    failed = AuditEvent.objects.filter(action="keys.rotate_fields").get()
    assert (failed.changes["completed"], failed.changes["error"]) == (False, "RotationError")
    # when: the missing key is listed, the run is started again
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A, STRANGER]
    call_command("rotate_keys", "--no-progress", "--batch-size", "1")
    # then
    resumed = AuditEvent.objects.filter(action="keys.rotate_fields").order_by("-seq").first()
    assert resumed.changes["rewritten"] == {
        "customers.Customer": 2,
        "org.Authenticator": 1,
        "org.RecoveryCode": 10,
        "products.Holding": 2,
        "sales.Lead": 0,
        "messaging.Message": 0,
        "surveys.Survey": 0,
    }
    assert resumed.changes["unchanged"]["customers.Customer"] == 1
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    assert Customer.objects.get(pk=second.pk).mobile == "+861"


def test_a_wrong_key_raises_and_never_returns_ciphertext_as_text(seeded, settings):
    # given: rotated to B, then only the retired key A is configured
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    call_command("rotate_keys", "--no-progress")
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    # when / then
    with pytest.raises(crypto.DecryptionError):
        Customer.objects.get(pk=seeded[0].pk)
    with pytest.raises(crypto.DecryptionError):
        list(Holding.objects.values_list("account_number", flat=True))
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all")
    with pytest.raises(crypto.DecryptionError):
        crypto.rotate("密文")


def test_rotating_the_index_key_keeps_search_working_throughout(seeded, bank, settings):
    # given: a new index key; the old one stays as the previous key during the rotation
    old_key = settings.BLIND_INDEX_KEY
    settings.BLIND_INDEX_KEY = "new-index-key-for-the-test"
    settings.BLIND_INDEX_KEY_PREVIOUS = old_key
    first = seeded[0].pk
    queries = ["13800138000", "11010519491231002X", "sanfeng@example.cn"]
    # then: before re-indexing, rows are found through their old digests
    assert [_found(bank.rm, q) for q in queries] == [[first]] * 3
    # when
    call_command("rotate_keys", "--index", "--no-progress", "--batch-size", "2")
    settings.BLIND_INDEX_KEY_PREVIOUS = ""
    # then: the new digests alone find everything, and uniqueness still holds
    assert [_found(bank.rm, q) for q in queries] == [[first]] * 3
    assert _found(bank.rm, "19912345678") == [seeded[1].pk]
    assert Customer.objects.get(pk=first).mobile_bidx == crypto.blind_index(
        "mobile", "+8613800138000"
    )
    with pytest.raises(ValidationError) as duplicate:
        holding_create(
            actor=bank.rm,
            customer=seeded[2],
            product=factories.product(),
            account_number="6222000011112222",
            balance=Decimal("1.00"),
            opened_on=date(2024, 1, 1),
        )
    assert list(duplicate.value.message_dict) == ["account_number"]
    event = AuditEvent.objects.filter(action="keys.rotate_index").get()
    assert event.changes["rewritten"] == {
        "customers.Customer": 3,
        "products.Holding": 2,
        "sales.Lead": 0,
    }


def test_without_the_previous_key_old_digests_are_not_found(seeded, bank, settings):
    # given: the index key changed but nobody kept the old one (what the setting prevents)
    settings.BLIND_INDEX_KEY = "new-index-key-for-the-test"
    settings.BLIND_INDEX_KEY_PREVIOUS = ""
    # when
    found = _found(bank.rm, "13800138000")
    # then
    assert found == []


def test_a_duplicate_account_number_is_refused_during_an_index_rotation(seeded, bank, settings):
    # given: the index key changed, rows still carry the old digests
    settings.BLIND_INDEX_KEY_PREVIOUS = settings.BLIND_INDEX_KEY
    settings.BLIND_INDEX_KEY = "new-index-key-for-the-test"
    # when
    with pytest.raises(ValidationError) as duplicate:
        holding_create(
            actor=bank.rm,
            customer=seeded[2],
            product=factories.product(),
            account_number="6222 0000 1111 2222",
            balance=Decimal("1.00"),
            opened_on=date(2024, 1, 1),
        )
    # then
    assert list(duplicate.value.message_dict) == ["account_number"]
