"""The API contract: the OpenAPI document, offline docs, caching headers, error shapes, and
no server error for bad input."""

import re

import pytest
from django.test import Client

from bankcrm.customers.models import Customer
from tests.api_support import Api

EVERY_ENDPOINT = {
    ("get", "/api/v1/customers"),
    ("post", "/api/v1/customers"),
    ("post", "/api/v1/customers/search"),
    ("post", "/api/v1/customers/export"),
    ("get", "/api/v1/customers/{customer_id}"),
    ("patch", "/api/v1/customers/{customer_id}"),
    ("get", "/api/v1/customers/{customer_id}/360"),
    ("post", "/api/v1/customers/{customer_id}/reveal"),
    ("post", "/api/v1/customers/{customer_id}/assign"),
    ("get", "/api/v1/customers/{customer_id}/holdings"),
    ("post", "/api/v1/customers/{customer_id}/holdings"),
    ("get", "/api/v1/holdings/{holding_id}"),
    ("patch", "/api/v1/holdings/{holding_id}"),
    ("get", "/api/v1/customers/{customer_id}/interactions"),
    ("post", "/api/v1/customers/{customer_id}/interactions"),
    ("get", "/api/v1/interactions/{interaction_id}"),
    ("get", "/api/v1/tasks"),
    ("post", "/api/v1/customers/{customer_id}/tasks"),
    ("get", "/api/v1/tasks/{task_id}"),
    ("patch", "/api/v1/tasks/{task_id}"),
    ("post", "/api/v1/ingest/transactions"),
    ("get", "/api/v1/cases"),
    ("post", "/api/v1/cases"),
    ("get", "/api/v1/cases/{case_id}"),
    ("post", "/api/v1/cases/{case_id}/transition"),
    ("post", "/api/v1/cases/{case_id}/comments"),
    ("get", "/api/v1/segments"),
    ("post", "/api/v1/segments"),
    ("post", "/api/v1/segments/evaluate"),
    ("get", "/api/v1/segments/{segment_id}"),
    ("patch", "/api/v1/segments/{segment_id}"),
    ("get", "/api/v1/segments/{segment_id}/members"),
    ("post", "/api/v1/segments/{segment_id}/refresh"),
    ("get", "/api/v1/leads"),
    ("post", "/api/v1/leads"),
    ("get", "/api/v1/leads/{lead_id}"),
    ("post", "/api/v1/leads/{lead_id}/assign"),
    ("post", "/api/v1/leads/{lead_id}/claim"),
    ("get", "/api/v1/opportunities"),
    ("post", "/api/v1/opportunities"),
    ("get", "/api/v1/opportunities/{opportunity_id}"),
    ("post", "/api/v1/opportunities/{opportunity_id}/stage"),
    ("get", "/api/v1/surveys"),
    ("get", "/api/v1/surveys/{survey_id}"),
    ("get", "/api/v1/knowledge/articles"),
    ("get", "/api/v1/knowledge/articles/{article_id}"),
    ("get", "/api/v1/people/performance"),
    ("get", "/api/v1/people/assignments"),
}


def test_openapi_document_lists_every_endpoint_with_bearer_auth(db):
    # when
    response = Client().get("/api/openapi.json")
    # then
    assert response.status_code == 200
    document = response.json()
    assert document["info"]["title"] == "bankcrm API"
    listed = {(m, p) for p, ops in document["paths"].items() for m in ops}
    assert listed == EVERY_ENDPOINT
    schemes = document["components"]["securitySchemes"]
    assert schemes["TokenAuth"] == {"type": "http", "scheme": "bearer"}
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            assert {"TokenAuth": []} in op["security"], (method, path)
            assert "422" in op["responses"] and "404" in op["responses"], (method, path)


def test_openapi_documents_that_search_keeps_personal_data_out_of_urls(db):
    # when
    paths = Client().get("/api/openapi.json").json()["paths"]
    # then
    assert "POST /api/v1/customers/search" in paths["/api/v1/customers"]["get"]["description"]
    assert "never appear in a URL" in paths["/api/v1/customers/search"]["post"]["description"]


