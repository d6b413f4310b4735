"""A security suite that cannot forget a URL.

Every route of the URL configuration, and every operation of the OpenAPI document, has a
decision below: who may call it and what anyone else gets. A route or operation added without
a decision fails `test_every_route_has_a_decision` / `test_every_api_operation_has_a_decision`.
Then, for each one: anonymous callers are sent to sign in (pages, admin) or get 401 (API); a
signed-in member of staff whose role lacks the permission gets 403, or 404 / an empty list
where the permission is the one to see the objects at all (so nothing tells them apart from
missing ones). Out-of-scope objects (another branch, another RM) answering 404 and staying
unchanged is tested route by route in test_api_scoping.py and test_views_scoping.py, whose
request lists are reused here; exports, counts and searches are covered at the end.
"""

import re
from dataclasses import dataclass
from datetime import date

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.selectors import book_summary
from bankcrm.org.models import Staff
from bankcrm.org.roles import PERMISSIONS
from tests import factories
from tests.api_support import Api
from tests.test_api_scoping import ENDPOINTS, _call, _snapshot, book  # noqa: F401 - fixture
from tests.test_views_scoping import _requests, task  # noqa: F401 - fixture

PUBLIC, PAGE, API, ADMIN = "public", "page", "api", "admin"


@dataclass(frozen=True)
class Decision:
    kind: str
    perm: str | None = None  # None: being signed in is enough (the content is still scoped)
    why: str = ""


ADMIN_PERM = "org.manage_staff"
ADMIN_MODELS = (
    ["org/branch", "org/team", "org/staff", "org/apitoken", "customers/tag"]
    + ["products/product"]
    + [f"sales/{m}" for m in ("productline", "poolsetting", "assignmentrule")]
    + [f"service/{m}" for m in ("category", "slapolicy", "workinghours", "calendarday")]
    + ["service/assignmentrule"]
)

