"""Staff sign-in and its second factor, sign-out, lockout, password change and reset.

Every sign-in, failed sign-in, lockout, sign-out and second-factor event is written to the audit
trail here (through org.services.auth_event_record): one place. The admin site has no sign-in
form of its own (org/admin.py sends it here), so the same lockout and second factor guard it.
"""

import time
from base64 import b32encode
from dataclasses import asdict
from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import (
    LoginView,
    LogoutView,
    PasswordChangeView,
    PasswordResetCompleteView,
    PasswordResetConfirmView,
    PasswordResetDoneView,
    PasswordResetView,
)
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from bankcrm.common.masking import mask
from bankcrm.org.forms import (
    LoginForm,
    SecondFactorForm,
    StaffPasswordChangeForm,
    StaffPasswordResetForm,
    StaffSetPasswordForm,
)
from bankcrm.org.middleware import SECOND_FACTOR_SESSION_KEY
from bankcrm.org.models import RecoveryCode, Staff
from bankcrm.org.roles import mfa_required
from bankcrm.org.services import (
    ENROLMENT_CODE_RESEND_SECONDS,
    ENROLMENT_CODE_TRIES,
    EnrolmentCode,
    auth_event_record,
    mfa_enrolment_code_check,
    mfa_enrolment_code_send,
    mfa_recovery_codes_create,
    mfa_totp_confirm,
    mfa_totp_device,
    mfa_totp_start,
    mfa_verify,
    password_reset_request,
    staff_sessions_end,
)


def _safe_next(request: HttpRequest, default: str | None = None) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default or reverse(settings.LOGIN_REDIRECT_URL)


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


# ---------------------------------------------------------------------------------------------
# Sign-in, lockout, sign-out


class StaffLoginView(LoginView):
    """Password first (behind the lockout); then the second factor when the session needs it."""

    template_name = "org/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        staff = form.get_user()
        auth_login(self.request, staff)  # a new session key: no fixation
        needs_second_factor = mfa_required(staff.role) or mfa_totp_device(staff=staff) is not None
        self.request.session[SECOND_FACTOR_SESSION_KEY] = needs_second_factor
        auth_event_record(
            action="auth.login",
            staff=staff,
            allowed=True,
            changes={"second_factor": "pending" if needs_second_factor else "not_required"},
        )
        if needs_second_factor:
            return HttpResponseRedirect(_with_next("mfa_verify", self.get_success_url()))
        return HttpResponseRedirect(self.get_success_url())

    def form_invalid(self, form):
        username = (self.request.POST.get("username") or "").strip()
        if username and self.request.POST.get("password"):
            locked = bool(getattr(self.request, "axes_locked_out", False))
            # The account the username names, if any; what was typed is never stored.
            staff = Staff.objects.filter(username=username[:150]).first()
            auth_event_record(
                action="auth.lockout" if locked else "auth.login_failed",
                staff=staff,
                allowed=False,
            )
        return super().form_invalid(form)