def test_create_schema_forbids_unknown_and_ownership_fields(db):
    # when
    schemas = Client().get("/api/openapi.json").json()["components"]["schemas"]
    # then
    for name in ("CustomerCreateIn", "CustomerPatchIn", "HoldingCreateIn", "TaskPatchIn"):
        assert schemas[name]["additionalProperties"] is False, name
        assert not {"branch", "branch_id", "rm", "rm_id", "aum", "liabilities", "number"} & set(
            schemas[name]["properties"]
        ), name


def test_docs_page_works_offline_from_bundled_swagger_files(db):
    # given
    client = Client()
    # when
    page = client.get("/api/docs")
    html = page.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    # then
    assert page.status_code == 200
    assert "/static/ninja/swagger-ui-bundle.js" in assets
    assert "/static/ninja/swagger-ui.css" in assets
    assert [a for a in assets if a.startswith(("http:", "https:", "//"))] == []
    assert '"validatorUrl": null' in html  # no call to the public validator service
    assert '"url": "/api/openapi.json"' in html
    for asset in assets:
        served = client.get(asset)
        assert served.status_code == 200, asset
        assert b"".join(served.streaming_content), asset


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/v1/customers/{pk}", 200),
        ("/api/v1/customers/{pk}/360", 200),
        ("/api/v1/customers", 200),
        ("/api/v1/customers/999999", 404),
        ("/api/v1/customers/abc", 422),
        ("/api/v1/nowhere", 404),
    ],
)
def test_api_responses_are_never_cached(bank, customer, path, status):
    # when
    response = Api(bank.rm).client.get(path.format(pk=customer.pk))
    # then
    assert response.status_code == status
    assert "no-store" in response["Cache-Control"]


def test_unauthenticated_responses_are_never_cached(db):
    # when
    response = Client().get("/api/v1/customers")
    # then
    assert response.status_code == 401
    assert "no-store" in response["Cache-Control"]


def test_unknown_api_path_answers_json_404(bank):
    # when
    response = Api(bank.rm).client.get("/api/v2/customers", headers={"Accept-Language": "en"})
    chinese = Api(bank.rm).client.get("/api/v2/customers", headers={"Accept-Language": "zh-CN"})
    # then
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "errors": {}}
    assert chinese.json()["message"] == "未找到。"


def test_malformed_json_answers_400_with_the_error_shape(bank):
    # when
    response = Api(bank.rm).client.post(
        "/api/v1/customers", data="{not json", content_type="application/json"
    )
    # then
    assert response.status_code == 400
    assert response.json() == {
        "code": "malformed_body",
        "message": "The request body is not valid JSON.",
        "errors": {},
    }


def test_messages_follow_the_staff_language_or_accept_language(bank):
    # given
    bank.rm.language = "zh-hans"
    bank.rm.save()
    api = Api(bank.rm)
    # when
    chinese = api.get("/customers/999999")
    english = api.client.get("/api/v1/customers/999999", headers={"Accept-Language": "en"})
    # then
    assert english.json()["message"] == "Not found."
    assert chinese.json()["code"] == english.json()["code"] == "not_found"
    assert chinese["Content-Language"] == "zh-hans"