# Every route of the URL configuration (as Django prints its pattern) and its decision.
ROUTES: dict[str, Decision] = {
    # Public: the short allow-list.
    "login/": Decision(PUBLIC, why="the sign-in page"),
    "logout/": Decision(PUBLIC, why="POST only; ends whatever session there is"),
    "language/": Decision(PUBLIC, why="the sign-in page's language switch (a cookie)"),
    "admin/login/": Decision(PUBLIC, why="sends to the staff sign-in page (/login/)"),
    "admin/logout/": Decision(PUBLIC, why="POST only; ends whatever admin session there is"),
    "api/openapi.json": Decision(PUBLIC, why="the API's description, no data"),
    "api/docs": Decision(PUBLIC, why="Swagger UI: calls still need credentials"),
    "api/": Decision(PUBLIC, why="ninja's API root: answers 404"),
    "api/^.*$": Decision(PUBLIC, why="unknown API paths: JSON 404 for everyone"),
    "password-reset/": Decision(PUBLIC, why="asks for an address; same answer for every one"),
    "password-reset/sent/": Decision(PUBLIC, why="the same page whatever was asked"),
    "password-reset/<uidb64>/<token>/": Decision(PUBLIC, why="works only with a valid token"),
    "password-reset/complete/": Decision(PUBLIC, why="says the password is set; no data"),
    # Signed in: the second sign-in step and the staff member's own security page.
    "login/verify/": Decision(PAGE, why="the code after the password (second factor)"),
    "account/": Decision(PAGE, why="the staff member's own sign-in and security page"),
    "account/authenticator/": Decision(PAGE, why="sets up the staff member's own authenticator"),
    "account/recovery-codes/": Decision(PAGE, why="new recovery codes for oneself (POST)"),
    "account/password/": Decision(PAGE, why="changes one's own password"),
    # The auditor's pages.
    "audit/": Decision(PAGE, "audit.view_auditevent"),
    "audit/verify/": Decision(PAGE, "audit.view_auditevent"),
    "audit/export/": Decision(PAGE, "audit.view_auditevent"),
    # Staff pages.
    "": Decision(PAGE, why="the workbench: the actor's own book"),
    "customers/": Decision(PAGE, "customers.view_customer"),
    "customers/new/": Decision(PAGE, "customers.add_customer"),
    "customers/export/": Decision(PAGE, "customers.export_customer"),
    "customers/<int:pk>/": Decision(PAGE, "customers.view_customer"),
    "customers/<int:pk>/edit/": Decision(PAGE, "customers.change_customer"),
    "customers/<int:pk>/reveal/": Decision(PAGE, "customers.reveal_customer"),
    "customers/<int:pk>/consents/": Decision(PAGE, "customers.change_consent"),
    "customers/<int:pk>/lifecycle/": Decision(PAGE, "customers.change_lifecycle"),
    "customers/<int:pk>/assign/": Decision(PAGE, "customers.assign_customer"),
    "customers/<int:pk>/activity/": Decision(PAGE, "customers.view_customer"),
    "customers/<int:pk>/transactions/": Decision(PAGE, "customers.view_customer"),
    "customers/<int:pk>/values/": Decision(PAGE, "customers.view_customer"),
    "values/": Decision(PAGE, "analytics.refresh_values"),
    "values/refresh/": Decision(PAGE, "analytics.refresh_values"),
    # The 7P reports and dashboards: every figure counted within the viewer's scope.
    "reports/": Decision(PAGE, "analytics.view_reports"),
    "reports/profiling/": Decision(PAGE, "analytics.view_reports"),
    "reports/persistency/": Decision(PAGE, "analytics.view_reports"),
    "reports/profitability/": Decision(PAGE, "analytics.view_reports"),
    "reports/performance/": Decision(PAGE, "analytics.view_reports"),
    "reports/prospecting/": Decision(PAGE, "analytics.view_reports"),
    "reports/product/": Decision(PAGE, "analytics.view_reports"),
    "reports/customers/": Decision(PAGE, "analytics.view_reports"),
    "reports/<slug:page>/export/": Decision(PAGE, "analytics.view_reports"),
    "reports/<slug:page>/recompute/": Decision(PAGE, "analytics.view_reports"),
    "customers/<int:pk>/interactions/new/": Decision(PAGE, "interactions.add_interaction"),
    "customers/<int:pk>/tasks/new/": Decision(PAGE, "interactions.add_task"),
    "tasks/<int:pk>/complete/": Decision(PAGE, "interactions.change_task"),
    # Segments: scoped like customers (another branch's or RM's segment is a 404).
    "segments/": Decision(PAGE, "segments.view_segment"),
    "segments/new/": Decision(PAGE, "segments.add_segment"),
    "segments/preview/": Decision(PAGE, "segments.view_segment"),
    "segments/<int:pk>/": Decision(PAGE, "segments.view_segment"),
    "segments/<int:pk>/edit/": Decision(PAGE, "segments.change_segment"),
    "segments/<int:pk>/members/": Decision(PAGE, "segments.view_segment"),
    "segments/<int:pk>/changes/": Decision(PAGE, "segments.view_segment"),
    "segments/<int:pk>/refresh/": Decision(PAGE, "segments.change_segment"),
    "segments/<int:pk>/refresh/state/": Decision(PAGE, "segments.view_segment"),
    "segments/<int:pk>/archive/": Decision(PAGE, "segments.change_segment"),
    "segments/<int:pk>/export/": Decision(PAGE, "customers.export_customer"),
    # Knowledge base: bank-wide articles (no customer data); drafts and editor pages for
    # editors (change) and approvers only; a reader without the right gets 404 for an article.
    "knowledge/": Decision(PAGE, "knowledge.view_article"),
    "knowledge/panel/": Decision(PAGE, "knowledge.view_article", why="the case page's panel"),
    "knowledge/manage/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/manage/new/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/review/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/<int:pk>/": Decision(PAGE, "knowledge.view_article"),
    "knowledge/<int:pk>/feedback/": Decision(PAGE, "knowledge.view_article"),
    "knowledge/<int:pk>/edit/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/<int:pk>/submit/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/<int:pk>/approve/": Decision(PAGE, "knowledge.approve_article"),
    "knowledge/<int:pk>/reject/": Decision(PAGE, "knowledge.approve_article"),
    "knowledge/<int:pk>/retire/": Decision(PAGE, "knowledge.approve_article"),
    "knowledge/<int:pk>/reviewed/": Decision(PAGE, "knowledge.change_article"),
    "knowledge/<int:pk>/history/": Decision(PAGE, "knowledge.change_article"),
    # Service cases: scoped like customers (branch subtree, an RM's own customers and cases
    # assigned to them); out of scope is a 404; attachments only through the checked view.
    "service/": Decision(PAGE, "service.view_case"),
    "service/new/": Decision(PAGE, "service.add_case"),
    "service/dashboard/": Decision(PAGE, "service.view_service_dashboard"),
    "service/<int:pk>/": Decision(PAGE, "service.view_case"),
    "service/<int:pk>/transition/": Decision(PAGE, "service.change_case"),
    "service/<int:pk>/comment/": Decision(PAGE, "service.change_case"),
    "service/<int:pk>/attach/": Decision(PAGE, "service.change_case"),
    "service/<int:pk>/attachments/<int:attachment_pk>/": Decision(PAGE, "service.view_case"),
    "service/<int:pk>/escalate/": Decision(PAGE, "service.escalate_case"),
    "service/<int:pk>/assign/": Decision(PAGE, "service.assign_case"),
    # The outbox (administrators, branch managers: their customers' messages) and the
    # satisfaction results (scoped to the viewer's customers).
    "messaging/": Decision(PAGE, "messaging.view_message"),
    "messaging/<int:pk>/": Decision(PAGE, "messaging.view_message"),
    "messaging/<int:pk>/retry/": Decision(PAGE, "messaging.retry_message"),
    "messaging/<int:pk>/cancel/": Decision(PAGE, "messaging.retry_message"),
    "surveys/": Decision(PAGE, "surveys.view_survey"),
    "surveys/list/": Decision(PAGE, "surveys.view_survey"),
    "surveys/<int:pk>/": Decision(PAGE, "surveys.view_survey"),
    "surveys/r/<str:token>/": Decision(
        PUBLIC,
        why="the customer's survey answer page: opens only with the 256-bit token of the link "
        "sent to them (only its digest is stored); unknown, answered and expired links get the "
        "same kind of page whatever the guess; it shows nothing about the customer",
    ),
    # People: performance (an RM sees their own figures and the rankings, managers their
    # branch subtree; another's page out of scope is a 404), targets (branch managers, their
    # subtree), training (every role; files only through the permission-checked view).
    "people/": Decision(PAGE, "people.view_course", why="sends to performance or training"),
    "people/performance/": Decision(PAGE, "people.view_performance"),
    "people/performance/me/": Decision(PAGE, "people.view_performance"),
    "people/performance/staff/<int:pk>/": Decision(PAGE, "people.view_performance"),
    "people/targets/": Decision(PAGE, "people.set_target"),
    "people/training/": Decision(PAGE, "people.view_course"),
    "people/training/new/": Decision(PAGE, "people.manage_training"),
    "people/training/report/": Decision(PAGE, "people.view_assignment"),
    "people/training/<int:pk>/": Decision(PAGE, "people.view_course"),
    "people/training/<int:pk>/edit/": Decision(PAGE, "people.manage_training"),
    "people/training/<int:pk>/assign/": Decision(PAGE, "people.assign_training"),
    "people/training/<int:pk>/quiz/": Decision(PAGE, "people.view_course"),
    "people/training/<int:pk>/complete/": Decision(PAGE, "people.view_course"),
    "people/training/<int:pk>/materials/new/": Decision(PAGE, "people.manage_training"),
    "people/training/<int:pk>/questions/new/": Decision(PAGE, "people.manage_training"),
    "people/training/materials/<int:pk>/": Decision(PAGE, "people.view_course"),
    "people/training/materials/<int:pk>/file/": Decision(PAGE, "people.view_course"),
    "people/training/materials/<int:pk>/delete/": Decision(PAGE, "people.manage_training"),
    "people/training/questions/<int:pk>/delete/": Decision(PAGE, "people.manage_training"),
    # Sales: leads (scoped by branch, or an RM's own and referred), the pool (the actor's
    # branch), opportunities (by branch, or an RM's own); out of scope answers 404.
    "sales/leads/": Decision(PAGE, "sales.view_lead"),
    "sales/leads/new/": Decision(PAGE, "sales.add_lead"),
    "sales/leads/import/": Decision(PAGE, "sales.import_lead"),
    "sales/leads/<int:pk>/": Decision(PAGE, "sales.view_lead"),
    "sales/leads/<int:pk>/follow-up/": Decision(PAGE, "sales.change_lead"),
    "sales/leads/<int:pk>/assign/": Decision(PAGE, "sales.assign_lead"),
    "sales/leads/<int:pk>/convert/": Decision(PAGE, "sales.change_lead"),
    "sales/leads/<int:pk>/reveal/": Decision(PAGE, "sales.reveal_lead"),
    "sales/pool/": Decision(PAGE, "sales.view_lead"),
    "sales/pool/leads/<int:pk>/claim/": Decision(PAGE, "sales.claim_lead"),
    "sales/pool/customers/<int:pk>/claim/": Decision(PAGE, "sales.claim_lead"),
    "sales/opportunities/": Decision(PAGE, "sales.view_opportunity"),
    "sales/opportunities/board/": Decision(PAGE, "sales.view_opportunity"),
    "sales/opportunities/new/": Decision(PAGE, "sales.add_opportunity"),
    "sales/opportunities/<int:pk>/": Decision(PAGE, "sales.view_opportunity"),
    "sales/opportunities/<int:pk>/edit/": Decision(PAGE, "sales.change_opportunity"),
    "sales/opportunities/<int:pk>/move/": Decision(PAGE, "sales.change_opportunity"),
    "sales/opportunities/<int:pk>/quotes/new/": Decision(PAGE, "sales.add_quote"),
    "sales/quotes/<int:pk>/status/": Decision(PAGE, "sales.change_quote"),
    "sales/opportunities/<int:pk>/contracts/new/": Decision(PAGE, "sales.add_contract"),
    "sales/instalments/<int:pk>/payments/new/": Decision(PAGE, "sales.add_payment"),
    "sales/reports/": Decision(PAGE, "sales.view_sales_reports"),
    # The REST API: per operation in API_OPERATIONS below.
    **{
        route: Decision(API)
        for route in (
            "api/v1/customers",
            "api/v1/customers/search",
            "api/v1/customers/export",
            "api/v1/customers/<customer_id>",
            "api/v1/customers/<customer_id>/360",
            "api/v1/customers/<customer_id>/reveal",
            "api/v1/customers/<customer_id>/assign",
            "api/v1/customers/<customer_id>/holdings",
            "api/v1/holdings/<holding_id>",
            "api/v1/customers/<customer_id>/interactions",
            "api/v1/interactions/<interaction_id>",
            "api/v1/tasks",
            "api/v1/customers/<customer_id>/tasks",
            "api/v1/tasks/<task_id>",
            "api/v1/ingest/transactions",
            "api/v1/cases",
            "api/v1/cases/<case_id>",
            "api/v1/cases/<case_id>/transition",
            "api/v1/cases/<case_id>/comments",
            "api/v1/segments",
            "api/v1/segments/evaluate",
            "api/v1/segments/<segment_id>",
            "api/v1/segments/<segment_id>/members",
            "api/v1/segments/<segment_id>/refresh",
            "api/v1/knowledge/articles",
            "api/v1/knowledge/articles/<article_id>",
            "api/v1/leads",
            "api/v1/leads/<lead_id>",
            "api/v1/leads/<lead_id>/assign",
            "api/v1/leads/<lead_id>/claim",
            "api/v1/opportunities",
            "api/v1/opportunities/<opportunity_id>",
            "api/v1/opportunities/<opportunity_id>/stage",
            "api/v1/surveys",
            "api/v1/surveys/<survey_id>",
            "api/v1/people/performance",
            "api/v1/people/assignments",
        )
    },
    # The admin site: system administrators only (BankAdminSite.has_permission).
    **{
        route: Decision(ADMIN, ADMIN_PERM)
        for route in (
            "admin/",
            "admin/password_change/",
            "admin/password_change/done/",
            "admin/autocomplete/",
            "admin/jsi18n/",
            "admin/r/<path:content_type_id>/<path:object_id>/",
            "admin/^(?P<app_label>org|customers|products|sales|service)/$",
            "admin/(?P<url>.*)$",
            "admin/org/staff/<id>/password/",
        )
    },
    **{
        f"admin/{model}/{suffix}": Decision(ADMIN, ADMIN_PERM)
        for model in ADMIN_MODELS
        for suffix in (
            "",
            "add/",
            "<path:object_id>/history/",
            "<path:object_id>/delete/",
            "<path:object_id>/change/",
            "<path:object_id>/",
        )
    },
}

