from django.urls import include, path

from bankcrm.org.admin import site as admin_site

urlpatterns = [
    path("admin/", admin_site.urls),
    path("api/", include("bankcrm.api.urls")),
    path("", include("bankcrm.org.urls")),
    path("customers/", include("bankcrm.customers.urls")),
    path("audit/", include("bankcrm.audit.urls")),
    path("segments/", include("bankcrm.segments.urls")),
    path("messaging/", include("bankcrm.messaging.urls")),
    path("sales/", include("bankcrm.sales.urls")),
    path("service/", include("bankcrm.service.urls")),
    path("people/", include("bankcrm.people.urls")),
    path("surveys/", include("bankcrm.surveys.urls")),
    path("knowledge/", include("bankcrm.knowledge.urls")),
    path("", include("bankcrm.analytics.urls")),
    path("", include("bankcrm.interactions.urls")),
]
