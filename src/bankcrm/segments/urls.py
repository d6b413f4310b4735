from django.urls import path

from bankcrm.segments import views

app_name = "segments"
urlpatterns = [
    path("", views.segment_list, name="list"),
    path("new/", views.segment_create_view, name="create"),
    path("preview/", views.segment_preview_view, name="preview"),
    path("<int:pk>/", views.segment_detail, name="detail"),
    path("<int:pk>/edit/", views.segment_edit_view, name="edit"),
    path("<int:pk>/members/", views.segment_members_view, name="members"),
    path("<int:pk>/changes/", views.segment_changes_view, name="changes"),
    path("<int:pk>/refresh/", views.segment_refresh_view, name="refresh"),
    path("<int:pk>/refresh/state/", views.segment_refresh_state_view, name="refresh_state"),
    path("<int:pk>/archive/", views.segment_archive_view, name="archive"),
    path("<int:pk>/export/", views.segment_export_view, name="export"),
]