# Every API operation: the permission it needs, and what a caller without it gets.
FORBIDDEN, NOT_FOUND, EMPTY = 403, 404, "empty"
API_OPERATIONS: dict[tuple[str, str], tuple[str, object]] = {
    ("get", "/customers"): ("customers.view_customer", EMPTY),
    ("post", "/customers"): ("customers.add_customer", FORBIDDEN),
    ("post", "/customers/search"): ("customers.view_customer", EMPTY),
    ("post", "/customers/export"): ("customers.export_customer", FORBIDDEN),
    ("get", "/customers/{customer_id}"): ("customers.view_customer", NOT_FOUND),
    ("patch", "/customers/{customer_id}"): ("customers.change_customer", FORBIDDEN),
    ("get", "/customers/{customer_id}/360"): ("customers.view_customer", NOT_FOUND),
    ("post", "/customers/{customer_id}/reveal"): ("customers.reveal_customer", FORBIDDEN),
    ("post", "/customers/{customer_id}/assign"): ("customers.assign_customer", FORBIDDEN),
    ("get", "/customers/{customer_id}/holdings"): ("products.view_holding", NOT_FOUND),
    ("post", "/customers/{customer_id}/holdings"): ("products.change_holding", FORBIDDEN),
    ("get", "/holdings/{holding_id}"): ("products.view_holding", NOT_FOUND),
    ("patch", "/holdings/{holding_id}"): ("products.change_holding", FORBIDDEN),
    ("get", "/customers/{customer_id}/interactions"): ("interactions.view_interaction", NOT_FOUND),
    ("post", "/customers/{customer_id}/interactions"): ("interactions.add_interaction", FORBIDDEN),
    ("get", "/interactions/{interaction_id}"): ("interactions.view_interaction", NOT_FOUND),
    ("get", "/tasks"): ("interactions.view_task", EMPTY),
    ("post", "/customers/{customer_id}/tasks"): ("interactions.add_task", FORBIDDEN),
    ("get", "/tasks/{task_id}"): ("interactions.view_task", NOT_FOUND),
    ("patch", "/tasks/{task_id}"): ("interactions.change_task", FORBIDDEN),
    ("post", "/ingest/transactions"): ("integration.push_transactions", FORBIDDEN),
    ("get", "/cases"): ("service.view_case", EMPTY),
    ("post", "/cases"): ("service.add_case", FORBIDDEN),
    ("get", "/cases/{case_id}"): ("service.view_case", NOT_FOUND),
    ("post", "/cases/{case_id}/transition"): ("service.change_case", FORBIDDEN),
    ("post", "/cases/{case_id}/comments"): ("service.change_case", FORBIDDEN),
    ("get", "/segments"): ("segments.view_segment", EMPTY),
    ("post", "/segments"): ("segments.add_segment", FORBIDDEN),
    ("post", "/segments/evaluate"): ("segments.view_segment", FORBIDDEN),
    ("get", "/segments/{segment_id}"): ("segments.view_segment", NOT_FOUND),
    ("patch", "/segments/{segment_id}"): ("segments.change_segment", NOT_FOUND),
    ("get", "/segments/{segment_id}/members"): ("segments.view_segment", NOT_FOUND),
    ("post", "/segments/{segment_id}/refresh"): ("segments.change_segment", NOT_FOUND),
    ("get", "/knowledge/articles"): ("knowledge.view_article", EMPTY),
    ("get", "/knowledge/articles/{article_id}"): ("knowledge.view_article", NOT_FOUND),
    ("get", "/leads"): ("sales.view_lead", EMPTY),
    ("post", "/leads"): ("sales.add_lead", FORBIDDEN),
    ("get", "/leads/{lead_id}"): ("sales.view_lead", NOT_FOUND),
    ("post", "/leads/{lead_id}/assign"): ("sales.assign_lead", FORBIDDEN),
    ("post", "/leads/{lead_id}/claim"): ("sales.claim_lead", FORBIDDEN),
    ("get", "/opportunities"): ("sales.view_opportunity", EMPTY),
    ("post", "/opportunities"): ("sales.add_opportunity", FORBIDDEN),
    ("get", "/opportunities/{opportunity_id}"): ("sales.view_opportunity", NOT_FOUND),
    ("post", "/opportunities/{opportunity_id}/stage"): ("sales.change_opportunity", FORBIDDEN),
    ("get", "/surveys"): ("surveys.view_survey", EMPTY),
    ("get", "/surveys/{survey_id}"): ("surveys.view_survey", NOT_FOUND),
    ("get", "/people/performance"): ("people.view_performance", FORBIDDEN),
    ("get", "/people/assignments"): ("people.view_assignment", FORBIDDEN),
}

