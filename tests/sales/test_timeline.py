"""Leads and opportunities on the customer 360 timeline: created, converted, won and lost,
linked only where the viewer may open them."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from bankcrm.customers.timeline import customer_timeline
from bankcrm.sales import services
from bankcrm.sales.selectors import timeline_entries
from tests.sales.conftest import open_opportunity, stage

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 9, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_leads_and_opportunities_join_the_timeline(bank, customer, mortgage):
    # given
    lead = services.lead_create(
        actor=bank.rm,
        data=services.LeadData(source="walk_in", branch=bank.chaoyang, customer=customer),
        assignee=bank.rm,
        now=T0,
    )
    opp = services.lead_convert(
        actor=bank.rm,
        lead=lead,
        version=1,
        customer=None,
        line=mortgage,
        name="按揭",
        amount="100000",
        expected_close=date(2026, 12, 1),
        now=T0 + timedelta(hours=1),
    )
    services.opportunity_move(
        actor=bank.rm,
        opportunity=opp,
        stage=stage(mortgage, "lost"),
        version=1,
        reason="利率",
        now=T0 + timedelta(days=2),
    )
    # when
    with translation.override("en"):
        entries = customer_timeline(actor=bank.rm, customer=customer)
    # then
    assert [(e.kind, e.kind_label, e.at) for e in entries] == [
        ("opportunity", "Opportunity lost", T0 + timedelta(days=2)),
        ("lead", "Lead converted", T0 + timedelta(hours=1)),
        ("opportunity", "Opportunity", T0 + timedelta(hours=1)),
        ("lead", "Lead", T0),
    ]
    assert entries[0].detail == "利率"
    assert entries[0].url == reverse("sales:opportunity_detail", args=[opp.pk])
    assert entries[3].url == reverse("sales:lead_detail", args=[lead.pk])


def test_no_link_where_the_viewer_may_not_open_it_and_nothing_without_the_permission(
    bank, customer, mortgage
):
    # given: the opportunity belongs to another RM of the branch (the customer is rm's)
    open_opportunity(bank, customer, mortgage, owner=bank.other_rm)
    # when
    for_rm = list(timeline_entries(actor=bank.rm, customer=customer, limit=10))
    for_risk = list(timeline_entries(actor=bank.risk, customer=customer, limit=10))
    # then
    assert [(e.kind, e.url) for e in for_rm] == [("opportunity", "")]
    assert for_risk == []


def test_a_constant_number_of_queries(bank, customer, mortgage):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            list(timeline_entries(actor=bank.rm, customer=customer, limit=50))
        return len(ctx)

    open_opportunity(bank, customer, mortgage)
    before = count()
    for _ in range(4):
        open_opportunity(bank, customer, mortgage)
    assert count() == before
