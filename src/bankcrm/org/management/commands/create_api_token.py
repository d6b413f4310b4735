"""Issue an API token for system integration; the token is printed once and never stored."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from bankcrm.org.models import Branch, Staff
from bankcrm.org.services import api_token_create


class Command(BaseCommand):
    help = (
        "Create an API token acting as a member of staff (same permissions and scope, or "
        "narrower with --role and --branch). The token is printed once: only its SHA-256 "
        "digest is stored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", required=True, help="The staff member it acts as.")
        parser.add_argument("--name", required=True, help="The system that will use it.")
        parser.add_argument(
            "--days", type=int, default=None, help="Days until it expires (default: settings)."
        )
        parser.add_argument(
            "--role",
            default="",
            help="Act with this role (its permissions must be within the staff member's).",
        )
        parser.add_argument(
            "--branch",
            default="",
            help="Branch code: see only this branch and its sub-branches (within the staff "
            "member's scope).",
        )

    def handle(
        self,
        *args,
        username: str,
        name: str,
        days: int | None,
        role: str,
        branch: str,
        **options,
    ) -> None:
        staff = Staff.objects.filter(username=username).first()
        if staff is None:
            raise CommandError(f"No staff member with username {username!r}.")
        narrowed_branch = None
        if branch:
            narrowed_branch = Branch.objects.filter(code=branch).first()
            if narrowed_branch is None:
                raise CommandError(f"No branch with code {branch!r}.")
        try:
            token, raw = api_token_create(
                staff=staff, name=name, days=days, role=role, branch=narrowed_branch
            )
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stdout.write(raw)
        self.stderr.write(
            f"Token {token.prefix}… for {staff.username} ({name})"
            + (f", role {token.role}" if token.role else "")
            + (f", branch {branch}" if branch else "")
            + ", expires "
            + f"{token.expires_at:%Y-%m-%d %H:%M} UTC. It is shown only this once: store it now."
        )
