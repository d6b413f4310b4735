from django.urls import path

from bankcrm.org import auth_views, views

# No app_name: settings.LOGIN_URL and LOGIN_REDIRECT_URL name "login" and "workbench" directly,
# and Django's password-reset views reverse their own names ("password_reset_confirm", ...).
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("login/", auth_views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.StaffLogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="language"),
    path("login/verify/", auth_views.mfa_verify_view, name="mfa_verify"),
    path("account/", auth_views.account_view, name="account"),
    path("account/authenticator/", auth_views.mfa_enrol_view, name="mfa_enrol"),
    path("account/recovery-codes/", auth_views.mfa_recovery_codes_view, name="mfa_recovery_codes"),
    path("account/password/", auth_views.StaffPasswordChangeView.as_view(), name="password_change"),
    path("password-reset/", auth_views.StaffPasswordResetView.as_view(), name="password_reset"),
    path(
        "password-reset/sent/",
        auth_views.StaffPasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password-reset/<uidb64>/<token>/",
        auth_views.StaffPasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password-reset/complete/",
        auth_views.StaffPasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
