from django.urls import path

from bankcrm.surveys import views

app_name = "surveys"
urlpatterns = [
    path("", views.survey_results, name="results"),
    path("list/", views.survey_list, name="list"),
    path("<int:pk>/", views.survey_detail, name="detail"),
    # Public: the customer's answer page, opened from the invitation (no sign-in).
    path("r/<str:token>/", views.survey_answer_view, name="answer"),
]
