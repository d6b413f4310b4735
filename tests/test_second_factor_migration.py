"""Migration org 0003: authenticators and recovery codes kept in clear by django-otp's own
tables (before this migration) are copied under the field keys, and the clear tables dropped."""

import importlib
from binascii import hexlify

import pytest
from django.apps import apps
from django.db import connection

from bankcrm.org.models import Authenticator, RecoveryCode
from bankcrm.org.services import mfa_verify
from tests import mfa

migration = importlib.import_module("bankcrm.org.migrations.0003_encrypted_second_factor")

LEGACY_DDL = (
    "CREATE TABLE otp_totp_totpdevice (id integer PRIMARY KEY, user_id integer NOT NULL,"
    " name varchar(64) NOT NULL, confirmed boolean NOT NULL, key varchar(80) NOT NULL,"
    " drift smallint NOT NULL, last_t bigint NOT NULL)",
    "CREATE TABLE otp_static_staticdevice (id integer PRIMARY KEY, user_id integer NOT NULL,"
    " name varchar(64) NOT NULL, confirmed boolean NOT NULL)",
    "CREATE TABLE otp_static_statictoken (id integer PRIMARY KEY, device_id integer NOT NULL,"
    " token varchar(16) NOT NULL)",
)


@pytest.mark.django_db(transaction=True)
def test_legacy_clear_secrets_are_copied_encrypted_and_the_clear_tables_dropped(bank):
    # given: the old tables, with a confirmed and an unconfirmed authenticator and two codes
    secret = hexlify(b"legacy-secret-20-byt").decode()
    with connection.cursor() as cursor:
        for ddl in LEGACY_DDL:
            cursor.execute(ddl)
        cursor.execute(
            "INSERT INTO otp_totp_totpdevice VALUES (1, %s, 'phone', %s, %s, 0, -1),"
            " (2, %s, 'half set up', %s, %s, 0, -1)",
            [bank.rm.pk, True, secret, bank.analyst.pk, False, "00" * 20],
        )
        cursor.execute(
            "INSERT INTO otp_static_staticdevice VALUES (7, %s, 'backup', %s)", [bank.rm.pk, True]
        )
        cursor.execute(
            "INSERT INTO otp_static_statictoken VALUES (1, 7, 'abcd2345'), (2, 7, 'efgh6723')"
        )
    # when
    with connection.schema_editor() as editor:
        migration.copy_legacy_devices(apps, editor)
    # then: the confirmed one is copied, encrypted, and works; no clear table is left
    device = Authenticator.objects.get()
    assert (device.user, device.key, device.confirmed) == (bank.rm, secret, True)
    assert sorted(RecoveryCode.objects.values_list("code", flat=True)) == [
        "abcd2345",
        "efgh6723",
    ]
    tables = set(connection.introspection.table_names())
    assert not tables & set(migration.LEGACY_TABLES)
    assert mfa_verify(staff=bank.rm, code=mfa.fresh_code(device)).device == device
    assert mfa_verify(staff=bank.rm, code="abcd2345").device is not None


@pytest.mark.django_db(transaction=True)
def test_a_new_database_has_nothing_to_copy(bank):
    # when
    with connection.schema_editor() as editor:
        migration.copy_legacy_devices(apps, editor)
    # then
    assert not Authenticator.objects.exists()