# The scoping matrix (test_api_scoping.ENDPOINTS) writes {customer_id} as {c}, and so on.
SHORT_IDS = {
    "customer_id": "c",
    "article_id": "a",
    "holding_id": "h",
    "interaction_id": "i",
    "task_id": "t",
    "case_id": "k",
    "segment_id": "s",
    "lead_id": "l",
    "opportunity_id": "o",
    "survey_id": "v",
}

# Request bodies of the operations that the scoping matrix (ENDPOINTS) does not list.
_NEW_CUSTOMER = {"name": "王小明", "id_type": "passport", "id_number": "E12345678"}
_WOMEN = {"op": "and", "conditions": [{"field": "gender", "op": "in", "value": ["F"]}]}
EXTRA_BODIES = {
    ("get", "/customers"): None,
    ("post", "/customers"): _NEW_CUSTOMER,
    ("post", "/customers/search"): {"q": "13800138000"},
    ("post", "/customers/export"): {"format": "csv", "reason": "monthly review"},
    ("get", "/tasks"): None,
    ("get", "/cases"): None,
    ("post", "/cases"): {
        "customer_id": 1,
        "kind": "request",
        "channel": "phone",
        "category_id": 1,
        "subject": "挂失",
    },
    ("get", "/cases/{k}"): None,
    ("post", "/cases/{k}/transition"): {"action": "start", "version": 1},
    ("post", "/cases/{k}/comments"): {"visibility": "internal", "body": "x"},
    ("get", "/segments"): None,
    ("post", "/segments"): {"name": "女性", "definition": _WOMEN},
    ("post", "/segments/evaluate"): {"definition": _WOMEN},
    ("get", "/segments/{s}"): None,
    ("patch", "/segments/{s}"): {"version": 1, "name": "改名"},
    ("get", "/segments/{s}/members"): None,
    ("post", "/segments/{s}/refresh"): None,
    ("get", "/knowledge/articles"): None,
    ("get", "/knowledge/articles/{a}"): None,
    ("get", "/leads"): None,
    ("post", "/leads"): {"source": "walk_in", "branch_id": 1, "prospect_name": "王五"},
    ("get", "/leads/{l}"): None,
    ("post", "/leads/{l}/assign"): {"assignee_id": 1, "version": 1},
    ("post", "/leads/{l}/claim"): None,
    ("get", "/opportunities"): None,
    ("post", "/opportunities"): {
        "customer_id": 1,
        "product_line": "mortgage",
        "name": "按揭",
        "amount": "1.00",
        "expected_close": "2030-01-01",
    },
    ("get", "/opportunities/{o}"): None,
    ("post", "/opportunities/{o}/stage"): {"stage": "documents", "version": 1},
    ("get", "/surveys"): None,
    ("get", "/surveys/{v}"): None,
    ("get", "/people/performance"): None,
    ("get", "/people/assignments"): None,
    ("post", "/ingest/transactions"): {
        "transactions": [
            {
                "id": "SEC1",
                "account": "6222020000000001",
                "booked_at": "2024-06-01T10:00:00+08:00",
                "amount": "-1.00",
                "channel": "pos",
                "category": "fee",
            }
        ]
    },
}


