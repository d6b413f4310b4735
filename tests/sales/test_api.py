"""The sales API: leads (list, create, get, assign, claim) and opportunities (list, create, get,
move stage); scoped (out of scope = 404, unchanged), 422 names the field, 409 on a stale version
or a lead someone else claimed first."""

import pytest

from bankcrm.sales import services
from bankcrm.sales.models import Lead, Opportunity
from tests.api_support import Api, field_codes
from tests.sales.conftest import open_opportunity, prospect

pytestmark = pytest.mark.django_db


def test_create_a_referral_lead_then_read_it(bank):
    # given
    api = Api(bank.sh_rm)
    # when
    created = api.post(
        "/leads",
        {
            "source": "referral",
            "branch_id": bank.chaoyang.pk,
            "prospect_name": "孙悟空",
            "prospect_mobile": "13800138005",
            "product_line": "mortgage",
            "referrer_id": bank.sh_rm.pk,
            "referrer_line": "wealth",
            "expected_amount": "800000.00",
        },
    )
    # then
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["prospect_name_masked"], body["prospect_mobile_masked"]) == ("孙**", "138****8005")
    assert "13800138005" not in created.content.decode()
    assert (body["referrer"]["id"], body["cross_line"], body["product_line"]) == (
        bank.sh_rm.pk,
        True,
        "mortgage",
    )
    assert body["assignee"]["id"] in (bank.rm.pk, bank.other_rm.pk)
    # the referrer follows the referral; the Chaoyang manager above sees it too
    assert api.get(f"/leads/{body['id']}").status_code == 200
    assert Api(bank.bj_manager).get(f"/leads/{body['id']}").status_code == 200


def test_a_bad_lead_answers_422_naming_the_fields(bank):
    response = Api(bank.rm).post(
        "/leads", {"source": "walk_in", "branch_id": bank.chaoyang.pk, "prospect_name": "x"}
    )
    assert response.status_code == 422
    assert list(field_codes(response)) == ["prospect_mobile"]
    assert Lead.objects.count() == 0


def test_an_unknown_branch_is_not_found(bank):
    response = Api(bank.rm).post(
        "/leads",
        {
            "source": "walk_in",
            "branch_id": 999999,
            "prospect_name": "王五",
            "prospect_mobile": "13800138006",
        },
    )
    assert response.status_code == 422
    assert field_codes(response) == {"branch_id": ["not_found"]}


def test_list_leads_scoped_and_paged(bank):
    # given
    mine = [
        services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm).pk
        for _ in range(3)
    ]
    services.lead_create(actor=bank.other_rm, data=prospect(bank), assignee=bank.other_rm)
    api = Api(bank.rm)
    # when
    first = api.get("/leads", {"limit": 2})
    second = api.get("/leads", {"limit": 2, "cursor": first.json()["next_cursor"]})
    # then
    ids = [x["id"] for x in first.json()["items"] + second.json()["items"]]
    assert ids == sorted(mine, reverse=True)
    assert second.json()["next_cursor"] is None


def test_assign_and_claim(bank):
    # given
    lead = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    # when
    claimed = Api(bank.rm).post(f"/leads/{lead.pk}/claim")
    refused = Api(bank.rm).post(
        f"/leads/{lead.pk}/assign", {"assignee_id": bank.other_rm.pk, "version": 2}
    )
    again = Api(bank.other_rm).post(f"/leads/{lead.pk}/claim")
    assigned = Api(bank.bj_manager).post(
        f"/leads/{lead.pk}/assign", {"assignee_id": bank.other_rm.pk, "version": 2}
    )
    stale = Api(bank.bj_manager).post(
        f"/leads/{lead.pk}/assign", {"assignee_id": bank.rm.pk, "version": 2}
    )
    # then
    assert refused.status_code == 403
    assert claimed.status_code == 200 and claimed.json()["assignee"]["id"] == bank.rm.pk
    assert again.status_code == 404  # no longer in the pool
    assert assigned.status_code == 200
    assert assigned.json()["assignee"]["id"] == bank.other_rm.pk
    assert stale.status_code == 409


