"""Performance: every figure from real records of the other modules (customers, sales, service,
surveys, the warehouse), targets against them, rankings, teams, and who sees what."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.integration.services import extracts_ingest
from bankcrm.org.models import Team
from bankcrm.people import selectors, services
from bankcrm.people.models import AumSnapshot, Metric, PeriodKind, Target
from bankcrm.people.periods import Period, parse_period, period_containing
from bankcrm.sales import services as sales
from bankcrm.sales.models import ProductLine
from bankcrm.service.models import Category
from bankcrm.service.services import case_create, case_transition
from tests import factories
from tests.analytics.conftest import ALICE_CURRENT, ALICE_SAVINGS, BOB_CURRENT
from tests.surveys.support import answered

M = Metric


def _month() -> Period:
    return period_containing(PeriodKind.MONTH, timezone.localdate())


def _won(bank, owner, customer, amount: str):
    line = ProductLine.objects.get(code="mortgage")
    opportunity = sales.opportunity_create(
        actor=owner,
        customer=customer,
        line=line,
        name="按揭",
        amount=Decimal(amount),
        expected_close=timezone.localdate() + timedelta(days=30),
    )
    return sales.opportunity_move(
        actor=owner,
        opportunity=opportunity,
        stage=line.stages.get(code="won"),
        version=opportunity.version,
    )


def _closed_case(owner, customer):
    case = case_create(
        actor=owner,
        customer=customer,
        kind="request",
        channel="phone",
        category=Category.objects.get(code="account-info"),
        subject="修改预留手机号",
        assignee=owner,
    )
    case = case_transition(
        actor=owner, case=case, action="resolve", version=case.version, resolution="已修改"
    )
    return case_transition(actor=owner, case=case, action="close", version=case.version)


def _targets(manager, rm, period, **values):
    return services.target_set(
        actor=manager,
        period=period,
        staff=rm,
        values={k: str(v) for k, v in values.items()},
        versions={},
    )


# --- Target against actual, from the other modules ----------------------------------------------


def test_actuals_come_from_the_other_modules_and_meet_the_targets(bank, customer):
    # given: this month the RM gained two customers, won one deal, closed one case within its
    # SLA and got two survey answers (one satisfied)
    period = _month()
    factories.customer(actor=bank.rm)
    _won(bank, bank.rm, customer, "500000")
    _closed_case(bank.rm, customer)
    now = timezone.now()
    answered(bank, csat=5, nps=10, at=now, staff=bank.rm, customer=customer)
    answered(bank, csat=3, nps=6, at=now, staff=bank.rm, customer=customer)
    _targets(
        bank.bj_manager,
        bank.rm,
        period,
        new_customers=4,
        sales_count=2,
        sales_amount=1000000,
        sla_met_share=80,
        csat=100,
    )
    # when
    row = selectors.board(period=period).of(bank.rm.pk)
    # then
    a = row.actuals
    assert (a.new_customers, a.sales_count, a.sales_amount) == (2, 1, Decimal("500000.00"))
    assert (a.cases_closed, a.cases_sla_met, a.sla_met_share) == (1, 1, Decimal("100.0"))
    assert (a.csat_responses, a.csat_satisfied, a.csat, a.nps) == (2, 1, Decimal("50.0"), 0.0)
    assert {p.metric: p.percent for p in row.progress} == {
        M.NEW_CUSTOMERS: Decimal("50.0"),
        M.AUM_GROWTH: None,  # no target, and an empty warehouse
        M.SALES_COUNT: Decimal("50.0"),
        M.SALES_AMOUNT: Decimal("50.0"),
        M.SLA_MET_SHARE: Decimal("125.0"),
        M.CSAT: Decimal("50.0"),
    }
    assert row.score == Decimal("65.0")  # (50 + 50 + 50 + 125 + 50) / 5


def test_figures_outside_the_period_do_not_count(bank, customer):
    # given: a deal won this month, figures measured for the previous month
    _won(bank, bank.rm, customer, "500000")
    # when
    previous = selectors.actuals_by_staff(period=_month().previous())
    # then
    rm = previous[bank.rm.pk]  # listed: the current AUM of their book (none here)
    assert (rm.new_customers, rm.sales_count, rm.sales_amount) == (0, 0, Decimal("0"))


def test_the_score_caps_each_metric_at_150_percent(bank, customer):
    # given: 10x the sales target, nothing of the new-customer target
    period = _month()
    _won(bank, bank.rm, customer, "1000000")
    _targets(bank.bj_manager, bank.rm, period, sales_amount=100000, new_customers=100)
    # when
    row = selectors.board(period=period).of(bank.rm.pk)
    # then: (150 + 1) / 2, the customer fixture being this month's one new customer
    assert row.score == Decimal("75.5")


# --- Rankings ------------------------------------------------------------------------------------


def test_rankings_across_the_bank_and_within_each_branch(bank, customer):
    # given: sales of 800k (rm), 300k (rm2, same sub-branch), 300k (Shanghai RM), none (others)
    period = _month()
    _won(bank, bank.rm, customer, "800000")
    _won(bank, bank.other_rm, factories.customer(actor=bank.other_rm), "300000")
    _won(bank, bank.sh_rm, factories.customer(actor=bank.sh_rm), "300000")
    lonely = factories.staff(role="relationship_manager", branch=bank.pudong, username="rm9")
    # when
    board = selectors.board(period=period, ranked_by=M.SALES_AMOUNT)
    # then: competition ranking, ties share a rank
    ranks = {r.staff.username: (r.rank_bank, r.rank_branch) for r in board.rows}
    assert ranks == {"rm": (1, 1), "rm2": (2, 2), "shrm": (2, 1), "rm9": (4, 2)}
    assert [r.staff.username for r in board.rows][:1] == ["rm"]
    beijing = selectors.ranking_within(board, bank.beijing)
    assert [(rank, r.staff.username) for rank, r in beijing] == [(1, "rm"), (2, "rm2")]
    assert lonely.pk in {r.staff.pk for r in board.rows}


def test_rms_without_targets_are_not_ranked_by_score(bank, customer):
    # given: only rm has targets
    period = _month()
    _targets(bank.bj_manager, bank.rm, period, new_customers=1)
    # when
    board = selectors.board(period=period)
    # then
    assert [(r.staff.username, r.rank_bank) for r in board.rows] == [
        ("rm", 1),
        ("rm2", None),
        ("shrm", None),
    ]


def test_a_team_sums_its_members_against_the_team_target(bank, customer):
    # given
    period = _month()
    team = Team.objects.create(branch=bank.chaoyang, name="财富一组")
    for rm in (bank.rm, bank.other_rm):
        rm.team = team
        rm.save()
    _won(bank, bank.rm, customer, "200000")
    _won(bank, bank.other_rm, factories.customer(actor=bank.other_rm), "300000")
    services.target_set(
        actor=bank.bj_manager,
        period=period,
        team=team,
        values={M.SALES_AMOUNT: "1000000"},
        versions={},
    )
    # when
    board = selectors.board(period=period)
    # then
    (row,) = board.teams
    assert row.actuals.sales_amount == Decimal("500000.00")
    assert row.actuals.new_customers == 2
    assert row.score == Decimal("50.0")
    assert selectors.visible_teams(board, bank.bj_manager) == [row]
    assert selectors.visible_teams(board, bank.sh_manager) == []
    assert selectors.visible_teams(board, bank.rm) == []


# --- AUM growth from the warehouse ---------------------------------------------------------------


def test_aum_growth_comes_from_the_daily_balances(bank, accounts, tmp_path):
    # given: end-of-January and end-of-February balances of the RM's three accounts
    extract = tmp_path / "balances.csv"
    extract.write_text(
        "account,balance_date,balance,currency\n"
        f"{ALICE_CURRENT},2024-01-31,100.00,CNY\n"
        f"{ALICE_SAVINGS},2024-01-31,50.00,CNY\n"
        f"{ALICE_CURRENT},2024-02-28,250.00,CNY\n"
        f"{ALICE_CURRENT},2024-02-29,300.00,CNY\n"
        f"{ALICE_SAVINGS},2024-02-29,50.00,CNY\n"
        f"{BOB_CURRENT},2024-02-29,1000.00,CNY\n",
        encoding="utf-8",
    )
    extracts_ingest(feed="balances", paths=[str(extract)], rejects_path=tmp_path / "r.csv")
    february = parse_period("2024-02")
    # when
    snapshot = services.aum_snapshot_refresh(period=february)
    actuals, aum = selectors.measure(period=february, today=date(2024, 3, 5))
    # then: 1,350 at the end of February against 150 at the end of January
    assert (snapshot.opening_day, snapshot.closing_day) == (date(2024, 1, 31), date(2024, 2, 29))
    assert actuals[bank.rm.pk].aum_growth == Decimal("1200.00")
    assert (aum.opening_day, aum.closing_day, aum.known) == (
        date(2024, 1, 31),
        date(2024, 2, 29),
        True,
    )


def test_without_daily_balances_aum_comes_from_the_transactions(bank, accounts, tmp_path):
    # given: balances left by transactions in January and February
    extract = tmp_path / "tx.csv"
    extract.write_text(
        "id,account,booked_at,amount,currency,balance_after,channel,category\n"
        f"T1,{ALICE_CURRENT},2024-01-10 09:00:00,900.00,CNY,1000.00,online,salary\n"
        f"T2,{ALICE_CURRENT},2024-01-20 09:00:00,-100.00,CNY,900.00,pos,consumption\n"
        f"T3,{ALICE_SAVINGS},2024-02-02 09:00:00,500.00,CNY,500.00,mobile,transfer_in\n"
        f"T4,{ALICE_CURRENT},2024-02-15 09:00:00,100.00,CNY,1000.00,online,interest\n",
        encoding="utf-8",
    )
    extracts_ingest(feed="transactions", paths=[str(extract)], rejects_path=tmp_path / "r.csv")
    february = parse_period("2024-02")
    # when
    services.aum_snapshot_refresh(period=february)
    actuals, aum = selectors.measure(period=february, today=date(2024, 3, 5))
    # then: 900 at the end of January; 1,000 + 500 at the last day with a transaction
    assert actuals[bank.rm.pk].aum_growth == Decimal("600.00")
    assert (aum.opening_day, aum.closing_day) == (date(2024, 1, 20), date(2024, 2, 15))


def test_an_empty_warehouse_leaves_aum_growth_unknown(bank, lake, customer):
    # when
    services.aum_snapshot_refresh(period=_month())
    row = selectors.board(period=_month()).of(bank.rm.pk)
    # then
    assert row.actuals.aum_growth is None
    assert AumSnapshot.objects.get().closing_day is None


def test_a_stale_snapshot_is_requested_once(bank, django_capture_on_commit_callbacks):
    # given
    from django_tasks_db.models import DBTaskResult

    period = _month()
    # when
    with django_capture_on_commit_callbacks(execute=True):
        first = services.aum_snapshot_request(period=period)
    with django_capture_on_commit_callbacks(execute=True):
        again = services.aum_snapshot_request(period=period)
    # then
    assert (first, again) == (True, False)
    assert DBTaskResult.objects.filter(task_path__endswith="aum_snapshot_refresh").count() == 1
    assert selectors.aum_snapshot_of(period).pending is True


# --- Targets -------------------------------------------------------------------------------------


def test_setting_targets_is_audited_and_blank_removes_one(bank):
    # given
    period = _month()
    _targets(bank.bj_manager, bank.rm, period, new_customers=5, csat=90)
    versions = dict(Target.objects.filter(staff=bank.rm).values_list("metric", "version"))
    # when
    change = services.target_set(
        actor=bank.bj_manager,
        period=period,
        staff=bank.rm,
        values={M.NEW_CUSTOMERS: "6", M.CSAT: ""},
        versions=versions,
    )
    # then
    assert (change.created, change.updated, change.removed) == (0, 1, 1)
    assert dict(Target.objects.filter(staff=bank.rm).values_list("metric", "value")) == {
        M.NEW_CUSTOMERS: Decimal("6.00")
    }
    event = AuditEvent.objects.filter(action="target.set").order_by("-seq").first()
    assert event.changes == {
        "period": period.key,
        M.NEW_CUSTOMERS: ["5.00", "6.00"],
        M.CSAT: ["90.00", None],
    }


def test_a_stale_form_is_refused_and_nothing_changes(bank):
    # given: someone changed the target after the form was opened
    period = _month()
    _targets(bank.bj_manager, bank.rm, period, new_customers=5)
    # when
    with pytest.raises(ConflictError):
        services.target_set(
            actor=bank.bj_manager,
            period=period,
            staff=bank.rm,
            values={M.NEW_CUSTOMERS: "9"},
            versions={M.NEW_CUSTOMERS: 0},
        )
    # then
    assert Target.objects.get().value == Decimal("5.00")


@pytest.mark.parametrize(
    ("metric", "value", "message"),
    [
        (M.SALES_AMOUNT, "-1", "A target cannot be negative."),
        (M.CSAT, "101", "A share cannot be more than 100%."),
        (M.NEW_CUSTOMERS, "2.5", "Enter a whole number."),
        (M.SALES_COUNT, "many", "Enter a number."),
    ],
)
def test_bad_targets_name_the_field_and_save_nothing(bank, metric, value, message):
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.target_set(
            actor=bank.bj_manager,
            period=_month(),
            staff=bank.rm,
            values={M.NEW_CUSTOMERS: "3", metric: value},
            versions={},
        )
    assert error.value.message_dict == {metric: [message]}
    assert not Target.objects.exists()


def test_targets_only_for_the_managers_own_branch(bank):
    with pytest.raises(PermissionDenied):
        _targets(bank.sh_manager, bank.rm, _month(), new_customers=1)
    with pytest.raises(PermissionDenied):
        _targets(bank.rm, bank.rm, _month(), new_customers=1)
    assert not Target.objects.exists()


def test_the_target_page_saves_the_grid(client, bank):
    # given
    period = _month()
    client.force_login(bank.bj_manager)
    prefix = f"staff-{bank.rm.pk}"
    # when
    response = client.post(
        "/people/targets/",
        {
            "period": period.key,
            f"{prefix}-present": "1",
            f"{prefix}-{M.SALES_COUNT}": "8",
            f"{prefix}-{M.SALES_COUNT}-v": "0",
            f"staff-{bank.sh_rm.pk}-present": "1",  # not theirs: ignored
            f"staff-{bank.sh_rm.pk}-{M.SALES_COUNT}": "8",
        },
    )
    bad = client.post(
        "/people/targets/",
        {"period": period.key, f"{prefix}-present": "1", f"{prefix}-{M.CSAT}": "120"},
    )
    # then
    assert response.status_code == 302
    assert list(Target.objects.values_list("staff__username", "metric", "value")) == [
        ("rm", M.SALES_COUNT, Decimal("8.00"))
    ]
    assert bad.status_code == 400


# --- Who sees what -------------------------------------------------------------------------------


def test_scoping_matrix_of_the_performance_pages(client, bank):
    # given
    own = f"/people/performance/staff/{bank.rm.pk}/"
    other = f"/people/performance/staff/{bank.other_rm.pk}/"
    nobody = factories.staff(role="", branch=bank.beijing, username="norole")
    cases = [
        (None, own, 302),
        (nobody, own, 403),
        (bank.agent, "/people/performance/", 403),
        (bank.rm, own, 200),
        (bank.rm, other, 404),
        (bank.rm, "/people/targets/", 403),
        (bank.sh_manager, own, 404),
        (bank.bj_manager, own, 200),
        (bank.analyst, other, 200),
        (bank.bj_manager, f"/people/performance/staff/{bank.bj_manager.pk}/", 404),
    ]
    # when
    found = []
    for user, url, _status in cases:
        client.logout()
        if user is not None:
            client.force_login(user)
        found.append((user and user.username, url, client.get(url).status_code))
    # then
    assert found == [(u and u.username, url, status) for u, url, status in cases]


def test_an_rm_sees_the_rankings_but_only_their_own_details(client, bank, customer):
    # given
    _won(bank, bank.other_rm, factories.customer(actor=bank.other_rm), "300000")
    client.force_login(bank.rm)
    # when
    page = client.get("/people/performance/?rank=sales_amount").content.decode()
    # then: the other RM is in the rankings, but not linked and not in a detail table
    assert bank.other_rm.display_name in page
    assert f"/people/performance/staff/{bank.other_rm.pk}/" not in page
    assert 'id="rm-table"' not in page


def test_a_manager_sees_their_branch_only(client, bank):
    # when
    client.force_login(bank.sh_manager)
    page = client.get("/people/performance/").content.decode()
    foreign = client.get(f"/people/performance/?branch={bank.beijing.pk}")
    # then
    assert f"/people/performance/staff/{bank.sh_rm.pk}/" in page
    assert f"/people/performance/staff/{bank.rm.pk}/" not in page
    assert foreign.status_code == 404


def test_the_performance_page_costs_the_same_queries_for_more_rms(client, bank, customer):
    # given
    client.force_login(bank.analyst)
    client.get("/people/performance/")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/people/performance/").status_code == 200
        return len(queries)

    # when
    few = count()
    for i in range(5):
        rm = factories.staff(role="relationship_manager", branch=bank.pudong, username=f"x{i}")
        _won(bank, rm, factories.customer(actor=rm), "1000")
        _targets(bank.sh_manager, rm, _month(), sales_amount=5000)
    many = count()
    # then
    assert few == many


@pytest.mark.django_db(transaction=True)
def test_the_worker_computes_a_requested_snapshot(bank, accounts, tmp_path):
    # given: February balances, and a page view of February's performance
    from tests.worker import run_worker

    extract = tmp_path / "balances.csv"
    extract.write_text(
        "account,balance_date,balance,currency\n"
        f"{ALICE_CURRENT},2024-01-31,100.00,CNY\n"
        f"{ALICE_CURRENT},2024-02-29,400.00,CNY\n",
        encoding="utf-8",
    )
    extracts_ingest(feed="balances", paths=[str(extract)], rejects_path=tmp_path / "r.csv")
    february = parse_period("2024-02")
    services.aum_snapshot_request(period=february)
    pending = selectors.aum_snapshot_of(february)
    # when
    run_worker()
    actuals, aum = selectors.measure(period=february, today=date(2024, 3, 1))
    # then
    assert (pending.pending, pending.known) == (True, False)
    assert (aum.pending, aum.closing_day) == (False, date(2024, 2, 29))
    assert actuals[bank.rm.pk].aum_growth == Decimal("300.00")
