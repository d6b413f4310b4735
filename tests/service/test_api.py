"""The cases API: list (scoped, cursor-paged, filters), get, open, transition, note/reply."""

import pytest

from bankcrm.service.models import Case, Category
from tests import factories
from tests.api_support import Api
from tests.service.conftest import open_case


def _body(customer, **fields):
    return {
        "customer_id": customer.pk,
        "kind": "complaint",
        "channel": "app",
        "category_id": Category.objects.get(code="digital-app").pk,
        "priority": 3,
        "subject": "手机银行转账失败但已扣款",
        **fields,
    }


def test_open_a_case_and_read_it(bank, customer):
    # given
    api = Api(bank.agent)
    # when
    created = api.post("/cases", _body(customer))
    # then
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "registered"
    assert data["assignee"] == {"id": bank.agent.pk, "display_name": bank.agent.display_name}
    assert data["allowed_actions"] == ["acknowledge"]
    assert data["sla_state"] == "on_track"
    assert data["version"] == 1
    assert api.get(f"/cases/{data['id']}").json()["number"] == data["number"]


def test_invalid_input_is_a_422_naming_the_field(bank, customer):
    api = Api(bank.agent)
    assert api.post("/cases", _body(customer, kind="praise")).status_code == 422
    missing = api.post("/cases", _body(customer, category_id=999999))
    assert missing.status_code == 422
    assert list(missing.json()["errors"]) == ["category_id"]
    assert api.post("/cases", _body(customer, surprise=1)).status_code == 422
    assert Case.objects.count() == 0


def test_a_complaint_through_the_api(bank, customer):
    api = Api(bank.agent)
    case = api.post("/cases", _body(customer)).json()
    steps = [
        {"action": "acknowledge"},
        {"action": "investigate"},
        {"action": "resolve", "resolution": "已冲正"},
        {"action": "visit", "visit_outcome": "partly", "visit_notes": "希望到账更快"},
        {"action": "close"},
    ]
    for step in steps:
        answer = api.post(f"/cases/{case['id']}/transition", {"version": case["version"], **step})
        assert answer.status_code == 200, answer.content
        case = answer.json()
    assert case["status"] == "closed"
    assert case["visit_outcome"] == "partly"


def test_a_forbidden_step_or_a_stale_version(bank, customer):
    api = Api(bank.agent)
    case = api.post("/cases", _body(customer)).json()
    refused = api.post(f"/cases/{case['id']}/transition", {"action": "close", "version": 1})
    assert refused.status_code == 422
    assert list(refused.json()["errors"]) == ["action"]
    api.post(f"/cases/{case['id']}/transition", {"action": "acknowledge", "version": 1})
    stale = api.post(f"/cases/{case['id']}/transition", {"action": "investigate", "version": 1})
    assert stale.status_code == 409
    assert Case.objects.get().status == "acknowledged"


def test_notes_and_replies(bank, customer):
    api = Api(bank.agent)
    case = api.post("/cases", _body(customer)).json()
    reply = api.post(f"/cases/{case['id']}/comments", {"visibility": "customer", "body": "已受理"})
    assert reply.status_code == 201
    assert reply.json()["visibility"] == "customer"
    # a reply is the first response
    assert api.get(f"/cases/{case['id']}").json()["first_responded_at"] is not None
    empty = api.post(f"/cases/{case['id']}/comments", {"visibility": "internal", "body": ""})
    assert empty.status_code == 422


def test_the_list_is_scoped_filtered_and_paged(bank, customer):
    # given three cases of the RM's customer and one in Shanghai
    mine = [open_case(bank.agent, customer, code="fees-sms") for _ in range(3)]
    sh_customer = factories.customer(actor=bank.sh_rm, rm=bank.sh_rm)
    theirs = open_case(bank.sh_rm, sh_customer)
    api = Api(bank.bj_manager)
    # when
    first = api.get("/cases", {"limit": 2}).json()
    second = api.get("/cases", {"limit": 2, "cursor": first["next_cursor"]}).json()
    # then
    assert [c["id"] for c in first["items"]] == [mine[2].pk, mine[1].pk]
    assert [c["id"] for c in second["items"]] == [mine[0].pk]
    assert second["next_cursor"] is None
    fees = Category.objects.get(code="fees").pk
    assert len(api.get("/cases", {"category_id": fees}).json()["items"]) == 3
    assert api.get("/cases", {"kind": "question"}).json()["items"] == []
    # the Shanghai case is a 404 for Beijing, exactly like a missing one
    out = api.get(f"/cases/{theirs.pk}")
    missing = api.get("/cases/999999")
    assert out.status_code == missing.status_code == 404
    assert out.content == missing.content
    assert api.get("/cases", {"cursor": "garbage"}).status_code == 422


@pytest.mark.parametrize("stranger", ["other_rm", "sh_manager", "sh_rm"])
def test_out_of_scope_writes_answer_404_and_change_nothing(bank, customer, complaint, stranger):
    api = Api(getattr(bank, stranger))
    before = Case.objects.filter(pk=complaint.pk).values().get()
    for path, body in [
        (f"/cases/{complaint.pk}/transition", {"action": "acknowledge", "version": 1}),
        (f"/cases/{complaint.pk}/comments", {"visibility": "internal", "body": "x"}),
    ]:
        assert api.post(path, body).status_code == 404
    # opening a case for a customer out of scope is a 404 too
    assert api.post("/cases", _body(customer)).status_code == 404
    assert Case.objects.filter(pk=complaint.pk).values().get() == before
    assert Case.objects.count() == 1


def test_the_list_costs_the_same_queries_for_more_cases(bank, customer):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    api = Api(bank.agent)
    open_case(bank.agent, customer)
    api.get("/cases")
    with CaptureQueriesContext(connection) as few:
        assert len(api.get("/cases").json()["items"]) == 1
    for _ in range(8):
        open_case(bank.agent, customer, code="fees-sms")
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/cases").json()["items"]) == 9
    assert len(many) == len(few)
