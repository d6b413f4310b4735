"""Sales services: leads and their assignment, the shared pool, opportunity stages, quotes,
contracts, collection plans and payments, the training gate, and the figures for people."""

import threading
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.utils import translation

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.customers.models import Customer
from bankcrm.interactions.services import interaction_create
from bankcrm.org.roles import Role
from bankcrm.sales import services
from bankcrm.sales.models import (
    AssignmentRule,
    CustomerPoolEvent,
    Lead,
    LeadActivity,
    Opportunity,
    PoolSetting,
    ProductLine,
    StageHistory,
)
from bankcrm.sales.selectors import SalesFigures, pool_setting_for, sales_by_staff
from tests import factories
from tests.sales.conftest import open_opportunity, prospect, stage

pytestmark = pytest.mark.django_db

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 9, 1, 10, 0, tzinfo=SH)


# --------------------------------------------------------------------------------- leads


def test_a_prospect_lead_keeps_name_and_mobile_encrypted_and_masked(bank):
    # when
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    # then
    with connection.cursor() as cursor:
        cursor.execute("SELECT prospect_name, prospect_mobile FROM sales_lead")
        raw = cursor.fetchone()
    assert "李小龙" not in raw[0] and "13800138001" not in raw[1]
    lead = Lead.objects.get(pk=lead.pk)
    assert (lead.prospect_mobile, lead.prospect_mobile_masked) == ("+8613800138001", "138****8001")
    assert lead.display_name == "李**"
    event = AuditEvent.objects.get(action="lead.create")
    assert "李小龙" not in str(event.changes) and "13800138001" not in str(event.changes)
    assert event.changes["prospect_mobile"] is None


def test_a_lead_needs_a_customer_or_a_named_prospect_with_a_valid_mobile(bank):
    # when
    with pytest.raises(ValidationError) as caught:
        services.lead_create(
            actor=bank.rm, data=prospect(bank, prospect_name="", prospect_mobile="14012345678")
        )
    # then
    assert set(caught.value.message_dict) == {"prospect_name", "prospect_mobile"}
    assert Lead.objects.count() == 0


def test_a_referral_records_its_referrer_and_whether_it_crosses_lines(bank, mortgage):
    # given: a wealth-team RM in Shanghai refers a mortgage prospect to Chaoyang
    data = prospect(
        bank,
        source=Lead.Source.REFERRAL,
        referrer=bank.sh_rm,
        referrer_line="wealth",
        product_line=mortgage,
    )
    # when
    lead = services.lead_create(actor=bank.sh_rm, data=data)
    # then
    assert (lead.referrer, lead.referrer_line, lead.is_cross_line) == (bank.sh_rm, "wealth", True)
    assert lead.assignee in (bank.rm, bank.other_rm)


def test_a_referral_without_a_referrer_is_refused(bank):
    with pytest.raises(ValidationError) as caught:
        services.lead_create(actor=bank.rm, data=prospect(bank, source=Lead.Source.REFERRAL))
    assert set(caught.value.message_dict) == {"referrer", "referrer_line"}


def test_a_role_without_the_permission_cannot_create_a_lead(bank):
    with pytest.raises(PermissionDenied):
        services.lead_create(actor=bank.auditor, data=prospect(bank))


# --------------------------------------------------------------------------------- assignment


def test_the_rules_give_a_new_lead_to_the_rm_with_the_fewest_open_leads(bank):
    # given: rm has two open leads, other_rm one
    for _ in range(2):
        services.lead_create(actor=bank.bj_manager, data=prospect(bank), assignee=bank.rm)
    services.lead_create(actor=bank.bj_manager, data=prospect(bank), assignee=bank.other_rm)
    # when
    lead = services.lead_create(actor=bank.agent, data=prospect(bank))
    # then
    assert lead.assignee == bank.other_rm
    assert lead.activities.get().note == "rule"


def test_a_rule_for_the_product_line_limits_who_is_eligible(bank, mortgage):
    # given: mortgages of Beijing (and below) go to other_rm only; rm is idle
    rule = AssignmentRule.objects.create(name="按揭", branch=bank.beijing, product_line=mortgage)
    rule.rms.set([bank.other_rm])
    for _ in range(3):
        services.lead_create(actor=bank.bj_manager, data=prospect(bank), assignee=bank.other_rm)
    # when
    mortgage_lead = services.lead_create(
        actor=bank.agent, data=prospect(bank, product_line=mortgage)
    )
    other_lead = services.lead_create(actor=bank.agent, data=prospect(bank))
    # then
    assert mortgage_lead.assignee == bank.other_rm
    assert other_lead.assignee == bank.rm


