from django.urls import path

from bankcrm.interactions import views

app_name = "interactions"
urlpatterns = [
    path(
        "customers/<int:pk>/interactions/new/",
        views.interaction_create_view,
        name="create",
    ),
    path("customers/<int:pk>/tasks/new/", views.task_create_view, name="task_create"),
    path("tasks/<int:pk>/complete/", views.task_complete_view, name="task_complete"),
]
