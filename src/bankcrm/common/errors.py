"""Errors that services raise and every entry point (page, API, command) turns into a message."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _


class ConflictError(Exception):
    """Someone else saved the record since it was read; nothing was changed."""

    code = "conflict"

    def __init__(self, message: str | None = None):
        self.message = message or _(
            "Someone else changed this record after you opened it. Nothing was saved: "
            "reload to see their change, then apply yours again."
        )
        super().__init__(str(self.message))


def ensure_perm(actor, perm: str) -> None:
    """Raise PermissionDenied unless the actor's role grants `perm`."""
    if not actor.has_perm(perm):
        raise PermissionDenied(perm)
