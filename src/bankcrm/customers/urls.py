from django.urls import path

from bankcrm.customers import views

app_name = "customers"
urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create_view, name="create"),
    path("export/", views.customer_export_view, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit_view, name="edit"),
    path("<int:pk>/reveal/", views.customer_reveal_view, name="reveal"),
    path("<int:pk>/consents/", views.customer_consent_view, name="consents"),
    path("<int:pk>/lifecycle/", views.customer_lifecycle_view, name="lifecycle"),
    path("<int:pk>/assign/", views.customer_assign_view, name="assign"),
]
