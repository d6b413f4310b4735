from django.urls import path

from bankcrm.analytics import report_views, views

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
    # The 7P reports and the dashboard (issue 5): every figure within the viewer's scope.
    path("reports/", report_views.dashboard, name="report_dashboard"),
    path("reports/profiling/", report_views.profiling, name="report_profiling"),
    path("reports/persistency/", report_views.persistency, name="report_persistency"),
    path("reports/profitability/", report_views.profitability, name="report_profitability"),
    path("reports/performance/", report_views.performance, name="report_performance"),
    path("reports/prospecting/", report_views.prospecting, name="report_prospecting"),
    path("reports/product/", report_views.product, name="report_product"),
    path("reports/customers/", report_views.report_customers, name="report_customers"),
    path(
        "reports/<slug:page>/export/",
        report_views.report_export_view,
        name="report_export",
    ),
    path(
        "reports/<slug:page>/recompute/",
        report_views.report_recompute_view,
        name="report_recompute",
    ),
]