def _walk(patterns, prefix: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern)


def routes() -> set[str]:
    return set(_walk(get_resolver().url_patterns))


def concrete(route: str) -> str:
    """A URL that the route matches: parameters become 1, regular expressions a sample."""
    url = route.replace("^(?P<app_label>org|customers|products|sales|service)/$", "org/")
    url = url.replace("(?P<url>.*)$", "no-such-page/").replace("^.*$", "no-such-endpoint")
    return "/" + re.sub(r"<[^>]+>", "1", url)


def _openapi_operations() -> set[tuple[str, str]]:
    paths = Client().get("/api/openapi.json").json()["paths"]
    return {(method, path.removeprefix("/api/v1")) for path, ops in paths.items() for method in ops}


def _staff_without(bank, perm: str):
    """An in-scope member of staff whose role lacks `perm`: the head-office analyst (sees the
    whole bank, may change nothing), the customer's own RM, or someone with no role at all."""
    nobody = Staff.objects.filter(username="norole").first() or factories.staff(
        role="", branch=bank.head, username="norole"
    )
    for candidate in (bank.analyst, bank.rm, nobody):
        if perm not in PERMISSIONS.get(candidate.role, frozenset()):
            return candidate
    raise AssertionError(perm)


# --- Every route has a decision ---------------------------------------------------------------


