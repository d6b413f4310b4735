import time

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.utils import translation


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
                return redirect(settings.LOGIN_URL)
            request.session["last_seen"] = now
            language = getattr(user, "language", None)
            if language:
                translation.activate(language)
                request.LANGUAGE_CODE = language
        return self.get_response(request)