BAD_INPUTS = [
    ("get", "/customers/abc", None, {"customer_id": ["invalid_integer"]}),
    ("get", "/customers/0", None, {"customer_id": ["out_of_range"]}),
    ("get", "/customers/-5", None, {"customer_id": ["out_of_range"]}),
    ("get", "/customers/99999999999999999999999", None, {"customer_id": ["out_of_range"]}),
    ("get", "/customers/1.5", None, {"customer_id": ["invalid_integer"]}),
    ("get", "/customers?branch_id=x", None, {"branch_id": ["invalid_integer"]}),
    ("get", "/customers?branch_id=99999999999999999999", None, {"branch_id": ["out_of_range"]}),
    ("get", "/customers?aum_min=abc", None, {"aum_min": ["invalid_number"]}),
    ("get", "/customers?aum_min=NaN", None, {"aum_min": ["invalid_number"]}),
    ("get", "/customers?aum_max=1e40", None, {"aum_max": ["too_many_digits"]}),
    ("get", "/customers?lifecycle_stage=zombie", None, {"lifecycle_stage": ["invalid_choice"]}),
    ("get", "/customers?limit=0", None, {"limit": ["out_of_range"]}),
    ("get", "/customers?limit=100000", None, {"limit": ["out_of_range"]}),
    ("get", "/customers?cursor=%00%01", None, {"cursor": ["invalid_cursor"]}),
    ("get", "/tasks?status=maybe", None, {"status": ["invalid_choice"]}),
    ("get", "/tasks?customer_id=x", None, {"customer_id": ["invalid_integer"]}),
    ("post", "/customers/search", {"tag_id": "1e3"}, {"tag_id": ["invalid_integer"]}),
    ("post", "/customers/search", {"q": "x" * 101}, {"q": ["too_long"]}),
    ("post", "/customers/search", [1, 2], {"__all__": ["invalid_object"]}),
    (
        "post",
        "/customers",
        {
            "name": "王",
            "id_type": "resident_id",
            "id_number": "11010519491231002X",
            "birth_date": "1949-02-30",
            "kind": "alien",
            "preferred_channels": ["pigeon"],
            "tag_ids": [2**70],
        },
        {
            "birth_date": ["invalid_date"],
            "kind": ["invalid_choice"],
            "preferred_channels.0": ["invalid_choice"],
            "tag_ids.0": ["out_of_range"],
        },
    ),
    (
        "post",
        "/customers",
        {"name": "王", "id_type": "resident_id", "id_number": "11010519491231002X", "tag_ids": [9]},
        {"tag_ids": ["not_found"]},
    ),
    (
        "post",
        "/customers",
        {"name": "王" * 101, "id_type": "passport", "id_number": "E1" * 30},
        {"name": ["too_long"], "id_number": ["too_long"]},
    ),
    (
        "post",
        "/customers",
        {"name": "王", "id_type": "uscc", "id_number": "91110000600037341N"},
        {"id_type": ["individual_id"], "id_number": ["checksum"]},
    ),
    (
        "post",
        "/customers",
        {"name": "王", "id_type": "passport", "id_number": "E12345678", "email": "not-an-email"},
        {"email": ["invalid"]},
    ),
    (
        "post",
        "/customers",
        {"name": "王", "id_type": "passport", "id_number": "E12345678", "birth_date": "2999-01-01"},
        {"birth_date": ["future"]},
    ),
    (
        "patch",
        "/customers/{pk}",
        {"version": "one", "mobile": "12012345678"},
        {"version": ["invalid_integer"]},
    ),
    ("patch", "/customers/{pk}", {"version": 1, "mobile": "12012345678"}, {"mobile": ["invalid"]}),
    ("patch", "/customers/{pk}", {"version": 2**64}, {"version": ["out_of_range"]}),
    ("post", "/customers/{pk}/reveal", {"field": "mobile"}, {"reason": ["required"]}),
    ("post", "/customers/{pk}/assign", {}, {"rm_id": ["required"]}),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "codes"), BAD_INPUTS, ids=[f"{m} {p}" for m, p, *_ in BAD_INPUTS]
)
def test_bad_input_answers_422_with_field_codes_never_500(
    bank, customer, method, path, body, codes
):
    # given
    api = Api(bank.bj_manager)
    url = path.format(pk=customer.pk)
    before = Customer.objects.count()
    # when
    response = api.get(url) if method == "get" else getattr(api, method)(url, body)
    # then
    assert response.status_code == 422, response.content
    payload = response.json()
    assert (payload["code"], payload["message"]) == (
        "invalid",
        "The input is not valid. See the field errors.",
    )
    assert {f: [e["code"] for e in errs] for f, errs in payload["errors"].items()} == codes
    assert all(e["message"] for errs in payload["errors"].values() for e in errs)
    assert Customer.objects.count() == before
