"""Who is calling: an API token (system integration) or a signed-in browser session.

Either way the caller acts as one member of staff, with that staff member's role permissions and
row-level scope (a token may be narrowed to a smaller role and a branch: api_token_actor);
`request.auth` is the Staff object every endpoint passes to services/selectors.
"""

from typing import Any

from django.http import HttpRequest
from django.utils import translation
from ninja.security import HttpBearer, SessionAuth

from bankcrm.org.selectors import api_token_active, api_token_actor
from bankcrm.org.services import api_token_digest, api_token_mark_used

# Longer than any token we issue: refuse before hashing arbitrary payloads.
_MAX_TOKEN_LENGTH = 200


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`. Wrong, expired or revoked tokens and inactive staff: 401."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        token = token.strip()
        if not token or len(token) > _MAX_TOKEN_LENGTH:
            return None
        record = api_token_active(digest=api_token_digest(token))
        if record is None:
            return None
        api_token_mark_used(token=record)
        staff = api_token_actor(record)  # the staff member, or the token's narrowed view
        request.user = staff
        request.api_token = record  # type: ignore[attr-defined]
        if not request.headers.get("Accept-Language") and staff.language:
            # Messages in the staff member's language unless the client asks for another.
            translation.activate(staff.language)
            request.LANGUAGE_CODE = staff.language  # type: ignore[attr-defined]
        return staff


class StaffSessionAuth(SessionAuth):
    """A signed-in browser (e.g. the /api/docs page), with CSRF checked on unsafe methods.

    Only consulted when no Authorization header is sent, so a client with a bad token gets 401,
    never a CSRF failure from the session fallback.
    """

    def __call__(self, request: HttpRequest) -> Any:
        if request.headers.get("Authorization"):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        if getattr(request, "second_factor_pending", False):
            return None  # signed in with a password only: the second factor is still owed
        return super().__call__(request)
