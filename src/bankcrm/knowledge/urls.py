from django.urls import path

from bankcrm.knowledge import views

app_name = "knowledge"
urlpatterns = [
    path("", views.search_view, name="search"),
    path("panel/", views.panel_view, name="panel"),
    path("manage/", views.editor_list_view, name="editor_list"),
    path("manage/new/", views.article_create_view, name="create"),
    path("review/", views.review_queue_view, name="review_queue"),
    path("<int:pk>/", views.article_view, name="article"),
    path("<int:pk>/feedback/", views.feedback_view, name="feedback"),
    path("<int:pk>/edit/", views.article_edit_view, name="edit"),
    path("<int:pk>/submit/", views.article_submit_view, name="submit"),
    path("<int:pk>/approve/", views.article_approve_view, name="approve"),
    path("<int:pk>/reject/", views.article_reject_view, name="reject"),
    path("<int:pk>/retire/", views.article_retire_view, name="retire"),
    path("<int:pk>/reviewed/", views.article_reviewed_view, name="reviewed"),
    path("<int:pk>/history/", views.article_history_view, name="history"),
]