def test_an_rm_at_the_cap_gets_no_more_leads(bank):
    # given: a cap of 2 open leads per RM in Beijing
    PoolSetting.objects.create(
        branch=bank.beijing, return_after_days=10, lead_cap=2, customer_cap=100
    )
    for rm in (bank.rm, bank.rm, bank.other_rm, bank.other_rm):
        services.lead_create(actor=bank.bj_manager, data=prospect(bank), assignee=rm)
    # when: both are full, so a new lead waits in the pool
    pooled = services.lead_create(actor=bank.agent, data=prospect(bank))
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        services.lead_create(actor=bank.bj_manager, data=prospect(bank), assignee=bank.rm)
    # then
    assert (pooled.assignee, pooled.pooled_at is not None) == (None, True)
    assert caught.value.message_dict["assignee"] == [
        f"{bank.rm} already has 2 open leads, the most allowed; "
        "they get no more until some are closed."
    ]
    assert Lead.objects.filter(assignee=bank.rm).count() == 2


def test_pool_settings_apply_from_the_nearest_branch_up(bank):
    # given
    PoolSetting.objects.create(branch=None, return_after_days=20, lead_cap=9, customer_cap=99)
    PoolSetting.objects.create(
        branch=bank.beijing, return_after_days=7, lead_cap=3, customer_cap=30
    )
    # then
    assert pool_setting_for(bank.chaoyang).return_after_days == 7
    assert pool_setting_for(bank.chaoyang).source == "110"
    assert pool_setting_for(bank.pudong).return_after_days == 20
    assert pool_setting_for(bank.pudong).source == "bank"


def test_assigning_another_rms_lead_needs_the_permission(bank):
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    with pytest.raises(PermissionDenied):
        services.lead_assign(actor=bank.rm, lead=lead, assignee=bank.other_rm, version=1)


def test_a_manager_reassigns_a_lead_and_it_is_audited(bank):
    # given
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    # when
    lead = services.lead_assign(
        actor=bank.bj_manager, lead=lead, assignee=bank.other_rm, version=lead.version
    )
    # then
    assert lead.assignee == bank.other_rm
    event = AuditEvent.objects.filter(action="lead.assign").get()
    assert event.changes == {"assignee": [bank.rm.pk, bank.other_rm.pk]}


def test_an_rm_of_another_branch_cannot_be_given_the_lead(bank):
    lead = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    with pytest.raises(ValidationError) as caught:
        services.lead_assign(
            actor=bank.bj_manager, lead=lead, assignee=bank.sh_rm, version=lead.version
        )
    assert list(caught.value.message_dict) == ["assignee"]


# --------------------------------------------------------------------------------- the pool


def test_a_lead_without_follow_up_for_n_days_returns_to_the_pool(bank):
    # given: 10 days in Beijing; one lead followed up on day 5, one never
    PoolSetting.objects.create(
        branch=bank.beijing, return_after_days=10, lead_cap=50, customer_cap=500
    )
    idle = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm, now=T0)
    busy = services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm, now=T0)
    services.lead_follow_up(
        actor=bank.rm, lead=busy, version=busy.version, note="电话沟通", now=T0 + timedelta(days=5)
    )
    # when: day 9 nothing; day 11 the idle one
    before = services.pool_return(now=T0 + timedelta(days=9, hours=23))
    after = services.pool_return(now=T0 + timedelta(days=11))
    # then
    assert (before.leads, after.leads) == ([], [idle.pk])
    idle.refresh_from_db()
    assert (idle.assignee, idle.pooled_at) == (None, T0 + timedelta(days=11))
    assert idle.activities.filter(kind=LeadActivity.Kind.RETURNED, staff=bank.rm).count() == 1
    event = AuditEvent.objects.get(action="lead.return_to_pool")
    assert (event.actor_id, event.object_id, event.changes["assignee"]) == (
        None,
        str(idle.pk),
        [bank.rm.pk, None],
    )
    busy.refresh_from_db()
    assert busy.assignee == bank.rm


