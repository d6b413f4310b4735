import time

from django.conf import settings
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import resolve_url
from django.utils import translation

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