def test_every_route_has_a_decision(db):
    # when
    found = routes()
    # then: a new route fails here until it is given a decision (and so gets tested below)
    assert found - set(ROUTES) == set(), "routes without a security decision"
    assert set(ROUTES) - found == set(), "decisions for routes that no longer exist"


def test_every_api_operation_has_a_decision(db):
    # when
    operations = _openapi_operations()
    # then
    assert operations == set(API_OPERATIONS)
    api_routes = {r for r, d in ROUTES.items() if d.kind == API}
    documented = {"api/v1" + re.sub(r"\{(\w+)\}", r"<\1>", path) for _m, path in operations}
    assert api_routes == documented


def test_the_allow_list_is_short(db):
    public = sorted(route for route, decision in ROUTES.items() if decision.kind == PUBLIC)
    assert public == [
        "admin/login/",
        "admin/logout/",
        "api/",
        "api/^.*$",
        "api/docs",
        "api/openapi.json",
        "language/",
        "login/",
        "logout/",
        "password-reset/",
        "password-reset/<uidb64>/<token>/",
        "password-reset/complete/",
        "password-reset/sent/",
        "surveys/r/<str:token>/",
    ]
    assert all(ROUTES[route].why for route in public)


# --- Anonymous callers ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "route", sorted(r for r, d in ROUTES.items() if d.kind in (PAGE, ADMIN)), ids=str
)
def test_anonymous_callers_are_sent_to_sign_in(client, db, route, method):
    # given
    url = concrete(route)
    sign_in = "/admin/login/" if ROUTES[route].kind == ADMIN else "/login/"
    # when
    response = getattr(client, method)(url)
    # then
    assert response.status_code == 302, (url, response.status_code)
    assert response["Location"].startswith(f"{sign_in}?next="), response["Location"]


@pytest.mark.parametrize(("method", "path"), sorted(API_OPERATIONS), ids=str)
def test_anonymous_api_callers_get_401(client, db, method, path):
    # when
    url = "/api/v1" + re.sub(r"\{\w+\}", "1", path)
    if method == "get":
        response = client.get(url)
    else:
        response = getattr(client, method)(url, data="{}", content_type="application/json")
    # then
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="bankcrm"'


def test_public_routes_answer_without_credentials(client, db):
    # when
    statuses = {
        route: client.get(concrete(route)).status_code
        for route, decision in ROUTES.items()
        if decision.kind == PUBLIC
    }
    # then: pages answer, logout refuses GET, unknown API paths are a plain 404
    assert statuses == {
        "login/": 200,
        "logout/": 405,
        "language/": 405,
        "admin/login/": 302,  # to the one staff sign-in form
        "admin/logout/": 302,
        "api/openapi.json": 200,
        "api/docs": 200,
        "api/": 404,
        "api/^.*$": 404,
        "password-reset/": 200,
        "password-reset/sent/": 200,
        "password-reset/<uidb64>/<token>/": 200,  # "this link does not work"
        "password-reset/complete/": 200,
        "surveys/r/<str:token>/": 404,  # "this link is not valid"
    }


# --- Signed in, without the permission ----------------------------------------------------------


