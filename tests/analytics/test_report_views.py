"""The 7P report pages: render in both languages, count only the viewer's customers, drill down
to exactly a bar's customers, export audited Excel and PDF files."""

import io
import json
import re
from datetime import date
from decimal import Decimal

import pytest
from django.test import Client

from bankcrm.audit.models import AuditEvent
from bankcrm.products.models import ProductType
from bankcrm.products.services import holding_create
from tests import factories

pytestmark = pytest.mark.django_db

PAGES = ["", "profiling/", "persistency/", "profitability/", "performance/", "prospecting/"]
PAGES += ["product/"]


@pytest.fixture(autouse=True)
def _restore_language():
    """A page request activates the staff member's language for the thread: put back the
    language the next test expects."""
    from django.utils import translation

    before = translation.get_language()
    yield
    translation.activate(before)


def _client(staff, language: str = "en") -> Client:
    staff.language = language
    staff.save()
    client = Client()
    client.force_login(staff)
    return client


@pytest.fixture
def book(bank, lake):
    """Two customers of the Chaoyang RM, one of the other Chaoyang RM (Beijing), one in Pudong
    (Shanghai); each with a current account, the first also a fund; synced to the warehouse."""
    from bankcrm.integration.services import warehouse_sync

    deposit = factories.product(type=ProductType.DEMAND_DEPOSIT)
    fund = factories.product(type=ProductType.FUND)
    customers = {
        "a": factories.customer(actor=bank.rm, name="李娜"),
        "b": factories.customer(actor=bank.rm, name="王强"),
        "c": factories.customer(actor=bank.other_rm, name="赵敏"),
        "d": factories.customer(actor=bank.sh_rm, name="陈静"),
    }
    for i, customer in enumerate(customers.values()):
        holding_create(
            actor=customer.rm,
            customer=customer,
            product=deposit,
            account_number=f"62220200000001{i:02d}",
            balance=Decimal("1000.00"),
            opened_on=date(2026, 1, 2),
        )
    holding_create(
        actor=bank.rm,
        customer=customers["a"],
        product=fund,
        account_number="6222020000000199",
        balance=Decimal("5000.00"),
        opened_on=date(2026, 2, 2),
    )
    warehouse_sync()
    return customers


def _charts(response) -> dict:
    found = re.search(r'id="report-charts" data-json="([^"]*)"', response.content.decode())
    assert found, "no chart data"
    from html import unescape

    return json.loads(unescape(found.group(1)))


@pytest.mark.parametrize("language", ["en", "zh-hans"])
@pytest.mark.parametrize("page", PAGES)
def test_every_report_page_renders_in_both_languages(bank, book, page, language):
    # given
    client = _client(bank.analyst, language)
    # when
    response = client.get(f"/reports/{page}")
    # then
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    body = response.content.decode()
    assert 'id="report-charts"' in body
    assert "<script>" not in body  # strict CSP: data in an attribute, code in a static file
    assert "analytics/reports.js" in body
    assert ("报表" if language == "zh-hans" else "Reports") in body  # the nav entry
    charts = _charts(response)
    assert set(re.findall(r'data-report-chart="(\w+)"', body)) == set(charts)


@pytest.mark.parametrize(
    ("staff", "customers"),
    [("analyst", 4), ("bj_manager", 3), ("sh_manager", 1), ("rm", 2), ("sh_rm", 1)],
)
def test_figures_count_only_the_viewers_customers(bank, book, staff, customers):
    # given
    client = _client(getattr(bank, staff))
    # when
    profiling = client.get("/reports/profiling/")
    dashboard = client.get("/reports/")
    # then
    assert profiling.context["found"].customers == customers
    assert dashboard.context["found"].customers == customers


def test_the_branch_filter_narrows_within_the_scope(bank, book):
    # given: the Beijing manager asks for Chaoyang, then for Shanghai (outside the scope)
    client = _client(bank.bj_manager)
    # when
    chaoyang = client.get(f"/reports/profiling/?branch={bank.chaoyang.pk}")
    shanghai = client.get(f"/reports/profiling/?branch={bank.shanghai.pk}")
    # then: the other branch is not a choice, so the filter is ignored, never widened
    assert chaoyang.context["found"].customers == 3
    assert shanghai.context["form"].errors
    assert shanghai.context["found"].customers == 3


