"""The customer master's write services: validation, optimistic locking, audit, lifecycle."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.customers import services
from bankcrm.customers.models import Consent, Customer, LifecycleEvent, LifecycleStage
from tests import factories


def test_create_normalises_identifiers_and_derives_keys(bank):
    # when
    customer, warnings = services.customer_create(
        actor=bank.rm,
        branch=bank.chaoyang,
        rm=bank.rm,
        name="李小龙",
        id_type="resident_id",
        id_number="11010519491231002x",
        mobile="138 0013 8000",
        email="Li@Example.CN",
    )
    # then
    customer.refresh_from_db()
    assert warnings == []
    assert customer.id_number == "11010519491231002X"
    assert customer.mobile == "+8613800138000"
    assert customer.email == "Li@example.cn"
    assert customer.birth_date == date(1949, 12, 31)
    assert (customer.name_pinyin, customer.name_initials) == ("lixiaolong", "lxl")
    assert customer.lifecycle_stage == LifecycleStage.PROSPECT
    assert LifecycleEvent.objects.filter(customer=customer, to_stage="prospect").count() == 1
    event = AuditEvent.objects.get(action="customer.create", customer_id=customer.pk)
    assert event.actor == bank.rm
    assert event.changes["id_number"] is None  # named, never the value
    assert "11010519491231002X" not in str(event.changes)


def test_create_rejects_bad_input_with_a_message_per_field_and_saves_nothing(bank):
    # when
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=bank.rm,
            branch=bank.chaoyang,
            name="",
            id_type="resident_id",
            id_number="36042619910102009X",
            mobile="14012345678",
            email="not-an-email",
        )
    # then
    assert set(exc.value.message_dict) == {"name", "id_number", "mobile", "email"}
    assert Customer.objects.count() == 0
    assert AuditEvent.objects.count() == 0


def test_create_warns_on_unknown_area_code(bank):
    from stdnum.cn import ric

    body = "99010119800101001"
    customer, warnings = services.customer_create(
        actor=bank.rm,
        branch=bank.chaoyang,
        name="王五",
        id_type="resident_id",
        id_number=body + ric.calc_check_digit(body + "0"),
    )
    assert customer.pk is not None
    assert len(warnings) == 1


def test_corporate_customers_need_a_social_credit_code(bank):
    with pytest.raises(ValidationError) as exc:
        services.customer_create(
            actor=bank.rm,
            branch=bank.chaoyang,
            kind="corporate",
            name="北京某某科技有限公司",
            id_type="resident_id",
            id_number=factories.resident_id(),
        )
    assert "id_type" in exc.value.message_dict
    customer, _ = services.customer_create(
        actor=bank.rm,
        branch=bank.chaoyang,
        kind="corporate",
        name="北京某某科技有限公司",
        id_type="uscc",
        id_number="91110000600037341L",
    )
    assert customer.id_number == "91110000600037341L"


def test_update_records_changed_fields_and_bumps_version(customer, bank):
    # when
    updated, _ = services.customer_update(
        actor=bank.rm, customer=customer, version=1, employer="中国银行", mobile="13900139000"
    )
    # then
    assert updated.version == 2
    assert updated.employer == "中国银行"
    assert updated.mobile == "+8613900139000"
    event = AuditEvent.objects.get(action="customer.update", customer_id=customer.pk)
    assert event.changes == {"employer": ["", "中国银行"], "mobile": None}


def test_second_concurrent_edit_is_refused_and_the_first_is_kept(customer, bank):
    # given: two members of staff opened the customer at version 1
    first = Customer.objects.get(pk=customer.pk)
    second = Customer.objects.get(pk=customer.pk)
    services.customer_update(actor=bank.rm, customer=first, version=1, employer="甲公司")
    # when
    with pytest.raises(ConflictError):
        services.customer_update(
            actor=bank.bj_manager, customer=second, version=1, employer="乙公司"
        )
    # then
    customer.refresh_from_db()
    assert customer.employer == "甲公司"
    assert customer.version == 2
    assert AuditEvent.objects.filter(action="customer.update").count() == 1


def test_stale_version_passed_explicitly_is_refused(customer, bank):
    with pytest.raises(ConflictError):
        services.customer_update(actor=bank.rm, customer=customer, version=7, employer="X")
    customer.refresh_from_db()
    assert customer.employer == ""


def test_update_refuses_ownership_fields(customer, bank):
    with pytest.raises(TypeError):
        services.customer_update(actor=bank.rm, customer=customer, version=1, rm=bank.other_rm)


def test_roles_without_change_permission_cannot_edit(customer, bank):
    with pytest.raises(PermissionDenied):
        services.customer_update(actor=bank.analyst, customer=customer, version=1, employer="X")
    customer.refresh_from_db()
    assert customer.employer == ""


def test_reveal_needs_permission_and_reason_and_is_audited(customer, bank):
    # when
    value = services.customer_reveal(
        actor=bank.rm, customer=customer, field="mobile", reason="客户来电核实身份"
    )
    # then
    assert value == "+8613800138000"
    event = AuditEvent.objects.get(action="customer.reveal", outcome="allowed")
    assert (event.actor, event.reason, event.changes) == (
        bank.rm,
        "客户来电核实身份",
        {"mobile": None},
    )
    with pytest.raises(ValidationError):
        services.customer_reveal(actor=bank.rm, customer=customer, field="mobile", reason="")
    with pytest.raises(PermissionDenied):
        services.customer_reveal(
            actor=bank.analyst, customer=customer, field="id_number", reason="curious"
        )
    assert AuditEvent.objects.filter(action="customer.reveal", outcome="denied").count() == 1


def test_consent_grant_and_withdraw_in_one_call_each(customer, bank):
    # when
    services.consent_set(
        actor=bank.rm,
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=True,
        source="branch form",
    )
    consent = services.consent_set(
        actor=bank.rm,
        customer=customer,
        channel="sms",
        purpose="marketing",
        granted=False,
        source="phone call",
    )
    # then
    assert Consent.objects.filter(customer=customer).count() == 1
    assert consent.granted is False
    assert consent.granted_at is not None and consent.withdrawn_at is not None
    assert list(
        AuditEvent.objects.filter(object_type="consent")
        .values_list("action", flat=True)
        .order_by("id")
    ) == ["consent.grant", "consent.withdraw"]


def test_lifecycle_moves_along_allowed_paths_with_history(customer, bank):
    # when
    services.lifecycle_change(
        actor=bank.rm, customer=customer, to_stage="onboarding", reason="开户"
    )
    services.lifecycle_change(
        actor=bank.rm, customer=customer, to_stage="active", reason="首笔存款"
    )
    # then
    assert customer.lifecycle_stage == "active"
    events = list(
        LifecycleEvent.objects.filter(customer=customer)
        .order_by("id")
        .values_list("from_stage", "to_stage", "reason")
    )
    assert events == [
        ("", "prospect", "created"),
        ("prospect", "onboarding", "开户"),
        ("onboarding", "active", "首笔存款"),
    ]
    with pytest.raises(ValidationError) as exc:
        services.lifecycle_change(actor=bank.rm, customer=customer, to_stage="won_back", reason="x")
    assert "to_stage" in exc.value.message_dict


def test_relationships_cannot_point_to_self(customer, bank):
    spouse = factories.customer(actor=bank.rm, name="王芳")
    relationship = services.relationship_add(
        actor=bank.rm, customer=customer, related=spouse, kind="household"
    )
    again = services.relationship_add(
        actor=bank.rm, customer=customer, related=spouse, kind="household"
    )
    assert relationship.pk == again.pk
    with pytest.raises(ValidationError):
        services.relationship_add(
            actor=bank.rm, customer=customer, related=customer, kind="household"
        )


def test_assigning_needs_the_permission_unless_a_named_rule_does_it(bank, customer):
    # when: an RM without the permission; then the pool's return rule with no actor
    with pytest.raises(PermissionDenied):
        services.customer_assign(actor=bank.rm, customer=customer, rm=bank.other_rm)
    returned = services.customer_assign(actor=None, customer=customer, rm=None, rule="pool_return")
    # then
    assert returned.rm_id is None
    event = AuditEvent.objects.filter(action="customer.assign").get()
    assert (event.actor_id, event.reason) == (None, "pool_return")
    assert event.changes["rm"] == [bank.rm.pk, None]
