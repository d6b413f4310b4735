from django.urls import include, path

urlpatterns = [
    path("api/", include("bankcrm.api.urls")),
    path("", include("bankcrm.org.urls")),
    path("customers/", include("bankcrm.customers.urls")),
    path("", include("bankcrm.interactions.urls")),
]