def test_the_admin_site_is_for_system_administrators_only(client, bank):
    # given: a branch manager (who may do a lot, but not administer)
    client.force_login(bank.bj_manager)
    admin_routes = sorted(r for r, d in ROUTES.items() if d.kind == ADMIN)
    # when
    responses = {route: client.get(concrete(route)) for route in admin_routes}
    # then
    refused = {
        route: (r.status_code, r["Location"].split("?")[0])
        for route, r in responses.items()
        if r.status_code == 302
    }
    assert refused == dict.fromkeys(admin_routes, (302, "/admin/login/"))


@pytest.mark.parametrize(("method", "path"), sorted(API_OPERATIONS), ids=str)
def test_api_callers_without_the_permission_are_refused(bank, book, method, path):  # noqa: F811
    # given (a segment of the RM's, stored as it is, for the segment operations)
    from bankcrm.segments.models import Segment

    segment = Segment.objects.create(
        name="女性", definition=_WOMEN, owner=bank.rm, branch=bank.rm.branch
    )
    survey = _survey(bank)
    case = _service_case(bank)
    lead, opportunity = _sales_lead_and_opportunity(bank)
    book = {**book, "l": lead.pk, "o": opportunity.pk}  # noqa: F811 - the sales objects too
    perm, refusal = API_OPERATIONS[(method, path)]
    staff = _staff_without(bank, perm)
    bodies = {(m, p): b for m, p, b in ENDPOINTS} | EXTRA_BODIES
    before = _snapshot(book)
    short = re.sub(r"\{(\w+)\}", lambda m: "{" + SHORT_IDS[m.group(1)] + "}", path)
    # when
    response = _call(
        Api(staff),
        method,
        short,
        bodies[(method, short)],
        {**book, "a": 1, "s": segment.pk, "v": survey.pk, "k": case.pk},
    )
    # then
    if refusal == EMPTY:
        assert response.status_code == 200, response.content
        assert response.json() == {"items": [], "next_cursor": None}
    else:
        assert response.status_code == refusal, (staff.username, response.content)
    after = _snapshot(book)
    # a refused reveal is itself audited (outcome "denied"); nothing else may change
    assert {**after, "reveals": 0} == {**before, "reveals": 0}
    assert not AuditEvent.objects.filter(action="customer.reveal", outcome="allowed").exists()


def _survey(bank):
    """A survey about a closed case of the RM's customer (for the survey operations)."""
    from datetime import timedelta

    from django.utils import timezone

    from bankcrm.customers.models import Customer
    from bankcrm.surveys.models import Survey

    return Survey.objects.create(
        customer=Customer.objects.filter(rm=bank.rm).first(),
        about_type="case",
        about_id=1,
        staff=bank.rm,
        branch=bank.rm.branch,
        token_digest="0" * 64,
        expires_at=timezone.now() + timedelta(days=14),
    )


def _sales_lead_and_opportunity(bank):
    """A lead in the Chaoyang pool and an opportunity of the RM's (for the sales operations)."""
    from bankcrm.customers.models import Customer
    from bankcrm.sales.models import ProductLine
    from bankcrm.sales.services import LeadData, lead_create, opportunity_create

    lead = lead_create(
        actor=bank.agent,
        data=LeadData(
            source="walk_in",
            branch=bank.chaoyang,
            prospect_name="王五",
            prospect_mobile="13800138002",
        ),
        auto_assign=False,
    )
    opportunity = opportunity_create(
        actor=bank.rm,
        customer=Customer.objects.filter(rm=bank.rm).first(),
        line=ProductLine.objects.get(code="mortgage"),
        name="按揭",
        amount="1.00",
        expected_close=date(2030, 1, 1),
    )
    return lead, opportunity


def _service_case(bank):
    """A service case of the RM's customer (for the case operations)."""
    from bankcrm.customers.models import Customer
    from bankcrm.service.models import Category
    from bankcrm.service.services import case_create

    return case_create(
        actor=bank.rm,
        customer=Customer.objects.filter(rm=bank.rm).first(),
        kind="request",
        channel="phone",
        category=Category.objects.get(code="account-loss"),
        subject="挂失",
    )


# Routes reachable after the password and before the second factor; every other page and the
# whole admin site send the staff member to the code page.
BEFORE_SECOND_FACTOR = {"login/verify/", "account/authenticator/", "logout/", "language/"}


def test_before_the_second_factor_only_the_code_pages_open(client, bank):
    # given: the Beijing manager has given the password, not the code
    from django.urls import reverse

    from tests import mfa

    mfa.enrol(bank.bj_manager)
    client.post(reverse("login"), {"username": "bjmgr", "password": factories.PASSWORD})
    guarded = sorted(
        r for r, d in ROUTES.items() if d.kind in (PAGE, ADMIN) and r not in BEFORE_SECOND_FACTOR
    )
    # when
    answers = {
        (method, route): getattr(client, method)(concrete(route))
        for route in guarded
        for method in ("get", "post")
    }
    # then
    sent = {
        key: (r.status_code, r["Location"].split("?")[0])
        for key, r in answers.items()
        if r.status_code == 302
    }
    assert sent == dict.fromkeys(answers, (302, reverse("mfa_verify")))
    assert {r for r in BEFORE_SECOND_FACTOR if ROUTES[r].kind == PAGE} == {
        "login/verify/",
        "account/authenticator/",
    }


