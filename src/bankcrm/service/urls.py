from django.urls import path

from bankcrm.service import views

app_name = "service"
urlpatterns = [
    path("", views.case_list_view, name="list"),
    path("new/", views.case_create_view, name="create"),
    path("dashboard/", views.dashboard_view, name="dashboard"),
    path("<int:pk>/", views.case_view, name="case"),
    path("<int:pk>/transition/", views.case_transition_view, name="transition"),
    path("<int:pk>/comment/", views.case_comment_view, name="comment"),
    path("<int:pk>/attach/", views.case_attach_view, name="attach"),
    path("<int:pk>/attachments/<int:attachment_pk>/", views.attachment_view, name="attachment"),
    path("<int:pk>/escalate/", views.case_escalate_view, name="escalate"),
    path("<int:pk>/assign/", views.case_assign_view, name="assign"),
]