def test_a_bar_drills_down_to_exactly_its_customers(bank, book):
    # given: the holders of a current account on the performance page
    client = _client(bank.analyst)
    charts = _charts(client.get("/reports/performance/"))
    bars = {
        d["key"]: d["value"] for d in charts["balances"]["series"][0]["data"]
    }  # key: product type
    assert charts["balances"]["series"][0]["drill"] == "holds"
    # when
    response = client.get("/reports/customers/", {"drill": "holds", "key": "demand_deposit"})
    # then: the list has the bar's customer count, names masked, each linking to the 360
    assert bars["demand_deposit"] == "4000.00"
    assert response.context["count"] == 4
    body = response.content.decode()
    assert "李*" in body and "李娜" not in body
    for customer in book.values():
        assert f'href="/customers/{customer.pk}/"' in body


def test_every_profiling_bar_lists_its_count(bank, book):
    # given
    client = _client(bank.bj_manager)
    charts = _charts(client.get("/reports/profiling/"))
    # when / then
    for name, chart in charts.items():
        series = chart["series"][0]
        for point in series["data"]:
            found = client.get(
                "/reports/customers/", {"drill": series["drill"], "key": point["key"]}
            )
            assert found.context["count"] == point["value"], (name, point)


def test_an_rm_never_lists_another_rms_customers(bank, book):
    # given: the Chaoyang RM drills into the holders of a current account
    client = _client(bank.rm)
    # when
    response = client.get("/reports/customers/", {"drill": "holds", "key": "demand_deposit"})
    # then
    assert response.context["count"] == 2
    body = response.content.decode()
    assert f"/customers/{book['c'].pk}/" not in body
    assert f"/customers/{book['d'].pk}/" not in body


def test_unknown_drills_answer_404(bank, book):
    client = _client(bank.analyst)
    assert client.get("/reports/customers/", {"drill": "nope", "key": "x"}).status_code == 404


@pytest.mark.parametrize("page", ["dashboard", "profiling", "profitability", "product"])
def test_exports_open_and_are_audited(bank, book, page):
    # given
    from openpyxl import load_workbook
    from pypdf import PdfReader

    client = _client(bank.bj_manager, "zh-hans")
    # when
    xlsx = client.post(f"/reports/{page}/export/", {"format": "xlsx"})
    pdf = client.post(f"/reports/{page}/export/", {"format": "pdf"})
    # then
    assert xlsx.status_code == 200 and pdf.status_code == 200
    workbook = load_workbook(io.BytesIO(xlsx.content))
    assert len(workbook.sheetnames) >= 1
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert text.strip()
    events = AuditEvent.objects.filter(action="report.export", object_id=page)
    assert sorted(e.changes["format"] for e in events) == ["pdf", "xlsx"]
    assert all(e.actor_id == bank.bj_manager.pk for e in events)


def test_the_profitability_export_masks_customer_names(bank, book):
    # given
    from openpyxl import load_workbook

    client = _client(bank.analyst)
    # when
    xlsx = client.post("/reports/profitability/export/", {"format": "xlsx"})
    # then
    cells = [
        str(c.value)
        for sheet in load_workbook(io.BytesIO(xlsx.content)).worksheets
        for row in sheet.iter_rows()
        for c in row
    ]
    assert not any("李娜" in c or "王强" in c for c in cells)


def test_the_workbench_links_to_the_dashboard(bank, book):
    # when
    analyst = _client(bank.analyst).get("/").content.decode()
    auditor = _client(bank.auditor).get("/").content.decode()
    # then
    assert 'href="/reports/" id="workbench-dashboard"' in analyst
    assert 'id="workbench-dashboard"' not in auditor


def test_staff_without_the_permission_are_refused(bank, book):
    # given: the auditor sees customers but not reports
    client = _client(bank.auditor)
    # when
    page = client.get("/reports/profiling/")
    export = client.post("/reports/profiling/export/", {"format": "xlsx"})
    home = client.get("/")
    # then
    assert page.status_code == 403
    assert export.status_code == 403
    assert "/reports/" not in home.content.decode()
    assert not AuditEvent.objects.filter(action="report.export").exists()


@pytest.mark.parametrize("page", ["", "profiling/", "profitability/", "product/"])
def test_a_report_page_reads_a_fixed_number_of_rows_from_the_database(
    bank, book, page, django_assert_max_num_queries
):
    # given: the page once, so the session's first-request work is done
    client = _client(bank.bj_manager)
    client.get(f"/reports/{page}")
    # when / then: the figures come from the warehouse; the operational database answers
    # the session, the staff member, the branch choices, the names of branches and RMs and the
    # customers named on the page, whatever the number of customers
    with django_assert_max_num_queries(15):
        assert client.get(f"/reports/{page}").status_code == 200