def lockout_response(request: HttpRequest, original_response=None, credentials=None):
    """What django-axes answers once a username and address pair is locked out: the sign-in
    page with one message, the same whether the account exists or not (429)."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    message = ngettext(
        "Too many failed sign-in attempts from this computer. Sign-in with this username is "
        "paused for %(minutes)d minute, or until an administrator lifts the lock.",
        "Too many failed sign-in attempts from this computer. Sign-in with this username is "
        "paused for %(minutes)d minutes, or until an administrator lifts the lock.",
        minutes,
    ) % {"minutes": minutes}
    form = LoginForm(request)
    context = {"form": form, "lockout_message": message, "next": _safe_next(request)}
    return render(request, "org/login.html", context, status=429)


class StaffLogoutView(LogoutView):
    """POST only (Django's LogoutView refuses GET): the session row is deleted on the server."""

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            auth_event_record(action="auth.logout", staff=request.user, allowed=True)
        return super().post(request, *args, **kwargs)


# ---------------------------------------------------------------------------------------------
# Second factor


def _second_factor_given(request: HttpRequest, device) -> None:
    request.session.pop(ENROL_MAILBOX_SESSION_KEY, None)
    django_otp.login(request, device)
    request.session[SECOND_FACTOR_SESSION_KEY] = True
    request.session.cycle_key()  # the session that holds the second factor gets a new key


@login_required
def mfa_verify_view(request: HttpRequest) -> HttpResponse:
    """The second sign-in step: a code from the authenticator app or a recovery code."""
    next_url = _safe_next(request)
    if not getattr(request, "second_factor_pending", False):
        return redirect(next_url)
    if mfa_totp_device(staff=request.user) is None:
        return redirect(_with_next("mfa_enrol", next_url))
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = mfa_verify(staff=request.user, code=form.cleaned_data["code"])
        if check.device is not None:
            _second_factor_given(request, check.device)
            return redirect(next_url)
        if check.wait_seconds:
            form.add_error(None, _wait_message(check.wait_seconds))
        else:
            form.add_error(
                None,
                _(
                    "This code is not valid. Each code works only once: if you have just used "
                    "it, wait for the next one."
                ),
            )
    return render(request, "org/mfa_verify.html", {"form": form, "next": next_url})


def _wait_message(seconds: int, *, new_code: bool = False) -> str:
    if new_code:
        return ngettext(
            "A code was sent a moment ago. Wait %(seconds)d second before asking for another.",
            "A code was sent a moment ago. Wait %(seconds)d seconds before asking for another.",
            seconds,
        ) % {"seconds": seconds}
    return ngettext(
        "Too many wrong codes. Wait %(seconds)d second before trying again.",
        "Too many wrong codes. Wait %(seconds)d seconds before trying again.",
        seconds,
    ) % {"seconds": seconds}


def _grouped(text: str, size: int = 4) -> str:
    return " ".join(text[i : i + size] for i in range(0, len(text), size))


@login_required
def mfa_enrol_view(request: HttpRequest) -> HttpResponse:
    """Set up an authenticator app: scan the QR code (or type the key), confirm with a code.

    Before the second factor only someone with no authenticator yet may set one up (a password
    alone never replaces an existing authenticator); afterwards, this page replaces it.
    """
    staff = request.user
    pending = getattr(request, "second_factor_pending", False)
    next_url = _safe_next(request, default=reverse("account") if not pending else None)
    current = mfa_totp_device(staff=staff)
    if current is not None and pending:
        return redirect(_with_next("mfa_verify", next_url))
    if pending and request.session.get(ENROL_MAILBOX_SESSION_KEY) != staff.pk:
        return _enrolment_mailbox_step(request, staff, next_url)
    device = mfa_totp_start(staff=staff)
    form = SecondFactorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        check = mfa_totp_confirm(staff=staff, device=device, code=form.cleaned_data["code"])
        if check.device is not None:
            _second_factor_given(request, check.device)
            context = {"codes": check.recovery_codes, "next": next_url, "enrolled": True}
            return render(request, "org/mfa_recovery_codes.html", context)
        form.add_error(
            None,
            _wait_message(check.wait_seconds)
            if check.wait_seconds
            else _(
                "This code does not match. Check that the time on your phone is right and "
                "enter the code the app shows now."
            ),
        )
    qr = segno.make(device.config_url, error="m")
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": mark_safe(  # noqa: S308 - segno's own SVG markup, no user input inside
            qr.svg_inline(
                scale=5,
                border=2,
                dark="#212529",
                light="#ffffff",
                omitsize=True,
                title=_("QR code"),
            )
        ),
        "secret": _grouped(b32encode(device.bin_key).decode()),
        "replacing": current is not None,
        "first_step_done": pending,
        "required": mfa_required(staff.role),
    }
    return render(request, "org/mfa_enrol.html", context)


ENROL_CODE_SESSION_KEY = "mfa_enrol_code"
ENROL_MAILBOX_SESSION_KEY = "mfa_enrol_mailbox"


def _enrolment_code_send(request: HttpRequest, staff) -> EnrolmentCode | None:
    sent = mfa_enrolment_code_send(staff=staff)
    if sent is not None:
        request.session[ENROL_CODE_SESSION_KEY] = {**asdict(sent), "tries": 0}
    return sent


