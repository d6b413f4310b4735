"""C2 data at rest: ciphertext in the database, exact search by blind index, keys rotate."""

from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.db import connection

from bankcrm.common import crypto
from bankcrm.customers.models import Customer
from bankcrm.customers.selectors import CustomerFilters, customer_search
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_raw_database_file_holds_no_plaintext_id_mobile_or_email():
    # given
    bank = factories.Bank()
    factories.customer(
        actor=bank.rm,
        name="赵敏",
        id_number="11010519491231002X",
        mobile="13800138000",
        email="zm.private@example.cn",
    )
    if connection.vendor != "sqlite":
        # On PostgreSQL read the table's raw text columns instead of a file.
        with connection.cursor() as cursor:
            cursor.execute("SELECT id_number, mobile, email FROM customers_customer")
            raw = " ".join(str(v) for row in cursor.fetchall() for v in row)
    else:
        connection.close()  # flush the WAL into the main file
        path = Path(settings.DATABASES["default"]["TEST"]["NAME"])
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*")).decode("latin-1")
    # then
    for plain in (
        "11010519491231002X",
        "110105194912310",
        "13800138000",
        "8613800138000",
        "zm.private@example.cn",
        "zm.private",
    ):
        assert plain not in raw
    assert "赵敏".encode().decode("latin-1") in raw or connection.vendor != "sqlite"


def test_exact_search_works_through_blind_index(customer, bank):
    for query in ("13800138000", "+86 138 0013 8000", "11010519491231002x", "sanfeng@EXAMPLE.cn"):
        found = list(customer_search(actor=bank.rm, filters=CustomerFilters(query=query)))
        assert found == [customer], query
    assert customer.mobile_bidx == crypto.blind_index("mobile", "+8613800138000")


def test_old_rows_still_decrypt_after_a_new_key_is_added(customer, settings):
    # given: a new key goes first; the old key stays for reading
    old_keys = list(settings.FIELD_ENCRYPTION_KEYS)
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode(), *old_keys]
    # when
    reread = Customer.objects.get(pk=customer.pk)
    # then
    assert reread.mobile == "+8613800138000"
    token = crypto.encrypt("x")
    settings.FIELD_ENCRYPTION_KEYS = old_keys
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_a_decryption_failure_raises_and_never_returns_ciphertext(customer, settings):
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(crypto.DecryptionError):
        Customer.objects.get(pk=customer.pk)


def test_encrypted_fields_refuse_lookups_that_could_never_match(customer):
    from django.core.exceptions import FieldError

    with pytest.raises(FieldError):
        list(Customer.objects.filter(mobile__startswith="+86"))
