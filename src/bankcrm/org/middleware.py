import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import resolve_url
from django.urls import Resolver404, resolve, reverse
from django.utils import translation

from bankcrm.org.roles import mfa_required

# The last-seen time is written at most this often, so reading pages does not write the
# session on every request; the idle timeout is accurate to this many seconds.
LAST_SEEN_RESOLUTION = 30


class StaffSessionMiddleware:
    """Ends a session idle longer than SESSION_IDLE_TIMEOUT seconds; applies the staff language.

    Runs after authentication, so the staff member's own language wins over the browser's.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last = request.session.get("last_seen")
            if last is not None and now - int(last) > settings.SESSION_IDLE_TIMEOUT:
                from bankcrm.org.services import auth_event_record

                auth_event_record(action="auth.session_idle", staff=user, allowed=True)
                logout(request)
                return self._signed_out(request)
            if last is None or now - int(last) >= LAST_SEEN_RESOLUTION:
                request.session["last_seen"] = now
            language = getattr(user, "language", None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)

    def _signed_out(self, request):
        if request.path.startswith("/api/"):
            # The API answers an anonymous caller itself: 401 with its error body.
            return self.get_response(request)
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        return redirect_to_login(request.get_full_path())


# Set at sign-in when the staff member has an authenticator (so a role that may opt in, and did,
# is asked too); roles in roles.mfa_required are asked whatever the session says.
SECOND_FACTOR_SESSION_KEY = "second_factor"
# What a signed-in member of staff may reach before the second factor: the code and set-up
# pages, sign-out and the language switch.
_BEFORE_SECOND_FACTOR = {"mfa_verify", "mfa_enrol", "logout", "language"}


def second_factor_pending(request) -> bool:
    """Signed in with a password, but the second factor this session needs is not given yet."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return False
    if user.is_verified():
        return False
    return mfa_required(user.role) or bool(request.session.get(SECOND_FACTOR_SESSION_KEY))


class SecondFactorMiddleware:
    """Until the second factor is given, every page sends the staff member to it (or to set
    one up, when their role needs one and they have none); the API's session login answers 401
    (api/auth.py). The admin site is behind the same session. API tokens are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.second_factor_pending = second_factor_pending(request)
        if not request.second_factor_pending or request.path.startswith("/api/"):
            return self.get_response(request)
        match = getattr(request, "resolver_match", None) or _resolve(request.path_info)
        if match is not None and match.url_name in _BEFORE_SECOND_FACTOR:
            return self.get_response(request)
        target = f"{reverse('mfa_verify')}?{urlencode({'next': request.get_full_path()})}"
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)


def _resolve(path: str):
    try:
        return resolve(path)
    except Resolver404:
        return None