def _enrolment_mailbox_step(request: HttpRequest, staff, next_url: str) -> HttpResponse:
    """Before the first authenticator is set up with only a password: a code e-mailed to the
    address on file proves the mailbox too (org.services.mfa_enrolment_code_send)."""
    stored = request.session.get(ENROL_CODE_SESSION_KEY)
    sent = EnrolmentCode(stored["digest"], stored["sent_at"]) if stored else None
    form = SecondFactorForm(request.POST if "code" in request.POST else None)
    if not staff.email:
        pass  # the page says that an administrator must add an address
    elif request.method == "POST" and "resend" in request.POST:
        waited = time.time() - sent.sent_at if sent else ENROLMENT_CODE_RESEND_SECONDS
        if waited >= ENROLMENT_CODE_RESEND_SECONDS:
            _enrolment_code_send(request, staff)
            messages.info(request, _("A new set-up code is on its way."))
        else:
            wait = int(ENROLMENT_CODE_RESEND_SECONDS - waited) + 1
            messages.warning(request, _wait_message(wait, new_code=True))
        return redirect(_with_next("mfa_enrol", next_url))
    elif request.method == "POST" and sent is not None and form.is_valid():
        if stored["tries"] >= ENROLMENT_CODE_TRIES:
            form.add_error(None, _("Too many wrong set-up codes. Ask for a new code."))
        elif mfa_enrolment_code_check(staff=staff, sent=sent, code=form.cleaned_data["code"]):
            del request.session[ENROL_CODE_SESSION_KEY]
            request.session[ENROL_MAILBOX_SESSION_KEY] = staff.pk
            return redirect(_with_next("mfa_enrol", next_url))
        else:
            request.session[ENROL_CODE_SESSION_KEY] = {**stored, "tries": stored["tries"] + 1}
            form.add_error(
                None,
                _(
                    "This set-up code is not right or has expired. Check the latest message, "
                    "or ask for a new code."
                ),
            )
    elif sent is None:
        sent = _enrolment_code_send(request, staff)
    context = {
        "form": form,
        "next": next_url,
        "masked_email": mask("email", staff.email) if staff.email else "",
        "required": mfa_required(staff.role),
    }
    return render(request, "org/mfa_enrol_mailbox.html", context)


@login_required
@require_POST
def mfa_recovery_codes_view(request: HttpRequest) -> HttpResponse:
    """New recovery codes (the old ones stop working), shown once."""
    if mfa_totp_device(staff=request.user) is None:
        return redirect("account")
    codes = mfa_recovery_codes_create(staff=request.user)
    context = {"codes": codes, "next": reverse("account"), "enrolled": False}
    return render(request, "org/mfa_recovery_codes.html", context)


@login_required
def account_view(request: HttpRequest) -> HttpResponse:
    """The staff member's own security page: password, authenticator, recovery codes."""
    staff = request.user
    device = mfa_totp_device(staff=staff)
    context = {
        "device": device,
        "mfa_required": mfa_required(staff.role),
        "recovery_codes_left": RecoveryCode.objects.filter(
            device__user=staff, device__confirmed=True
        ).count(),
    }
    return render(request, "org/account.html", context)


# ---------------------------------------------------------------------------------------------
# Passwords


class StaffPasswordChangeView(PasswordChangeView):
    template_name = "org/password_change.html"
    form_class = StaffPasswordChangeForm
    success_url = reverse_lazy("account")

    def form_valid(self, form):
        form.save()
        update_session_auth_hash(self.request, form.user)  # this session stays, with a new key
        ended = staff_sessions_end(staff=form.user, keep=self.request.session.session_key)
        auth_event_record(
            action="auth.password_change",
            staff=form.user,
            allowed=True,
            changes={"sessions_ended": ended},
        )
        messages.success(
            self.request, _("Your password is changed. Your other sessions are signed out.")
        )
        return HttpResponseRedirect(self.get_success_url())


class StaffPasswordResetView(PasswordResetView):
    """Asks for the e-mail address; answers the same whether an account has it or not."""

    template_name = "org/password_reset.html"
    form_class = StaffPasswordResetForm
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        """Queue the sending, whatever the address: the answer does the same work, and takes
        the same time, for an address with an account as for one without (org/tasks.py)."""
        password_reset_request(
            email=form.cleaned_data["email"],
            domain=self.request.get_host(),
            use_https=self.request.is_secure(),
            language=translation.get_language() or settings.LANGUAGE_CODE,
        )
        return HttpResponseRedirect(self.get_success_url())


class StaffPasswordResetDoneView(PasswordResetDoneView):
    template_name = "org/password_reset_done.html"


class StaffPasswordResetConfirmView(PasswordResetConfirmView):
    """The link from the e-mail. Django moves the token out of the URL into the session at
    once. The new password follows the same rules; it does not sign in: the second factor is
    still asked at the next sign-in."""

    template_name = "org/password_reset_confirm.html"
    form_class = StaffSetPasswordForm
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        ended = staff_sessions_end(staff=form.user)
        auth_event_record(
            action="auth.password_reset",
            staff=form.user,
            allowed=True,
            changes={"sessions_ended": ended},
        )
        return response


class StaffPasswordResetCompleteView(PasswordResetCompleteView):
    template_name = "org/password_reset_complete.html"
