"""Customer endpoints: create, read, update (optimistic lock), reveal, assign, list, 360."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.customers.models import Customer, LifecycleStage, Tag
from bankcrm.customers.services import consent_set, lifecycle_change, relationship_add
from bankcrm.interactions.models import Task
from bankcrm.interactions.services import interaction_create, task_create, task_update
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories
from tests.api_support import Api, field_codes

NEW_CUSTOMER = {
    "name": "王小明",
    "id_type": "resident_id",
    "id_number": "11010519491231002x",
    "mobile": "138 0013 8000",
    "email": "xiaoming@example.cn",
    "occupation": "professional",
    "preferred_channels": ["sms", "email"],
}


def test_create_customer_books_it_at_the_rms_branch_and_masks_protected_fields(bank):
    # given
    api = Api(bank.rm)
    tag = Tag.objects.create(name="高净值", name_en="High net worth")
    # when
    response = api.post("/customers", {**NEW_CUSTOMER, "tag_ids": [tag.pk]})
    # then
    assert response.status_code == 201
    body = response.json()
    customer = Customer.objects.get(pk=body["id"])
    assert (customer.branch_id, customer.rm_id) == (bank.chaoyang.pk, bank.rm.pk)
    assert customer.id_number == "11010519491231002X"
    assert customer.mobile == "+8613800138000"
    assert body["number"] == customer.number
    assert body["id_number_masked"] == "110105********002X"
    assert body["mobile_masked"] == "138****8000"
    assert body["email_masked"] == "x***@example.cn"
    assert body["birth_date"] == "1949-12-31"
    assert body["branch"]["id"] == bank.chaoyang.pk
    assert body["rm"] == {"id": bank.rm.pk, "display_name": bank.rm.display_name}
    assert body["tags"] == [{"id": tag.pk, "name": "高净值", "name_en": "High net worth"}]
    assert body["preferred_channels"] == ["sms", "email"]
    assert (body["version"], body["lifecycle_stage"], body["warnings"]) == (1, "prospect", [])
    assert not {"id_number", "mobile", "email"} & set(body)
    assert "13800138000" not in response.content.decode()


def test_create_by_a_branch_manager_leaves_the_rm_unassigned(bank):
    # when
    response = Api(bank.bj_manager).post("/customers", NEW_CUSTOMER)
    # then
    assert response.status_code == 201
    assert (response.json()["branch"]["id"], response.json()["rm"]) == (bank.beijing.pk, None)


def test_create_reports_a_warning_that_does_not_block(bank):
    # given: a checksum-valid resident ID whose area code is unknown
    body = {**NEW_CUSTOMER, "id_number": factories.resident_id(area="990000")}
    # when
    response = Api(bank.rm).post("/customers", body)
    # then
    assert response.status_code == 201
    assert response.json()["warnings"] == [
        "The resident ID number's area code is not a known region."
    ]


def test_bad_resident_id_and_mobile_answer_422_with_field_codes(bank):
    # given
    body = {**NEW_CUSTOMER, "id_number": "36042619910102009X", "mobile": "14012345678"}
    # when
    response = Api(bank.rm).post("/customers", body)
    # then
    assert response.status_code == 422
    assert response.json() == {
        "code": "invalid",
        "message": "The input is not valid. See the field errors.",
        "errors": {
            "id_number": [
                {"code": "checksum", "message": "The resident ID number's check digit is wrong."}
            ],
            "mobile": [{"code": "invalid", "message": "This mobile number is not valid."}],
        },
    }
    assert Customer.objects.count() == 0


def test_bad_birth_date_in_resident_id_answers_422(bank):
    # when
    response = Api(bank.rm).post("/customers", {**NEW_CUSTOMER, "id_number": "360426199113010079"})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {"id_number": ["birth_date"]}


def test_schema_errors_have_the_same_shape(bank):
    # when
    response = Api(bank.rm).post("/customers", {"name": "", "id_type": "driving_licence"})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {
        "name": ["too_short"],
        "id_type": ["invalid_choice"],
        "id_number": ["required"],
    }


@pytest.mark.parametrize(
    "extra",
    [
        {"branch_id": 1},
        {"branch": 1},
        {"rm_id": 1},
        {"rm": 1},
        {"aum": "99999999.00"},
        {"liabilities": "0"},
        {"number": "000000000018"},
        {"version": 7},
        {"lifecycle_stage": "active"},
        {"score": 900},
    ],
)
def test_create_refuses_mass_assignment(bank, extra):
    # when
    response = Api(bank.rm).post("/customers", {**NEW_CUSTOMER, **extra})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Customer.objects.count() == 0


@pytest.mark.parametrize(
    "extra",
    [
        {"branch_id": 2},
        {"rm_id": 1},
        {"aum": "99999999.00"},
        {"liabilities": "0"},
        {"number": "1"},
        {"name_pinyin": "x"},
        {"id_number_bidx": "x"},
    ],
)
def test_update_refuses_mass_assignment_and_changes_nothing(bank, customer, extra):
    # given
    before = Customer.objects.filter(pk=customer.pk).values().get()
    # when
    response = Api(bank.bj_manager).patch(
        f"/customers/{customer.pk}", {"version": customer.version, "city": "天津", **extra}
    )
    # then
    assert response.status_code == 422
    assert field_codes(response) == {next(iter(extra)): ["unknown_field"]}
    assert Customer.objects.filter(pk=customer.pk).values().get() == before


def test_get_customer(bank, customer):
    # when
    response = Api(bank.bj_manager).get(f"/customers/{customer.pk}")
    # then
    assert response.status_code == 200
    assert (response.json()["id"], response.json()["name"]) == (customer.pk, "张三丰")
    assert response.json()["mobile_masked"] == "138****8000"


def test_missing_customer_answers_404(bank):
    # when
    response = Api(bank.admin).get("/customers/999999")
    # then
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found.", "errors": {}}


def test_update_customer_bumps_the_version_and_records_the_change(bank, customer):
    # given
    api = Api(bank.rm)
    # when
    response = api.patch(
        f"/customers/{customer.pk}",
        {"version": 1, "city": "北京", "mobile": "19912345678", "risk_tolerance": "C3"},
    )
    # then
    assert response.status_code == 200
    body = response.json()
    assert (body["city"], body["risk_tolerance"], body["version"]) == ("北京", "C3", 2)
    assert body["mobile_masked"] == "199****5678"
    customer.refresh_from_db()
    assert (customer.city, customer.mobile, customer.version) == ("北京", "+8619912345678", 2)
    event = AuditEvent.objects.filter(action="customer.update").get()
    assert event.changes == {"city": ["", "北京"], "mobile": None, "risk_tolerance": ["", "C3"]}


def test_update_with_a_stale_version_answers_409_and_loses_nothing(bank, customer):
    # given: two clients read version 1; the first saves
    first, second = Api(bank.rm), Api(bank.bj_manager)
    assert (
        first.patch(f"/customers/{customer.pk}", {"version": 1, "city": "北京"}).status_code == 200
    )
    # when
    response = second.patch(f"/customers/{customer.pk}", {"version": 1, "city": "上海"})
    # then
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert response.json()["message"].startswith("Someone else changed this record")
    customer.refresh_from_db()
    assert (customer.city, customer.version) == ("北京", 2)


def test_update_needs_a_version_and_refuses_null(bank, customer):
    # when
    missing = Api(bank.rm).patch(f"/customers/{customer.pk}", {"city": "北京"})
    null = Api(bank.rm).patch(f"/customers/{customer.pk}", {"version": 1, "name": None})
    # then
    assert (missing.status_code, field_codes(missing)) == (422, {"version": ["required"]})
    assert (null.status_code, field_codes(null)) == (422, {"name": ["null"]})


def test_update_can_clear_the_birth_date_of_a_passport_holder(bank):
    # given
    customer = factories.customer(
        actor=bank.rm, id_type="passport", id_number="E12345678", birth_date=date(1990, 1, 2)
    )
    # when
    response = Api(bank.rm).patch(f"/customers/{customer.pk}", {"version": 1, "birth_date": None})
    # then
    assert response.status_code == 200
    assert response.json()["birth_date"] is None


def test_update_without_permission_answers_403(bank, customer):
    # when: the auditor sees every customer but may not change one
    response = Api(bank.auditor).patch(f"/customers/{customer.pk}", {"version": 1, "city": "x"})
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    customer.refresh_from_db()
    assert customer.city == ""


def test_reveal_returns_the_clear_value_and_is_audited(bank, customer):
    # when
    response = Api(bank.rm).post(
        f"/customers/{customer.pk}/reveal", {"field": "mobile", "reason": "回电确认转账"}
    )
    # then
    assert response.status_code == 200
    assert response.json() == {"field": "mobile", "value": "+8613800138000"}
    event = AuditEvent.objects.get(action="customer.reveal")
    assert (event.actor_id, event.customer_id, event.outcome) == (
        bank.rm.pk,
        customer.pk,
        "allowed",
    )
    assert (event.changes, event.reason) == ({"mobile": None}, "回电确认转账")


def test_reveal_needs_a_reason_and_a_revealable_field(bank, customer):
    # given
    api = Api(bank.rm)
    # when
    no_reason = api.post(f"/customers/{customer.pk}/reveal", {"field": "mobile", "reason": "x"})
    bad_field = api.post(f"/customers/{customer.pk}/reveal", {"field": "name", "reason": "check"})
    # then
    assert (no_reason.status_code, field_codes(no_reason)) == (422, {"reason": ["invalid"]})
    assert (bad_field.status_code, field_codes(bad_field)) == (422, {"field": ["invalid_choice"]})
    assert not AuditEvent.objects.filter(action="customer.reveal").exists()


def test_reveal_without_permission_answers_403_and_the_refusal_is_audited(bank, customer):
    # when: marketing sees the customer but may not reveal
    response = Api(bank.marketing).post(
        f"/customers/{customer.pk}/reveal", {"field": "id_number", "reason": "campaign"}
    )
    # then
    assert response.status_code == 403
    event = AuditEvent.objects.get(action="customer.reveal")
    assert (event.actor_id, event.outcome) == (bank.marketing.pk, "denied")


def test_assign_moves_the_customer_to_another_rm(bank, customer):
    # when
    response = Api(bank.bj_manager).post(
        f"/customers/{customer.pk}/assign", {"rm_id": bank.other_rm.pk}
    )
    # then
    assert response.status_code == 200
    assert response.json()["rm"]["id"] == bank.other_rm.pk
    customer.refresh_from_db()
    assert (customer.rm_id, customer.branch_id) == (bank.other_rm.pk, bank.chaoyang.pk)
    assert AuditEvent.objects.filter(action="customer.assign", customer_id=customer.pk).exists()


def test_assign_needs_the_assign_permission(bank, customer):
    # when: an RM may not reassign even their own customer
    response = Api(bank.rm).post(f"/customers/{customer.pk}/assign", {"rm_id": bank.other_rm.pk})
    # then
    assert response.status_code == 403
    customer.refresh_from_db()
    assert customer.rm_id == bank.rm.pk


def test_assign_refuses_an_rm_or_branch_the_actor_cannot_see(bank, customer):
    # given
    api = Api(bank.bj_manager)
    # when
    other_rm = api.post(f"/customers/{customer.pk}/assign", {"rm_id": bank.sh_rm.pk})
    other_branch = api.post(
        f"/customers/{customer.pk}/assign", {"rm_id": None, "branch_id": bank.pudong.pk}
    )
    missing_rm = api.post(f"/customers/{customer.pk}/assign", {"rm_id": 999999})
    # then
    assert (other_rm.status_code, field_codes(other_rm)) == (422, {"rm_id": ["not_found"]})
    assert (other_branch.status_code, field_codes(other_branch)) == (
        422,
        {"branch_id": ["not_found"]},
    )
    assert (missing_rm.status_code, field_codes(missing_rm)) == (422, {"rm_id": ["not_found"]})
    customer.refresh_from_db()
    assert (customer.rm_id, customer.branch_id) == (bank.rm.pk, bank.chaoyang.pk)


def test_assign_refuses_an_rm_outside_the_target_branch(bank, customer):
    # when: the head-office admin cannot assign (no permission); the Beijing manager moves the
    # customer to the Beijing branch but names an RM of Chaoyang: allowed (Chaoyang is below)
    ok = Api(bank.bj_manager).post(
        f"/customers/{customer.pk}/assign", {"rm_id": bank.rm.pk, "branch_id": bank.beijing.pk}
    )
    sub = factories.customer(actor=bank.bj_manager, branch=bank.beijing, rm=None)
    other = Api(bank.bj_manager).post(
        f"/customers/{sub.pk}/assign", {"rm_id": bank.rm.pk, "branch_id": bank.chaoyang.pk}
    )
    branch_only = factories.staff(role="relationship_manager", branch=bank.beijing)
    mismatch = Api(bank.bj_manager).post(
        f"/customers/{customer.pk}/assign", {"rm_id": branch_only.pk, "branch_id": bank.chaoyang.pk}
    )
    # then
    assert ok.status_code == 200
    assert other.status_code == 200
    assert (mismatch.status_code, field_codes(mismatch)) == (422, {"rm_id": ["branch_mismatch"]})


# --- Lists, search and cursor pagination ------------------------------------------------------


def _walk(fetch, limit: int) -> tuple[list[int], int]:
    ids: list[int] = []
    cursor = None
    pages = 0
    while True:
        body = fetch(cursor, limit)
        pages += 1
        ids.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return ids, pages


def test_cursor_pagination_walks_every_customer_once(bank):
    # given: 8 customers of the RM, 2 of another RM
    mine = [factories.customer(actor=bank.rm).pk for _ in range(8)]
    for _ in range(2):
        factories.customer(actor=bank.other_rm)
    api = Api(bank.rm)

    def via_get(cursor, limit):
        return api.get(
            "/customers", {"limit": limit, **({"cursor": cursor} if cursor else {})}
        ).json()

    def via_post(cursor, limit):
        return api.post("/customers/search", {"limit": limit, "cursor": cursor}).json()

    # when
    got_get, pages_get = _walk(via_get, 3)
    got_post, pages_post = _walk(via_post, 4)
    # then
    assert got_get == sorted(mine, reverse=True)
    assert got_post == sorted(mine, reverse=True)
    assert (pages_get, pages_post) == (3, 2)


def test_last_page_has_no_cursor(bank, customer):
    # when
    body = Api(bank.rm).get("/customers", {"limit": 1}).json()
    # then
    assert [item["id"] for item in body["items"]] == [customer.pk]
    assert body["next_cursor"] is None


@pytest.mark.parametrize("cursor", ["garbage", "WzBd", "WyJ4Il0", "W10", "Wy0xXQ", "x" * 300])
def test_invalid_cursor_answers_422(bank, customer, cursor):
    # when
    response = Api(bank.rm).get("/customers", {"cursor": cursor})
    # then
    assert response.status_code == 422
    assert field_codes(response) == {
        "cursor": [("invalid_cursor" if len(cursor) < 300 else "too_long")]
    }


def test_search_by_mobile_and_id_number_in_the_body(bank, customer):
    # given
    factories.customer(actor=bank.rm, name="李四")
    api = Api(bank.rm)
    # when
    by_mobile = api.post("/customers/search", {"q": "13800138000"}).json()
    by_id = api.post("/customers/search", {"q": "11010519491231002X"}).json()
    by_pinyin = api.post("/customers/search", {"q": "zhangsan"}).json()
    # then
    assert [c["id"] for c in by_mobile["items"]] == [customer.pk]
    assert [c["id"] for c in by_id["items"]] == [customer.pk]
    assert [c["id"] for c in by_pinyin["items"]] == [customer.pk]


def test_list_filters(bank, customer):
    # given
    tag = Tag.objects.create(name="代发工资")
    rich = factories.customer(actor=bank.rm, name="赵六")
    rich.tags.add(tag)
    Customer.objects.filter(pk=rich.pk).update(aum=Decimal("600000.00"))
    other = factories.customer(actor=bank.bj_manager, branch=bank.beijing, rm=None)
    lifecycle_change(actor=bank.rm, customer=customer, to_stage="onboarding", reason="开户")
    api = Api(bank.bj_manager)

    def ids(**params):
        response = api.get("/customers", params)
        assert response.status_code == 200
        return [c["id"] for c in response.json()["items"]]

    # then
    assert ids(aum_min="500000") == [rich.pk]
    assert ids(aum_max="1000") == [other.pk, customer.pk]
    assert ids(tag_id=tag.pk) == [rich.pk]
    assert ids(branch_id=bank.beijing.pk) == [other.pk]
    assert ids(rm_id=bank.rm.pk) == [rich.pk, customer.pk]
    assert ids(lifecycle_stage=LifecycleStage.ONBOARDING) == [customer.pk]
    assert ids(q="赵") == [rich.pk]


def test_bad_search_text_is_a_field_error(bank, customer):
    # when
    response = Api(bank.rm).post("/customers/search", {"q": "someone@"})
    # then
    assert response.status_code == 422
    assert list(field_codes(response)) == ["q"]


# --- Customer 360 -------------------------------------------------------------------------------


@pytest.fixture
def rich_customer(bank, customer):
    """The customer with holdings, interactions, tasks, relationships, consent and history."""
    deposit = factories.product(type=ProductType.TIME_DEPOSIT)
    loan = factories.product(type=ProductType.MORTGAGE)
    today = timezone.localdate()
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=deposit,
        account_number="6222020200112233",
        balance=Decimal("150000.00"),
        opened_on=today - timedelta(days=30),
    )
    holding_create(
        actor=bank.rm,
        customer=customer,
        product=loan,
        account_number="6222020200445566",
        balance=Decimal("800000.00"),
        opened_on=today - timedelta(days=300),
    )
    interaction_create(
        actor=bank.rm,
        customer=customer,
        channel="call",
        subject="理财到期提醒",
        follow_up_title="回访",
        follow_up_due=today + timedelta(days=3),
    )
    done = task_create(
        actor=bank.rm, customer=customer, assignee=bank.rm, title="已办", due_date=today
    )
    task_update(actor=bank.rm, task=done, version=done.version, status=Task.Status.DONE)
    spouse = factories.customer(actor=bank.rm, name="李梅")
    stranger = factories.customer(actor=bank.sh_rm, name="欧阳修", branch=bank.pudong)
    relationship_add(actor=bank.rm, customer=customer, related=spouse, kind="household")
    relationship_add(actor=bank.rm, customer=customer, related=stranger, kind="referrer")
    consent_set(
        actor=bank.rm,
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="branch form",
    )
    lifecycle_change(actor=bank.rm, customer=customer, to_stage="onboarding", reason="开户")
    customer.refresh_from_db()
    return customer, spouse


def test_360_holds_profile_holdings_interactions_tasks_relationships_consent_lifecycle(
    bank, rich_customer
):
    # given
    customer, spouse = rich_customer
    # when
    response = Api(bank.rm).get(f"/customers/{customer.pk}/360")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["customer"]["id"] == customer.pk
    assert (body["customer"]["aum"], body["customer"]["liabilities"]) == ("150000.00", "800000.00")
    assert sorted(
        (h["product"]["type"], h["balance"], h["account_number_masked"], h["is_liability"])
        for h in body["holdings"]
    ) == [
        ("mortgage", "800000.00", "************5566", True),
        ("time_deposit", "150000.00", "************2233", False),
    ]
    assert [(i["channel"], i["subject"]) for i in body["recent_interactions"]] == [
        ("call", "理财到期提醒")
    ]
    assert [(t["title"], t["status"]) for t in body["open_tasks"]] == [("回访", "open")]
    assert body["relationships"] == [
        {
            "kind": "household",
            "note": "",
            "related_visible": True,
            "related_id": spouse.pk,
            "related_number": spouse.number,
            "related_name": "李梅",
        },
        {
            "kind": "referrer",
            "note": "",
            "related_visible": False,
            "related_id": None,
            "related_number": None,
            "related_name": "欧**",
        },
    ]
    granted = [(c["channel"], c["purpose"]) for c in body["consents"] if c["granted"]]
    assert granted == [("sms", "marketing")]
    assert len(body["consents"]) == 10
    assert body["lifecycle"]["stage"] == "onboarding"
    assert body["lifecycle"]["next_stages"] == ["active", "churned"]
    assert [(e["from_stage"], e["to_stage"]) for e in body["lifecycle"]["events"]] == [
        ("prospect", "onboarding"),
        ("", "prospect"),
    ]
    assert "6222020200112233" not in response.content.decode()


@pytest.mark.parametrize("who", ["rm", "bj_manager", "admin"])
def test_360_uses_a_constant_number_of_queries(
    bank, rich_customer, who, django_assert_max_num_queries
):
    # given: a warmed-up token (last_used_at recorded), more rows than the fixture alone;
    # 21 = token 1 + the branch subtree's ids 1 (branch scope; kept on the actor's branch for
    # the request, not asked again by each scoped selector) + customer 1 + relationships 2 +
    # holdings, interactions, tasks, consents, lifecycle, history, tags 1 each + the timeline's
    # providers (interactions 1, tasks done 1, messages 1, sales leads and opportunities 2 each
    # with their scope, service cases 1, surveys 1); whatever the number of rows
    customer, _spouse = rich_customer
    api = Api(getattr(bank, who))
    assert api.get(f"/customers/{customer.pk}/360").status_code == 200
    for i in range(5):
        interaction_create(actor=bank.rm, customer=customer, channel="note", subject=f"n{i}")
        relationship_add(
            actor=bank.rm,
            customer=customer,
            related=factories.customer(actor=bank.rm),
            kind="household",
        )
    # when / then
    with django_assert_max_num_queries(21):
        response = api.get(f"/customers/{customer.pk}/360")
    assert response.status_code == 200
    assert len(response.json()["recent_interactions"]) == 6
    assert len(response.json()["relationships"]) == 7
