from django.urls import path

from bankcrm.people import views

app_name = "people"
urlpatterns = [
    path("", views.home, name="home"),
    path("performance/", views.performance, name="performance"),
    path("performance/me/", views.my_performance, name="my_performance"),
    path("performance/staff/<int:pk>/", views.staff_performance, name="staff_performance"),
    path("targets/", views.targets, name="targets"),
    path("training/", views.catalogue, name="catalogue"),
    path("training/new/", views.course_edit, name="course_create"),
    path("training/report/", views.report, name="report"),
    path("training/<int:pk>/", views.course, name="course"),
    path("training/<int:pk>/edit/", views.course_edit, name="course_edit"),
    path("training/<int:pk>/assign/", views.assign, name="assign"),
    path("training/<int:pk>/quiz/", views.quiz_submit, name="quiz_submit"),
    path("training/<int:pk>/complete/", views.course_complete, name="course_complete"),
    path("training/<int:pk>/materials/new/", views.material_add, name="material_add"),
    path("training/<int:pk>/questions/new/", views.question_add, name="question_add"),
    path("training/materials/<int:pk>/", views.material, name="material"),
    path("training/materials/<int:pk>/file/", views.material_file, name="material_file"),
    path("training/materials/<int:pk>/delete/", views.material_delete, name="material_delete"),
    path("training/questions/<int:pk>/delete/", views.question_delete, name="question_delete"),
]
