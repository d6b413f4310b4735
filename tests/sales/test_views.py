"""Sales pages: what each shows, the forms, the board's htmx move, and the scoping matrix (another
branch, another RM, anonymous, a role without the permission)."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.sales import services
from bankcrm.sales.models import Lead, Opportunity, Quote
from tests import factories
from tests.sales.conftest import open_opportunity, prospect, stage
from tests.test_csp import csp_violations

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(bank):
    return services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)


@pytest.fixture
def opp(bank, customer, mortgage):
    return open_opportunity(bank, customer, mortgage)


def _get(client, url):
    response = client.get(url)
    translation.activate("zh-hans")
    return response


def test_every_page_renders_for_the_rm(client, bank, lead, opp):
    # given
    client.force_login(bank.rm)
    urls = [
        reverse("sales:leads"),
        reverse("sales:lead_create"),
        reverse("sales:lead_detail", args=[lead.pk]),
        reverse("sales:pool"),
        reverse("sales:opportunities"),
        reverse("sales:board"),
        reverse("sales:opportunity_create"),
        reverse("sales:opportunity_detail", args=[opp.pk]),
        reverse("sales:report"),
    ]
    # when
    responses = {url: client.get(url) for url in urls}
    # then
    assert {url: r.status_code for url, r in responses.items()} == dict.fromkeys(urls, 200)
    assert all("no-store" in r["Cache-Control"] for r in responses.values())
    for response in responses.values():
        assert csp_violations(response.content.decode()) == []


def test_the_lead_page_masks_the_prospect(client, bank, lead):
    client.force_login(bank.rm)
    page = client.get(reverse("sales:lead_detail", args=[lead.pk])).content.decode()
    assert "138****8001" in page and "13800138001" not in page and "李小龙" not in page


def test_revealing_the_mobile_is_audited_and_needs_a_reason(client, bank, lead):
    client.force_login(bank.rm)
    url = reverse("sales:lead_reveal", args=[lead.pk])
    refused = client.post(url, {"reason": ""})
    shown = client.post(url, {"reason": "回电确认"})
    assert refused.status_code == 400
    assert "+8613800138001" in shown.content.decode()
    assert AuditEvent.objects.get(action="lead.reveal").reason == "回电确认"


def test_a_lead_is_recorded_from_the_form(client, bank):
    # given
    client.force_login(bank.agent)
    # when
    response = client.post(
        reverse("sales:lead_create"),
        {
            "source": "walk_in",
            "branch": bank.chaoyang.pk,
            "prospect_name": "赵敏",
            "prospect_mobile": "13900001111",
        },
    )
    # then
    lead = Lead.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sales:lead_detail", args=[lead.pk])
    assert lead.assignee in (bank.rm, bank.other_rm)


def test_a_bad_lead_form_names_the_field(client, bank):
    client.force_login(bank.agent)
    with translation.override("en"):
        response = client.post(
            reverse("sales:lead_create"),
            {"source": "referral", "branch": bank.chaoyang.pk, "prospect_name": "赵敏"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 200
    assert Lead.objects.count() == 0
    form = response.context["form"]
    assert set(form.errors) == {"prospect_mobile", "referrer", "referrer_line"}


def test_following_up_and_converting_from_the_lead_page(client, bank, customer, mortgage):
    # given
    lead = services.lead_create(
        actor=bank.rm,
        data=services.LeadData(source="walk_in", branch=bank.chaoyang, customer=customer),
        assignee=bank.rm,
    )
    client.force_login(bank.rm)
    # when
    followed = client.post(
        reverse("sales:lead_follow_up", args=[lead.pk]),
        {"version": 1, "note": "约了周五面谈", "status": "qualified"},
    )
    converted = client.post(
        reverse("sales:lead_convert", args=[lead.pk]),
        {
            "version": 2,
            "line": mortgage.pk,
            "name": "按揭一套房",
            "amount": "900000",
            "expected_close": "2027-02-01",
        },
    )
    # then
    opp = Opportunity.objects.get()
    assert followed.status_code == 302
    assert converted["Location"] == reverse("sales:opportunity_detail", args=[opp.pk])
    lead.refresh_from_db()
    assert (lead.status, opp.lead_id) == ("converted", lead.pk)


def test_the_board_moves_a_card_with_htmx(client, bank, opp, mortgage):
    # given
    client.force_login(bank.rm)
    url = reverse("sales:opportunity_move", args=[opp.pk])
    # when
    moved = client.post(
        url,
        {"stage": stage(mortgage, "appraisal").pk, "version": 1},
        HTTP_HX_REQUEST="true",
    )
    stale = client.post(
        url, {"stage": stage(mortgage, "approval").pk, "version": 1}, HTTP_HX_REQUEST="true"
    )
    lost = client.post(
        url, {"stage": stage(mortgage, "lost").pk, "version": 2}, HTTP_HX_REQUEST="true"
    )
    # then
    assert moved.status_code == 200
    assert f'id="opp-{opp.pk}"' in moved.content.decode()
    assert 'data-version="2"' in moved.content.decode()
    assert stale.status_code == 409
    assert lost.status_code == 400
    opp.refresh_from_db()
    assert opp.stage.code == "appraisal"


def test_the_board_shows_each_stage_with_its_cards(client, bank, customer, opp, mortgage):
    # given
    other = open_opportunity(bank, customer, mortgage, amount="300000")
    services.opportunity_move(
        actor=bank.rm, opportunity=other, stage=stage(mortgage, "approval"), version=1
    )
    client.force_login(bank.rm)
    # when
    page = client.get(reverse("sales:board") + "?line=mortgage").content.decode()
    # then
    assert page.count('class="bk-board-col') == 7
    assert f'id="opp-{opp.pk}"' in page and f'id="opp-{other.pk}"' in page


def test_quote_contract_and_payment_from_the_opportunity_page(client, bank, opp):
    # given
    client.force_login(bank.rm)
    today = timezone.localdate()
    # when
    client.post(
        reverse("sales:quote_create", args=[opp.pk]),
        {
            "title": "方案A",
            "valid_until": (today + timedelta(days=10)).isoformat(),
            "items": "本金 | 1 | 500000\n评估费 | 1 | 2000",
        },
    )
    client.post(
        reverse("sales:contract_create", args=[opp.pk]),
        {
            "number": "HT-2026-1",
            "signed_on": (today - timedelta(days=70)).isoformat(),
            "amount": "300000",
            "term_months": "12",
            "instalments": "3",
            "first_due": (today - timedelta(days=40)).isoformat(),
        },
    )
    first = opp.contracts.get().instalments.get(sequence=1)
    client.post(
        reverse("sales:payment_create", args=[first.pk]),
        {"amount": "50000", "received_on": today.isoformat(), "reference": "转账"},
    )
    page = client.get(reverse("sales:opportunity_detail", args=[opp.pk]))
    # then
    assert Quote.objects.get().amount == 502000
    # the first instalment is part-paid and the second due too: both overdue
    assert page.context["file"].overdue_count == 2
    assert page.context["file"].outstanding == 250000
    assert 'id="overdue-badge"' in page.content.decode()
    listed = client.get(reverse("sales:opportunities")).content.decode()
    assert 'id="overdue-instalments"' in listed and "HT-2026-1 #1" in listed


def test_list_pages_use_a_constant_number_of_queries(client, bank, customer, mortgage):
    # given
    client.force_login(bank.bj_manager)

    def count(url):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx)

    for _ in range(2):
        open_opportunity(bank, customer, mortgage)
        services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
        services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    urls = [
        reverse("sales:leads"),
        reverse("sales:opportunities"),
        reverse("sales:board"),
        reverse("sales:pool"),
    ]
    client.get(urls[0])  # the session's first request loads what later ones have cached
    before = [count(url) for url in urls]
    # when
    for _ in range(5):
        open_opportunity(bank, customer, mortgage)
        services.lead_create(actor=bank.rm, data=prospect(bank), assignee=bank.rm)
        services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    after = [count(url) for url in urls]
    # then
    assert after == before


# ------------------------------------------------------------------------- the scoping matrix


def test_another_branch_sees_neither_the_lead_nor_the_opportunity(client, bank, lead, opp):
    client.force_login(bank.sh_manager)
    pages = [
        ("get", reverse("sales:lead_detail", args=[lead.pk])),
        ("post", reverse("sales:lead_follow_up", args=[lead.pk])),
        ("post", reverse("sales:lead_assign", args=[lead.pk])),
        ("get", reverse("sales:opportunity_detail", args=[opp.pk])),
        ("post", reverse("sales:opportunity_move", args=[opp.pk])),
        ("post", reverse("sales:quote_create", args=[opp.pk])),
        ("post", reverse("sales:contract_create", args=[opp.pk])),
    ]
    statuses = [getattr(client, m)(url).status_code for m, url in pages]
    assert statuses == [404] * len(pages)
    assert f'id="opp-{opp.pk}"' not in client.get(reverse("sales:board")).content.decode()
    assert lead.display_name not in client.get(reverse("sales:leads")).content.decode()


def test_another_rm_sees_neither(client, bank, lead, opp):
    client.force_login(bank.other_rm)
    assert client.get(reverse("sales:lead_detail", args=[lead.pk])).status_code == 404
    assert client.get(reverse("sales:opportunity_detail", args=[opp.pk])).status_code == 404
    listed = client.get(reverse("sales:opportunities")).content.decode()
    assert opp.name not in listed


def test_the_branch_manager_above_sees_both(client, bank, lead, opp):
    client.force_login(bank.bj_manager)
    assert client.get(reverse("sales:lead_detail", args=[lead.pk])).status_code == 200
    assert client.get(reverse("sales:opportunity_detail", args=[opp.pk])).status_code == 200


def test_anonymous_callers_are_sent_to_sign_in(client, lead, opp):
    for url in (
        reverse("sales:leads"),
        reverse("sales:lead_detail", args=[lead.pk]),
        reverse("sales:board"),
        reverse("sales:report"),
    ):
        response = client.get(url)
        assert (response.status_code, response["Location"].split("?")[0]) == (302, "/login/")


def test_a_role_without_the_permission_is_refused(client, bank, lead, opp, mortgage):
    # given: the auditor may read but not work; the analyst may not import or move
    client.force_login(bank.auditor)
    # when
    refused = [
        client.get(reverse("sales:lead_create")).status_code,
        client.get(reverse("sales:lead_import")).status_code,
        client.get(reverse("sales:opportunity_create")).status_code,
        client.post(
            reverse("sales:opportunity_move", args=[opp.pk]),
            {"stage": stage(mortgage, "documents").pk, "version": 1},
        ).status_code,
        client.post(reverse("sales:pool_lead_claim", args=[lead.pk])).status_code,
        client.get(reverse("sales:report")).status_code,
    ]
    client.force_login(factories.staff(role="", branch=bank.head))
    nothing = client.get(reverse("sales:leads")).status_code
    # then
    assert refused == [403, 403, 403, 403, 404, 403]
    assert nothing == 403
    opp.refresh_from_db()
    assert opp.stage.code == "application"


def test_the_pool_page_claims_first_come(client, bank):
    # given
    lead = services.lead_create(actor=bank.agent, data=prospect(bank), auto_assign=False)
    client.force_login(bank.rm)
    page = client.get(reverse("sales:pool")).content.decode()
    # when
    first = client.post(reverse("sales:pool_lead_claim", args=[lead.pk]))
    client.force_login(bank.other_rm)
    second = client.post(reverse("sales:pool_lead_claim", args=[lead.pk]))
    # then
    assert reverse("sales:pool_lead_claim", args=[lead.pk]) in page
    assert first["Location"] == reverse("sales:lead_detail", args=[lead.pk])
    assert second.status_code == 404  # no longer in the pool
    lead.refresh_from_db()
    assert lead.assignee == bank.rm


def test_the_report_shows_funnel_win_rates_and_forecast(client, bank, customer, mortgage):
    # given: one won, one lost, one open
    won = open_opportunity(bank, customer, mortgage, amount="500000")
    services.opportunity_move(
        actor=bank.rm, opportunity=won, stage=stage(mortgage, "won"), version=1
    )
    lost = open_opportunity(bank, customer, mortgage, amount="100000")
    services.opportunity_move(
        actor=bank.rm, opportunity=lost, stage=stage(mortgage, "lost"), version=1, reason="利率"
    )
    open_opportunity(bank, customer, mortgage, amount="200000", expected_close=timezone.localdate())
    client.force_login(bank.bj_manager)
    # when
    response = client.get(reverse("sales:report"), {"line": mortgage.pk})
    # then
    ctx = response.context
    assert [(s.stage.code, s.reached) for s in ctx["funnel"]][:2] == [
        ("application", 3),
        ("documents", 1),
    ]
    assert [(r.won, r.lost, r.rate) for r in ctx["by_owner"]] == [(1, 1, 50.0)]
    assert [s.win_rate for s in ctx["funnel"]][:2] == [50.0, 100.0]
    assert ctx["forecast"][0].amount == 200000
    assert ctx["forecast"][0].weighted == 20000
    assert csp_violations(response.content.decode()) == []


def test_editing_the_amount_and_probability(client, bank, opp):
    # given
    client.force_login(bank.rm)
    url = reverse("sales:opportunity_edit", args=[opp.pk])
    # when
    saved = client.post(
        url,
        {
            "version": 1,
            "name": opp.name,
            "amount": "1500000",
            "probability": "40",
            "expected_close": "2027-05-31",
        },
    )
    refused = client.post(
        url,
        {"version": 2, "name": "", "amount": "1", "probability": "40", "expected_close": ""},
    )
    client.force_login(bank.other_rm)
    hidden = client.post(url, {"version": 2}).status_code
    # then
    opp.refresh_from_db()
    assert saved.status_code == 302
    assert (opp.amount, opp.probability, opp.expected_close) == (1500000, 40, date(2027, 5, 31))
    assert refused.status_code == 400
    assert set(refused.context["edit_form"].errors) == {"name", "expected_close"}
    assert hidden == 404
    assert AuditEvent.objects.get(action="opportunity.update").changes["probability"] == [
        "10",
        "40",
    ]
