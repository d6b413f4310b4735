from django.urls import path, re_path

from bankcrm.api.api import api
from bankcrm.api.errors import not_found_view

urlpatterns = [
    path("", api.urls),
    # Anything else under /api/ answers the API's JSON 404, not the HTML error page.
    re_path(r"^.*$", not_found_view),
]