def test_a_customer_without_follow_up_returns_to_the_pool_through_the_customer_service(
    bank, customer
):
    # given: the customer was created long ago; one of two has a recent interaction
    PoolSetting.objects.create(branch=None, return_after_days=30, lead_cap=50, customer_cap=500)
    contacted = factories.customer(actor=bank.rm, name="王五")
    long_ago = T0 - timedelta(days=90)
    Customer.objects.filter(pk__in=[customer.pk, contacted.pk]).update(created_at=long_ago)
    interaction_create(
        actor=bank.rm,
        customer=contacted,
        channel="call",
        subject="回访",
        occurred_at=T0 - timedelta(days=3),
    )
    # when
    done = services.pool_return(now=T0)
    # then
    assert done.customers == [customer.pk]
    customer.refresh_from_db()
    contacted.refresh_from_db()
    assert (customer.rm, contacted.rm) == (None, bank.rm)
    assign = AuditEvent.objects.get(action="customer.assign")
    assert (assign.actor_id, assign.changes["rm"]) == (None, [bank.rm.pk, None])
    assert AuditEvent.objects.filter(action="customer.return_to_pool").count() == 1
    assert CustomerPoolEvent.objects.get().kind == "returned"


def test_an_rm_claims_a_pool_lead_within_the_cap(bank):
    # given
    lead = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    # when
    claimed = services.lead_claim(actor=bank.rm, lead=lead)
    # then
    assert (claimed.assignee, claimed.pooled_at) == (bank.rm, None)
    assert AuditEvent.objects.filter(action="lead.claim", actor_id=bank.rm.pk).count() == 1


def test_an_rm_at_the_cap_cannot_claim(bank):
    PoolSetting.objects.create(branch=None, return_after_days=30, lead_cap=1, customer_cap=500)
    services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
    pooled = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    with pytest.raises(ValidationError):
        services.lead_claim(actor=bank.rm, lead=pooled)
    pooled.refresh_from_db()
    assert pooled.assignee is None