def test_another_branch_gets_404_and_nothing_changes(bank, customer, mortgage):
    # given
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    opp = open_opportunity(bank, customer, mortgage)
    api = Api(bank.sh_manager)
    # when
    answers = [
        api.get(f"/leads/{lead.pk}").status_code,
        api.post(f"/leads/{lead.pk}/assign", {"assignee_id": bank.sh_rm.pk, "version": 1}),
        Api(bank.sh_rm).post(f"/leads/{lead.pk}/claim").status_code,
        api.get(f"/opportunities/{opp.pk}").status_code,
        api.post(f"/opportunities/{opp.pk}/stage", {"stage": "won", "version": 1}),
        Api(bank.other_rm).get(f"/opportunities/{opp.pk}").status_code,
    ]
    listed = api.get("/opportunities").json()["items"]
    # then
    assert [a if isinstance(a, int) else a.status_code for a in answers] == [404] * 6
    assert listed == []
    lead.refresh_from_db()
    opp.refresh_from_db()
    assert (lead.assignee, lead.version, opp.stage.code, opp.version) == (
        bank.rm,
        1,
        "application",
        1,
    )


def test_open_an_opportunity_and_move_it(bank, customer):
    # given
    api = Api(bank.rm)
    # when
    created = api.post(
        "/opportunities",
        {
            "customer_id": customer.pk,
            "product_line": "mortgage",
            "name": "首套房",
            "amount": "1500000.00",
            "expected_close": "2027-06-30",
        },
    )
    opp_id = created.json()["id"]
    moved = api.post(f"/opportunities/{opp_id}/stage", {"stage": "approval", "version": 1})
    no_reason = api.post(f"/opportunities/{opp_id}/stage", {"stage": "lost", "version": 2})
    unknown = api.post(f"/opportunities/{opp_id}/stage", {"stage": "nowhere", "version": 2})
    won = api.post(f"/opportunities/{opp_id}/stage", {"stage": "won", "version": 2})
    after = api.post(f"/opportunities/{opp_id}/stage", {"stage": "approval", "version": 3})
    listed = api.get("/opportunities", {"status": "won"})
    # then
    assert created.status_code == 201, created.content
    assert (created.json()["stage"]["code"], created.json()["probability"]) == ("application", 10)
    assert (moved.json()["stage"]["code"], moved.json()["probability"]) == ("approval", 75)
    assert (no_reason.status_code, list(field_codes(no_reason))) == (422, ["reason"])
    assert (unknown.status_code, field_codes(unknown)) == (422, {"stage": ["not_found"]})
    assert (won.json()["status"], won.json()["probability"]) == ("won", 100)
    assert after.status_code == 422
    assert [x["id"] for x in listed.json()["items"]] == [opp_id]


def test_the_training_gate_refuses_on_the_product_field(bank, customer, home_loan):
    # given
    from bankcrm.people.models import Course

    Course.objects.create(code="MTG-1", title="按揭合规").required_for.add(home_loan)
    # when
    response = Api(bank.rm).post(
        "/opportunities",
        {
            "customer_id": customer.pk,
            "product_line": "mortgage",
            "product_id": home_loan.pk,
            "name": "首套房",
            "amount": "1.00",
            "expected_close": "2027-06-30",
        },
    )
    # then
    assert response.status_code == 422
    assert list(field_codes(response)) == ["product"]
    assert Opportunity.objects.count() == 0


def test_a_role_without_the_permission(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage)
    auditor = Api(bank.auditor)
    assert auditor.get(f"/opportunities/{opp.pk}").status_code == 200
    assert (
        auditor.post(f"/opportunities/{opp.pk}/stage", {"stage": "won", "version": 1}).status_code
        == 403
    )
    assert auditor.post("/leads", {"source": "walk_in", "branch_id": 1}).status_code == 403
