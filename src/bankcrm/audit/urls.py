from django.urls import path

from bankcrm.audit import views

app_name = "audit"
urlpatterns = [
    path("", views.audit_search_view, name="search"),
    path("verify/", views.audit_verify_view, name="verify"),
    path("export/", views.audit_export_view, name="export"),
]