def test_of_two_claims_of_one_lead_the_first_wins(bank):
    # given: both RMs opened the pool page and hold the same unassigned lead
    lead = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    seen_by_rm, seen_by_other = Lead.objects.get(pk=lead.pk), Lead.objects.get(pk=lead.pk)
    # when
    services.lead_claim(actor=bank.rm, lead=seen_by_rm)
    with pytest.raises(ConflictError), translation.override("en"):
        services.lead_claim(actor=bank.other_rm, lead=seen_by_other)
    # then
    lead.refresh_from_db()
    assert lead.assignee == bank.rm
    assert AuditEvent.objects.filter(action="lead.claim").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_claims_at_the_same_moment_one_wins():
    # given
    bank = factories.Bank()
    lead = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def claim(rm):
        from django.db import connections

        try:
            barrier.wait()
            services.lead_claim(actor=rm, lead=Lead.objects.get(pk=lead.pk))
            outcomes[rm.username] = "won"
        except ConflictError:
            outcomes[rm.username] = "gone"
        finally:
            connections.close_all()

    # when
    threads = [threading.Thread(target=claim, args=(rm,)) for rm in (bank.rm, bank.other_rm)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then
    assert sorted(outcomes.values()) == ["gone", "won"]
    winner = next(name for name, outcome in outcomes.items() if outcome == "won")
    assert Lead.objects.get(pk=lead.pk).assignee.username == winner


def test_an_rm_claims_a_pool_customer_through_the_customer_service(bank, customer):
    # given: the customer is in the pool
    services.pool_return(now=customer.created_at + timedelta(days=400))
    customer.refresh_from_db()
    assert customer.rm is None
    # when
    services.customer_claim(actor=bank.other_rm, customer=customer)
    # then
    customer.refresh_from_db()
    assert customer.rm == bank.other_rm
    assign = AuditEvent.objects.filter(action="customer.assign").order_by("-seq").first()
    assert (assign.actor_id, assign.changes["rm"]) == (bank.other_rm.pk, [None, bank.other_rm.pk])
    # and a second claim finds it gone
    with pytest.raises(ConflictError):
        services.customer_claim(actor=bank.rm, customer=customer)


def test_an_rm_of_another_branch_cannot_claim_the_customer(bank, customer):
    services.pool_return(now=customer.created_at + timedelta(days=400))
    customer.refresh_from_db()
    with pytest.raises(ValidationError):
        services.customer_claim(actor=bank.sh_rm, customer=customer)


def test_a_just_claimed_customer_does_not_return_at_once(bank, customer):
    # given
    later = customer.created_at + timedelta(days=400)
    services.pool_return(now=later)
    customer.refresh_from_db()
    services.customer_claim(actor=bank.rm, customer=customer, now=later)
    # when
    again = services.pool_return(now=later + timedelta(days=1))
    # then
    assert again.customers == []


# --------------------------------------------------------------------------------- stages


def test_an_opportunity_starts_in_the_first_stage_with_its_probability(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage, now=T0)
    assert (opp.stage.code, opp.probability, opp.status, opp.branch) == (
        "application",
        10,
        "open",
        bank.chaoyang,
    )
    assert list(opp.stage_history.values_list("stage__code", "entered_at", "left_at")) == [
        ("application", T0, None)
    ]


def test_stages_move_forward_and_back_with_history(bank, customer, mortgage):
    # given
    opp = open_opportunity(bank, customer, mortgage, now=T0)
    # when
    opp = services.opportunity_move(
        actor=bank.rm,
        opportunity=opp,
        stage=stage(mortgage, "appraisal"),
        version=opp.version,
        now=T0 + timedelta(days=3),
    )
    opp = services.opportunity_move(
        actor=bank.rm,
        opportunity=opp,
        stage=stage(mortgage, "documents"),
        version=opp.version,
        now=T0 + timedelta(days=4),
    )
    # then
    assert (opp.stage.code, opp.probability, opp.status) == ("documents", 30, "open")
    assert list(
        StageHistory.objects.filter(opportunity=opp)
        .order_by("entered_at")
        .values_list("stage__code", "entered_at", "left_at")
    ) == [
        ("application", T0, T0 + timedelta(days=3)),
        ("appraisal", T0 + timedelta(days=3), T0 + timedelta(days=4)),
        ("documents", T0 + timedelta(days=4), None),
    ]
    directions = [
        e.changes["direction"] for e in AuditEvent.objects.filter(action="opportunity.stage")
    ]
    assert directions == ["forward", "back"]


def test_won_is_final(bank, customer, mortgage):
    # given
    opp = open_opportunity(bank, customer, mortgage)
    opp = services.opportunity_move(
        actor=bank.rm, opportunity=opp, stage=stage(mortgage, "won"), version=opp.version
    )
    # when
    with pytest.raises(ValidationError) as caught:
        services.opportunity_move(
            actor=bank.rm, opportunity=opp, stage=stage(mortgage, "approval"), version=opp.version
        )
    # then
    assert list(caught.value.message_dict) == ["stage"]
    opp.refresh_from_db()
    assert (opp.status, opp.probability, opp.stage.code) == ("won", 100, "won")
    assert opp.closed_at is not None


def test_lost_needs_a_reason_and_is_final(bank, customer, mortgage):
    # given
    opp = open_opportunity(bank, customer, mortgage)
    # when
    with pytest.raises(ValidationError) as no_reason:
        services.opportunity_move(
            actor=bank.rm, opportunity=opp, stage=stage(mortgage, "lost"), version=opp.version
        )
    opp = services.opportunity_move(
        actor=bank.rm,
        opportunity=opp,
        stage=stage(mortgage, "lost"),
        version=opp.version,
        reason="客户选择他行利率",
    )
    # then
    assert list(no_reason.value.message_dict) == ["reason"]
    assert (opp.status, opp.lost_reason, opp.probability) == ("lost", "客户选择他行利率", 0)
    with pytest.raises(ValidationError):
        services.opportunity_move(
            actor=bank.rm, opportunity=opp, stage=stage(mortgage, "documents"), version=opp.version
        )
    assert AuditEvent.objects.get(action="opportunity.lost").reason == "客户选择他行利率"


def test_a_stage_of_another_line_or_the_same_stage_is_refused(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage)
    wealth = ProductLine.objects.get(code="wealth")
    for target in (stage(wealth, "proposal"), stage(mortgage, "application")):
        with pytest.raises(ValidationError):
            services.opportunity_move(
                actor=bank.rm, opportunity=opp, stage=target, version=opp.version
            )
    opp.refresh_from_db()
    assert (opp.stage.code, opp.version) == ("application", 1)


def test_a_stale_version_is_a_conflict(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage)
    services.opportunity_move(
        actor=bank.rm, opportunity=opp, stage=stage(mortgage, "documents"), version=1
    )
    with pytest.raises(ConflictError):
        services.opportunity_move(
            actor=bank.rm, opportunity=opp, stage=stage(mortgage, "appraisal"), version=1
        )


def test_another_rm_cannot_move_the_opportunity(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage)
    with pytest.raises(ValidationError):
        services.opportunity_move(
            actor=bank.other_rm, opportunity=opp, stage=stage(mortgage, "documents"), version=1
        )


# --------------------------------------------------------------------------------- training gate


def test_an_owner_without_the_required_training_cannot_open_an_opportunity_for_the_product(
    bank, customer, mortgage, home_loan
):
    # given: the mortgage product requires a course the RM has not completed
    from bankcrm.people import models as people

    course = people.Course.objects.create(code="MTG-101", title="按揭产品合规", title_en="Mortgage")
    course.required_for.add(home_loan)
    # when
    with pytest.raises(ValidationError) as caught, translation.override("en"):
        open_opportunity(bank, customer, mortgage, product=home_loan)
    # then
    assert caught.value.message_dict == {
        "product": [
            f"{bank.rm} may sell {home_loan.name_en} only after completing the training "
            "course “Mortgage”."
        ]
    }
    assert Opportunity.objects.count() == 0
    # and once completed, the opportunity opens
    people.Completion.objects.create(course=course, staff=bank.rm, completed_at=T0)
    assert open_opportunity(bank, customer, mortgage, product=home_loan).product == home_loan


def test_a_product_outside_the_line_is_refused(bank, customer, mortgage):
    card = factories.product(type="credit_card")
    with pytest.raises(ValidationError) as caught:
        open_opportunity(bank, customer, mortgage, product=card)
    assert list(caught.value.message_dict) == ["product"]


# --------------------------------------------------------------------------------- conversion


def test_converting_a_lead_opens_an_opportunity_for_its_rm(bank, customer, mortgage):
    # given
    lead = services.lead_create(
        actor=bank.agent,
        data=services.LeadData(source="walk_in", branch=bank.chaoyang, customer=customer),
        assignee=None,
    )
    lead = Lead.objects.get(pk=lead.pk)
    # when
    opp = services.lead_convert(
        actor=lead.assignee,
        lead=lead,
        version=lead.version,
        customer=None,
        line=mortgage,
        name="按揭",
        amount="800000",
        expected_close=date(2027, 1, 31),
    )
    # then
    lead.refresh_from_db()
    assert (lead.status, opp.lead, opp.owner, opp.customer) == (
        "converted",
        lead,
        lead.assignee,
        customer,
    )


# --------------------------------------------------------------------------------- money


def test_a_quote_totals_its_lines_and_moves_draft_sent_accepted(bank, customer, mortgage):
    opp = open_opportunity(bank, customer, mortgage)
    quote = services.quote_create(
        actor=bank.rm,
        opportunity=opp,
        title="按揭方案",
        valid_until=date(2099, 1, 1),
        items=[
            services.QuoteLine("贷款本金", "1", "1000000"),
            services.QuoteLine("评估费", "2", "1500.50"),
        ],
    )
    assert quote.amount == Decimal("1003001.00")
    with pytest.raises(ValidationError):
        services.quote_set_status(actor=bank.rm, quote=quote, status="accepted", version=1)
    quote = services.quote_set_status(actor=bank.rm, quote=quote, status="sent", version=1)
    quote = services.quote_set_status(actor=bank.rm, quote=quote, status="accepted", version=2)
    assert quote.status == "accepted"


def test_a_contract_plan_must_add_up_and_payments_cannot_exceed_what_is_due(
    bank, customer, mortgage
):
    # given
    opp = open_opportunity(bank, customer, mortgage)
    with pytest.raises(ValidationError) as caught:
        services.contract_create(
            actor=bank.rm,
            opportunity=opp,
            number="HT-1",
            signed_on=date(2026, 1, 5),
            amount="300000",
            term_months=12,
            plan=[(date(2026, 2, 5), "100000"), (date(2026, 3, 5), "100000")],
        )
    assert list(caught.value.message_dict) == ["plan"]
    contract = services.contract_create(
        actor=bank.rm,
        opportunity=opp,
        number="HT-1",
        signed_on=date(2026, 1, 5),
        amount="300000",
        term_months=12,
        plan=services.equal_instalments(
            amount=Decimal("300000"), first_due=date(2026, 2, 5), count=3
        ),
    )
    first, second, third = contract.instalments.order_by("sequence")
    # when
    services.payment_record(
        actor=bank.rm, instalment=first, amount="100000", received_on=date(2026, 2, 5)
    )
    services.payment_record(
        actor=bank.rm, instalment=second, amount="40000", received_on=date(2026, 3, 6)
    )
    with pytest.raises(ValidationError) as too_much:
        services.payment_record(
            actor=bank.rm, instalment=second, amount="60000.01", received_on=date(2026, 3, 7)
        )
    # then
    assert list(too_much.value.message_dict) == ["amount"]
    first.refresh_from_db()
    second.refresh_from_db()
    today = date(2026, 4, 1)
    assert [i.is_overdue(today) for i in (first, second, third)] == [False, True, False]
    assert second.outstanding == Decimal("60000.00")


def test_equal_instalments_add_up_and_keep_month_ends():
    plan = services.equal_instalments(
        amount=Decimal("100000.00"), first_due=date(2026, 1, 31), count=3
    )
    assert plan == [
        (date(2026, 1, 31), Decimal("33333.33")),
        (date(2026, 2, 28), Decimal("33333.33")),
        (date(2026, 3, 31), Decimal("33333.34")),
    ]


# --------------------------------------------------------------------------------- for people


def test_sales_by_staff_counts_won_deals_new_leads_and_referrals(bank, customer, mortgage):
    # given
    services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm, now=T0)
    services.lead_create(
        actor=bank.sh_rm,
        data=prospect(bank, source="referral", referrer=bank.sh_rm, referrer_line="wealth"),
        auto_assign=False,
        now=T0,
    )
    won = open_opportunity(bank, customer, mortgage, amount="500000", now=T0)
    services.opportunity_move(
        actor=bank.rm, opportunity=won, stage=stage(mortgage, "won"), version=1, now=T0
    )
    outside = open_opportunity(bank, customer, mortgage, amount="1", now=T0)
    services.opportunity_move(
        actor=bank.rm,
        opportunity=outside,
        stage=stage(mortgage, "won"),
        version=1,
        now=T0 + timedelta(days=40),
    )
    # when
    figures = sales_by_staff(start=date(2026, 9, 1), end=date(2026, 9, 30))
    # then
    assert figures[bank.rm.pk] == SalesFigures(
        won_count=1,
        won_amount=Decimal("500000.00"),
        new_leads=1,
        referrals_given=0,
    )
    assert figures[bank.sh_rm.pk].referrals_given == 1


