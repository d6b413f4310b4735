from django.urls import path

from bankcrm.analytics import views

app_name = "analytics"
urlpatterns = [
    path("customers/<int:pk>/activity/", views.customer_activity, name="customer_activity"),
    path("customers/<int:pk>/values/", views.customer_values, name="customer_values"),
    path("values/", views.values_runs, name="values"),
    path("values/refresh/", views.values_refresh_start, name="values_refresh"),
    path(
        "customers/<int:pk>/transactions/",
        views.customer_transactions,
        name="customer_transactions",
    ),
]
