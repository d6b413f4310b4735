"""Where a request came from, for the audit trail, without threading `request` through services."""

from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str = ""


_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 - frozen


def current_origin() -> Origin:
    return _origin.get()


class AuditOriginMiddleware:
    """Records the client address (REMOTE_ADDR: the proxy sets it, never a client header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set(
            Origin(
                ip=request.META.get("REMOTE_ADDR") or None,
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
