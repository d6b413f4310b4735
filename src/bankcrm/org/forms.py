from django import forms
from django.conf import settings
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    """Django's login form: one error message whether the user exists or not."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "username", "autofocus": True}
        )
        self.fields["password"].widget.attrs.update(
            {"class": "form-control", "autocomplete": "current-password"}
        )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("language"), choices=settings.LANGUAGES)
    next = forms.CharField(required=False)


def _styled(form: forms.Form, autocomplete: dict[str, str]) -> None:
    for name, field in form.fields.items():
        field.widget.attrs.setdefault("class", "form-control")
        if name in autocomplete:
            field.widget.attrs["autocomplete"] = autocomplete[name]


class SecondFactorForm(forms.Form):
    """A six-digit code from the authenticator app, or one of the recovery codes."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        widget=forms.TextInput(
            attrs={
                "class": "form-control form-control-lg bk-otp-input",
                "autocomplete": "one-time-code",
                "inputmode": "text",
                "autocapitalize": "off",
                "spellcheck": "false",
                "autofocus": True,
            }
        ),
    )


class StaffPasswordChangeForm(PasswordChangeForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(
            self,
            {
                "old_password": "current-password",
                "new_password1": "new-password",
                "new_password2": "new-password",
            },
        )


class StaffSetPasswordForm(SetPasswordForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self, {"new_password1": "new-password", "new_password2": "new-password"})


class StaffPasswordResetForm(PasswordResetForm):
    """Django's reset form: a message goes only to an active account with that address; the
    page answers the same either way. The page only queues the sending (org/tasks.py); the
    worker calls `deliver`. Each message sent is recorded in the audit trail."""

    subject_template_name = "org/email/password_reset_subject.txt"
    email_template_name = "org/email/password_reset.txt"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _styled(self, {"email": "email"})
        self.sent = 0

    def get_users(self, email):
        """Active accounts with this address, whatever its case (Django's iexact is case
        sensitive on our SQLite, which runs with case_sensitive_like for prefix searches)."""
        from django.db.models.functions import Lower

        from bankcrm.org.models import Staff

        wanted = (email or "").strip().lower()
        candidates = Staff.objects.annotate(address=Lower("email")).filter(
            address=wanted, is_active=True
        )
        return (u for u in candidates if u.has_usable_password() and u.email.lower() == wanted)

    def deliver(self, *, domain: str, use_https: bool) -> int:
        """Send the messages (in the worker). Returns how many went out."""
        self.save(
            domain_override=domain,
            use_https=use_https,
            subject_template_name=self.subject_template_name,
            email_template_name=self.email_template_name,
        )
        return self.sent

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        from bankcrm.org.services import auth_event_record

        super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)
        self.sent += 1
        auth_event_record(action="auth.password_reset_request", staff=context["user"], allowed=True)
