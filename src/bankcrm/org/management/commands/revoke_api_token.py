"""Revoke an API token by the start of it (its prefix, as shown when it was created)."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bankcrm.org.services import api_token_revoke_by_prefix


class Command(BaseCommand):
    help = (
        "Revoke the API token whose first characters are PREFIX (at least 8, e.g. bcrm_AbC1234; "
        "the admin site lists prefixes). It stops working at once. Audited."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("prefix")

    def handle(self, *args, prefix: str, **options) -> None:
        try:
            revoked = api_token_revoke_by_prefix(prefix=prefix)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        if not revoked:
            raise CommandError(f"No live token starts with {prefix!r}.")
        for token in revoked:
            self.stdout.write(f"Revoked {token.prefix}… ({token.name}, {token.staff.username}).")
