"""The second factor's secrets move under the field keys.

Until now django-otp's own TOTP and static-token tables kept the TOTP secret and the recovery
codes in clear. The new models (org.Authenticator, org.RecoveryCodes/RecoveryCode) store them
encrypted. If the old tables exist (a database made before this migration), their confirmed
devices and codes are copied over, encrypted, and the old tables are dropped so no clear copy
is left behind. A new database never had them.
"""

import bankcrm.common.fields
import bankcrm.org.models
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


LEGACY_TABLES = ("otp_static_statictoken", "otp_static_staticdevice", "otp_totp_totpdevice")


def copy_legacy_devices(apps, schema_editor):
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    if "otp_totp_totpdevice" not in existing:
        return
    Authenticator = apps.get_model("org", "Authenticator")
    RecoveryCodes = apps.get_model("org", "RecoveryCodes")
    RecoveryCode = apps.get_model("org", "RecoveryCode")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT user_id, name, key, drift, last_t FROM otp_totp_totpdevice"
            " WHERE confirmed = %s",
            [True],
        )
        for user_id, name, key, drift, last_t in cursor.fetchall():
            Authenticator.objects.create(
                user_id=user_id, name=name, key=key, drift=drift, last_t=last_t, confirmed=True
            )
        if "otp_static_staticdevice" in existing:
            cursor.execute(
                "SELECT d.user_id, t.token FROM otp_static_statictoken t"
                " JOIN otp_static_staticdevice d ON d.id = t.device_id WHERE d.confirmed = %s",
                [True],
            )
            devices = {}
            for user_id, token in cursor.fetchall():
                if user_id not in devices:
                    devices[user_id] = RecoveryCodes.objects.create(
                        user_id=user_id, name="recovery codes", confirmed=True
                    )
                RecoveryCode.objects.create(device=devices[user_id], code=token)
    for table in LEGACY_TABLES:
        if table in existing:
            schema_editor.execute(f"DROP TABLE {schema_editor.quote_name(table)}")
    schema_editor.execute("DELETE FROM django_migrations WHERE app IN ('otp_totp', 'otp_static')")


class Migration(migrations.Migration):
    dependencies = [
        ("org", "0002_api_token_narrowing"),
    ]

    operations = [
        migrations.CreateModel(
            name="Authenticator",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "key",
                    bankcrm.common.fields.EncryptedTextField(
                        default=bankcrm.org.models.new_totp_key
                    ),
                ),
                ("drift", models.SmallIntegerField(default=0)),
                ("last_t", models.BigIntegerField(default=-1)),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "authenticator",
                "verbose_name_plural": "authenticators",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCodes",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "name",
                    models.CharField(
                        help_text="The human-readable name of this device.", max_length=64
                    ),
                ),
                (
                    "confirmed",
                    models.BooleanField(default=True, help_text="Is this device ready for use?"),
                ),
                (
                    "throttling_failure_timestamp",
                    models.DateTimeField(
                        blank=True,
                        default=None,
                        help_text="A timestamp of the last failed verification attempt. Null if last attempt succeeded.",
                        null=True,
                    ),
                ),
                (
                    "throttling_failure_count",
                    models.PositiveIntegerField(
                        default=0, help_text="Number of successive failed attempts."
                    ),
                ),
                (
                    "created_at",
                    models.DateTimeField(
                        auto_now_add=True,
                        help_text="The date and time when this device was initially created in the system.",
                        null=True,
                    ),
                ),
                (
                    "last_used_at",
                    models.DateTimeField(
                        blank=True,
                        help_text="The most recent date and time this device was used.",
                        null=True,
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        help_text="The user that this device belongs to.",
                        on_delete=django.db.models.deletion.CASCADE,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "recovery codes",
                "verbose_name_plural": "recovery codes",
                "abstract": False,
            },
        ),
        migrations.CreateModel(
            name="RecoveryCode",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", bankcrm.common.fields.EncryptedTextField()),
                (
                    "device",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="codes",
                        to="org.recoverycodes",
                    ),
                ),
            ],
        ),
        migrations.RunPython(copy_legacy_devices, migrations.RunPython.noop),
    ]
