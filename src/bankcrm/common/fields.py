"""Model fields for protected (C2) values: the database only ever sees ciphertext."""

from django.db import models

from bankcrm.common import crypto


class EncryptedTextField(models.TextField):
    """Text encrypted at rest with the configured MultiFernet; empty stays empty.

    Only exact search is possible, and only through a separate blind-index column.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):  # noqa: ARG002
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(value)

    def get_lookup(self, lookup_name):
        # Ciphertext is randomised: any lookup but isnull/exact-empty would silently match nothing.
        if lookup_name not in {"isnull"}:
            return None
        return super().get_lookup(lookup_name)
