from django.urls import path

from bankcrm.messaging import views

app_name = "messaging"
urlpatterns = [
    path("", views.outbox_view, name="outbox"),
    path("<int:pk>/", views.message_detail, name="detail"),
    path("<int:pk>/retry/", views.message_retry_view, name="retry"),
    path("<int:pk>/cancel/", views.message_cancel_view, name="cancel"),
]