@pytest.mark.parametrize(
    ("method", "route"),
    [
        ("get", "audit/"),
        ("post", "audit/verify/"),
        ("post", "audit/export/"),
        ("post", "customers/export/"),
    ],
)
def test_audit_and_export_pages_refuse_staff_without_the_permission(client, bank, method, route):
    # given
    staff = _staff_without(bank, ROUTES[route].perm)
    client.force_login(staff)
    # when
    response = getattr(client, method)(concrete(route), {"format": "csv", "reason": "curious"})
    # then
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(
        action__in=["audit.export", "customer.export", "audit.verify"], outcome="allowed"
    ).exists()


# Page routes with a customer or task: (method, route) → the role-less or analyst refusal.
PAGE_REFUSALS = {
    "customers/<int:pk>/": NOT_FOUND,
    "customers/<int:pk>/edit/": FORBIDDEN,
    "customers/<int:pk>/reveal/": FORBIDDEN,
    "customers/<int:pk>/consents/": FORBIDDEN,
    "customers/<int:pk>/lifecycle/": FORBIDDEN,
    "customers/<int:pk>/assign/": FORBIDDEN,
    "customers/<int:pk>/interactions/new/": FORBIDDEN,
    "customers/<int:pk>/tasks/new/": FORBIDDEN,
    "tasks/<int:pk>/complete/": FORBIDDEN,
}


def _route_of(url: str, pk: int) -> str:
    return url.lstrip("/").replace(f"/{pk}/", "/<int:pk>/")


def test_pages_refuse_staff_without_the_permission(client, bank, customer, task):  # noqa: F811
    # given: the page requests of the scoping matrix, made by someone in scope without the right
    requests = [
        (method, url, data)
        for method, url, data in _requests(customer, task)
        if not (method == "get" and url.endswith("/edit/"))
    ]
    # when
    outcomes = {}
    for method, url, data in requests:
        pk = task.pk if url.startswith("/tasks/") else customer.pk
        route = _route_of(url, pk)
        staff = _staff_without(bank, ROUTES[route].perm)
        client.force_login(staff)
        if route.endswith("/tasks/new/"):
            # a complete form: the view validates the form before the service checks the
            # permission, so an incomplete one answers 200 with field errors (nothing written)
            data = {**data, "assignee": staff.pk}
        outcomes[(method, route)] = getattr(client, method)(url, data).status_code
    # then
    assert outcomes == {(m, r): PAGE_REFUSALS[r] for m, r in outcomes}
    assert {r for _m, r in outcomes} == set(PAGE_REFUSALS)


def test_create_page_and_lists_refuse_or_show_nothing_without_the_permission(
    client, bank, customer
):
    # given
    nobody = _staff_without(bank, "customers.view_customer")
    # when
    client.force_login(bank.analyst)
    create = client.get("/customers/new/").status_code
    client.force_login(nobody)
    listed = client.post("/customers/", {"q": "13800138000"}).content.decode()
    workbench = client.get("/").status_code
    # then
    assert create == 403
    assert f"/customers/{customer.pk}/" not in listed
    assert workbench == 200
    assert book_summary(actor=nobody).customers == 0


# --- Out of scope: exports, counts, searches -----------------------------------------------------


@pytest.mark.parametrize("stranger", ["sh_manager", "other_rm"])
def test_out_of_scope_customers_are_not_counted(bank, customer, stranger):
    # given
    outsider = getattr(bank, stranger)
    own = factories.customer(actor=outsider, rm=outsider) if stranger == "other_rm" else None
    # when
    summary = book_summary(actor=outsider)
    # then
    assert summary.customers == (1 if own else 0)
    assert customer.pk not in [c.pk for c in summary.top]
    assert book_summary(actor=bank.bj_manager).customers == 1 + (1 if own else 0)


def test_out_of_scope_customers_are_never_exported(bank, customer):
    # when: the Shanghai manager exports with filters aimed at the Beijing customer
    api = Api(bank.sh_manager)
    bodies = [
        {"q": "13800138000"},
        {"q": "11010519491231002X"},
        {"q": "张三丰"},
        {"branch_id": bank.chaoyang.pk},
        {"rm_id": bank.rm.pk},
    ]
    files = [
        api.post("/customers/export", {"format": "csv", "reason": "looking", **body})
        for body in bodies
    ]
    # then
    for response in files:
        assert response.status_code == 200
        lines = response.content.decode("utf-8-sig").strip().splitlines()
        assert len(lines) == 1  # the header only