def test_role_table_grants(bank):
    assert bank.rm.has_perm("sales.claim_lead")
    assert not bank.bj_manager.has_perm("sales.claim_lead")
    assert bank.bj_manager.has_perm("sales.assign_lead")
    assert not bank.auditor.has_perm("sales.add_lead")
    assert bank.rm.role == Role.RELATIONSHIP_MANAGER


# --------------------------------------------------------------------------------- scoping


def test_who_sees_which_lead(bank):
    # given: a Chaoyang lead referred by the Shanghai RM, assigned to rm; one in the pool
    from bankcrm.sales.selectors import leads_visible_to, pool_leads_for

    referred = services.lead_create(
        actor=bank.sh_rm,
        data=prospect(bank, source="referral", referrer=bank.sh_rm, referrer_line="wealth"),
        auto_assign=False,
    )
    referred = services.lead_claim(actor=bank.rm, lead=referred)
    pooled = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)

    def seen(staff):
        return sorted(leads_visible_to(staff).values_list("pk", flat=True))

    # then
    assert seen(bank.rm) == [referred.pk]
    assert seen(bank.sh_rm) == [referred.pk]  # the referrer follows the referral
    assert seen(bank.other_rm) == []
    assert seen(bank.bj_manager) == [referred.pk, pooled.pk]
    assert seen(bank.sh_manager) == []
    assert seen(bank.auditor) == [referred.pk, pooled.pk]
    assert list(pool_leads_for(bank.other_rm)) == [pooled]
    assert list(pool_leads_for(bank.sh_rm)) == []


def test_a_customer_whose_opportunity_moved_recently_stays(bank, customer, mortgage):
    # given: created long ago, no interaction, but an opportunity moved three days ago
    PoolSetting.objects.create(branch=None, return_after_days=30, lead_cap=50, customer_cap=500)
    Customer.objects.filter(pk=customer.pk).update(created_at=T0 - timedelta(days=90))
    opp = open_opportunity(bank, customer, mortgage, now=T0 - timedelta(days=60))
    services.opportunity_move(
        actor=bank.rm,
        opportunity=opp,
        stage=stage(mortgage, "documents"),
        version=1,
        now=T0 - timedelta(days=3),
    )
    # when
    done = services.pool_return(now=T0)
    # then
    assert done.customers == []
    customer.refresh_from_db()
    assert customer.rm == bank.rm
