"""Where a request came from, for the audit trail, without threading `request` through services."""

import ipaddress
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Origin:
    ip: str | None = None
    user_agent: str = ""


_origin: ContextVar[Origin] = ContextVar("audit_origin", default=Origin())  # noqa: B039 - frozen


def current_origin() -> Origin:
    return _origin.get()


def client_address(request) -> str | None:
    """The client's address, for the audit trail and the sign-in lockout (django-axes).

    REMOTE_ADDR, unless settings.TRUSTED_PROXIES reverse proxies stand in front: then the
    address the outermost of them saw, which is the entry that many places from the right of
    X-Forwarded-For (each proxy appends the address it received the request from). Entries to
    the left of it are whatever the client sent and are never read, so a forged header neither
    escapes a lockout nor locks anyone else out. With fewer entries than proxies (the request
    did not come through all of them), REMOTE_ADDR.
    """
    from django.conf import settings

    remote = request.META.get("REMOTE_ADDR") or None
    proxies = getattr(settings, "TRUSTED_PROXIES", 0)
    if proxies <= 0:
        return remote
    chain = [
        part.strip()
        for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
        if part.strip()
    ]
    if len(chain) < proxies:
        return remote
    candidate = chain[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


class AuditOriginMiddleware:
    """Records the client address (client_address: never a client-supplied header)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _origin.set(
            Origin(
                ip=client_address(request),
                user_agent=request.META.get("HTTP_USER_AGENT", "")[:255],
            )
        )
        try:
            return self.get_response(request)
        finally:
            _origin.reset(token)
