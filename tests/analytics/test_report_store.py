# ruff: noqa: F811 - the `book` fixture is imported from the report views tests
"""Report figures are kept per report, scope and period: a page computes them over the lake
once, then replays them until they are older than REPORT_MAX_AGE, the report code changed, or
someone recomputes them; `bankcrm refresh_reports` computes the bank's and every branch's."""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from bankcrm.analytics import report_store, reports
from bankcrm.analytics.models import ReportSnapshot
from bankcrm.analytics.report_forms import default_period
from bankcrm.analytics.segments import Scope
from bankcrm.integration.services import warehouse_sync
from bankcrm.org.models import Branch
from tests import factories
from tests.analytics.test_report_views import _charts, _client, book  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def test_rows_keep_their_types_through_json():
    # given
    calls = [
        {
            "q": [
                {"d": Decimal("12.30"), "day": date(2026, 1, 31), "n": 3, "x": None, "s": "北京",
                 "f": 0.25, "at": datetime(2026, 1, 2, 3, 4, tzinfo=UTC)},
            ]
        }
    ]  # fmt: skip
    # when
    back = report_store._decode(report_store._encode(calls))
    # then
    assert back == calls
    assert type(back[0]["q"][0]["d"]) is Decimal


def test_a_page_is_computed_once_then_replayed_without_the_lake(bank, book, monkeypatch):
    # given
    client = _client(bank.bj_manager)
    first = client.get("/reports/performance/")
    snapshot = ReportSnapshot.objects.get(report="performance")
    # when: the lake is out of reach
    monkeypatch.setattr(reports, "_run", lambda exprs, inputs: pytest.fail("lake queried"))
    again = client.get("/reports/performance/")
    # then: the same charts, from the stored figures
    assert again.status_code == 200
    assert _charts(again) == _charts(first)
    assert snapshot.scope_key == report_store.scope_key(
        Scope(branch_ids=tuple(sorted([bank.beijing.pk, bank.chaoyang.pk])))
    )
    assert (snapshot.period_start, snapshot.period_end) == (
        default_period().start,
        default_period().end,
    )
    assert 'id="report-computed"' in again.content.decode()


def test_each_scope_has_its_own_figures(bank, book):
    # when
    rm = _client(bank.rm).get("/reports/profiling/")
    manager = _client(bank.bj_manager).get("/reports/profiling/")
    analyst = _client(bank.analyst).get("/reports/profiling/")
    # then
    counts = [r.context["found"].customers for r in (rm, manager, analyst)]
    assert counts == [2, 3, 4]
    assert sorted(ReportSnapshot.objects.values_list("scope_key", flat=True)) == sorted(
        [
            "bank",
            f"rm:{bank.rm.pk}",
            report_store.scope_key(Scope(branch_ids=(bank.beijing.pk, bank.chaoyang.pk))),
        ]
    )


def test_new_data_shows_after_recompute_or_once_the_figures_are_too_old(bank, book, settings):
    # given: the figures of the analyst's profiling page, then a new customer in the warehouse
    client = _client(bank.analyst)
    assert client.get("/reports/profiling/").context["found"].customers == 4
    factories.customer(actor=bank.rm, name="新客户")
    warehouse_sync()
    # when
    kept = client.get("/reports/profiling/").context["found"].customers
    client.post("/reports/profiling/recompute/", {})
    recomputed = client.get("/reports/profiling/").context["found"].customers
    factories.customer(actor=bank.rm, name="又一位")
    warehouse_sync()
    ReportSnapshot.objects.update(computed_at=timezone.now() - timedelta(hours=25))
    aged = client.get("/reports/profiling/").context["found"].customers
    # then
    assert (kept, recomputed, aged) == (4, 5, 6)


def test_figures_from_other_report_code_are_computed_again(bank, book):
    # given
    client = _client(bank.analyst)
    client.get("/reports/profiling/")
    ReportSnapshot.objects.update(code="0" * 16)
    # when
    client.get("/reports/profiling/")
    # then
    assert ReportSnapshot.objects.get().code == report_store.CODE


def test_a_tape_that_does_not_fit_is_computed_again(bank, book):
    # given: stored rows under other query names
    client = _client(bank.analyst)
    client.get("/reports/profiling/")
    ReportSnapshot.objects.update(calls=[{"other": []}])
    # when
    response = client.get("/reports/profiling/")
    # then
    assert response.context["found"].customers == 4
    assert ReportSnapshot.objects.get().calls != [{"other": []}]


def test_refresh_reports_writes_every_report_for_the_bank_and_each_branch(bank, book, capsys):
    # given
    branches = Branch.objects.exclude(parent=None).count()
    # when
    call_command("refresh_reports", "--no-progress")
    # then
    expected = (1 + branches) * len(report_store.REPORTS)
    assert ReportSnapshot.objects.count() == expected
    assert f"{expected} report figures written" in capsys.readouterr().out
    assert ReportSnapshot.objects.filter(scope_key="bank").count() == len(report_store.REPORTS)


def test_after_the_nightly_run_a_branch_manager_opens_every_page_without_the_lake(
    bank, book, monkeypatch
):
    # given
    call_command("refresh_reports", "--no-progress")
    monkeypatch.setattr(reports, "_run", lambda exprs, inputs: pytest.fail("lake queried"))
    client = _client(bank.sh_manager)
    # when
    paths = ["" if name == "dashboard" else f"{name}/" for name in report_store.REPORTS]
    answers = [client.get(f"/reports/{path}").status_code for path in paths]
    # then
    assert answers == [200] * len(report_store.REPORTS)
