from django.urls import path

from bankcrm.sales import views

app_name = "sales"
urlpatterns = [
    path("leads/", views.lead_list, name="leads"),
    path("leads/new/", views.lead_create_view, name="lead_create"),
    path("leads/import/", views.lead_import_view, name="lead_import"),
    path("leads/<int:pk>/", views.lead_detail, name="lead_detail"),
    path("leads/<int:pk>/follow-up/", views.lead_follow_up_view, name="lead_follow_up"),
    path("leads/<int:pk>/assign/", views.lead_assign_view, name="lead_assign"),
    path("leads/<int:pk>/convert/", views.lead_convert_view, name="lead_convert"),
    path("leads/<int:pk>/reveal/", views.lead_reveal_view, name="lead_reveal"),
    path("pool/", views.pool, name="pool"),
    path("pool/leads/<int:pk>/claim/", views.pool_lead_claim, name="pool_lead_claim"),
    path("pool/customers/<int:pk>/claim/", views.pool_customer_claim, name="pool_customer_claim"),
    path("opportunities/", views.opportunity_list, name="opportunities"),
    path("opportunities/board/", views.opportunity_board, name="board"),
    path("opportunities/new/", views.opportunity_create_view, name="opportunity_create"),
    path("opportunities/<int:pk>/", views.opportunity_detail, name="opportunity_detail"),
    path("opportunities/<int:pk>/edit/", views.opportunity_update_view, name="opportunity_edit"),
    path("opportunities/<int:pk>/move/", views.opportunity_move_view, name="opportunity_move"),
    path("opportunities/<int:pk>/quotes/new/", views.quote_create_view, name="quote_create"),
    path("quotes/<int:pk>/status/", views.quote_status_view, name="quote_status"),
    path(
        "opportunities/<int:pk>/contracts/new/",
        views.contract_create_view,
        name="contract_create",
    ),
    path("instalments/<int:pk>/payments/new/", views.payment_create_view, name="payment_create"),
    path("reports/", views.report, name="report"),
]
