"""The REST API: one NinjaAPI assembled from each app's router, versioned under /api/v1/.

OpenAPI at /api/openapi.json, interactive docs at /api/docs (Swagger UI served from
django-ninja's bundled static files, so it works on an offline bank intranet).
"""

from ninja import NinjaAPI
from ninja.openapi.docs import Swagger

from bankcrm.api import errors
from bankcrm.api.auth import StaffSessionAuth, TokenAuth
from bankcrm.customers.api import router as customers_router
from bankcrm.integration.api import router as integration_router
from bankcrm.interactions.api import router as interactions_router
from bankcrm.knowledge.api import router as knowledge_router
from bankcrm.people.api import router as people_router
from bankcrm.products.api import router as products_router
from bankcrm.sales.api import router as sales_router
from bankcrm.segments.api import router as segments_router
from bankcrm.service.api import router as service_router
from bankcrm.surveys.api import router as surveys_router

DESCRIPTION = """
Customer master data, holdings, interactions and tasks of bankcrm.

**Authentication.** System integrations send `Authorization: Bearer <token>`; a token acts as
the member of staff it was issued for (`bankcrm create_api_token --username U --name N`), with
that person's permissions and row-level scope. A signed-in browser may also call the API (this
page does), with the CSRF token on unsafe methods.

**Scope.** Objects outside the caller's scope answer 404, exactly like missing ones.

**Errors** carry a machine code, a human message and field errors:
`{"code": "invalid", "message": "...",
"errors": {"mobile": [{"code": "invalid", "message": "..."}]}}`.
Invalid input answers 422; a stale `version` 409 `conflict`; no permission 403
`permission_denied`; no or bad credentials 401 `not_authenticated`.

**Lists** use cursor pagination: pass the `next_cursor` of a page as `cursor` until it is null.

**Personal data** (ID, mobile, email, account numbers) is returned masked; reveal one field
with POST /api/v1/customers/{id}/reveal and a reason (audited). Search by mobile or ID number
with POST /api/v1/customers/search so the number never appears in a URL.
"""

api = NinjaAPI(
    title="bankcrm API",
    version="1",
    description=DESCRIPTION,
    auth=[TokenAuth(), StaffSessionAuth()],
    # validatorUrl None: Swagger UI must not call the public validator service (offline).
    docs=Swagger(settings={"validatorUrl": None, "persistAuthorization": False}),
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)
errors.register(api)

api.add_router("/v1/", customers_router)
api.add_router("/v1/", products_router)
api.add_router("/v1/", interactions_router)
api.add_router("/v1/", integration_router)
api.add_router("/v1/", segments_router)
api.add_router("/v1/", sales_router)
api.add_router("/v1/", service_router)
api.add_router("/v1/", people_router)
api.add_router("/v1/", surveys_router)
api.add_router("/v1/", knowledge_router)
