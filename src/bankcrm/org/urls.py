from django.urls import path

from bankcrm.org import views

# No app_name: settings.LOGIN_URL and LOGIN_REDIRECT_URL name "login" and "workbench" directly.
urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", views.StaffLogoutView.as_view(), name="logout"),
    path("language/", views.language_set, name="language"),
]
