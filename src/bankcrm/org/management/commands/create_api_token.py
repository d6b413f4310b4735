"""Issue an API token for system integration; the token is printed once and never stored."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bankcrm.org.models import Staff
from bankcrm.org.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token acting as a member of staff (same permissions and scope). "
        "The token is printed once: only its SHA-256 digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="The staff member it acts as.")
        parser.add_argument("--name", required=True, help="The system that will use it.")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until it expires (default: settings)."
        )

    def handle(self, *args, username: str, name: str, days: int | None, **options) -> None:
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            raise CommandError(f"No staff member with username {username!r}.")
        try:
            token, raw = api_token_create(staff=staff, name=name, days=days)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.prefix}… for {staff.username} ({name}), expires "
            f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once: store it now."
        )
