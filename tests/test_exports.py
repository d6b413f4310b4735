"""Customer exports (CSV, Excel, PDF) through POST /api/v1/customers/export: masked by default,
formula-safe, audited with their reason, scoped like every other read, Chinese in the PDF."""

import csv
import io
import re

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from bankcrm.audit.models import AuditEvent
from bankcrm.common.exports import neutralise
from tests import factories
from tests.api_support import Api, field_codes

REASON = "quarterly review of the branch book"
HOSTILE_CITIES = ["=1+2", "+SUM(A1:A2)", "-2+3", "@cmd", "\tTAB", "\rCR"]


@pytest.fixture
def book(bank, customer):
    """The Chaoyang customer (张三丰) and one in Shanghai that Beijing staff must never export."""
    shanghai = factories.customer(
        actor=bank.sh_rm,
        name="上官婉儿",
        mobile="13900001111",
        id_number="310115199001010010",
        email="wan@example.cn",
    )
    return {"beijing": customer, "shanghai": shanghai}


def _export(staff, **body):
    return Api(staff).post("/customers/export", {"reason": REASON, **body})


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:])))


def _pdf_text(response) -> str:
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    # pypdf reads the two-byte codes of an embedded CFF font with a NUL before each character
    # (poppler's pdftotext does not): drop them and the layout's spaces.
    return re.sub(r"[\s\x00]+", "", text)


@pytest.mark.parametrize("text", ["=1+2", "+1", "-1", "@A1", "\t=1", "\r=1"])
def test_text_that_could_start_a_formula_is_neutralised(text):
    assert neutralise(text) == "'" + text


@pytest.mark.parametrize("text", ["张三", "1+1", "a=b", "", "138****8000"])
def test_other_text_is_left_alone(text):
    assert neutralise(text) == text


def test_csv_export_is_masked_and_holds_only_the_callers_customers(bank, book):
    # when
    response = _export(bank.bj_manager, format="csv")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert re.fullmatch(
        r'attachment; filename="customers-\d{8}-\d{4}\.csv"', response["Content-Disposition"]
    )
    assert response["Cache-Control"].startswith("no-store")
    header, *rows = _csv_rows(response)
    assert header[:7] == [
        "customer number",
        "name",
        "kind",
        "ID type",
        "ID number",
        "mobile",
        "email",
    ]
    assert [row[1:7] for row in rows] == [
        [
            "张**",
            "Individual",
            "Resident ID card",
            "110105********002X",
            "138****8000",
            "s***@example.cn",
        ]
    ]
    assert rows[0][0] == book["beijing"].number
    body = response.content.decode()
    for clear in ("张三丰", "11010519491231002X", "13800138000", "sanfeng@", "上官"):
        assert clear not in body


def test_excel_export_neutralises_every_cell_that_could_run_as_a_formula(bank, book):
    # given: customers whose city a hostile form submission filled with formulas
    for city in HOSTILE_CITIES:
        factories.customer(actor=bank.rm, name="李雷", city=city)
    # when
    response = _export(bank.bj_manager, format="xlsx")
    # then
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [c.value for c in sheet[1]]
    city_column = header.index("city")
    cells = [row[city_column] for row in sheet.iter_rows(min_row=2)]
    # (an .xlsx stores a carriage return as a line feed)
    assert sorted(c.value for c in cells if c.value) == sorted(
        "'" + c.replace("\r", "\n") for c in HOSTILE_CITIES
    )
    assert {c.data_type for c in cells} <= {"s", "inlineStr"}  # text, never "f" (formula)
    assert all(
        not str(c.value).startswith(("=", "+", "-", "@", "\t", "\r"))
        for row in sheet.iter_rows()
        for c in row
        if c.value is not None
    )
    aum = sheet.cell(row=2, column=header.index("AUM") + 1)
    assert aum.data_type == "n"


def test_csv_export_neutralises_formulas_too(bank, book):
    # given
    factories.customer(actor=bank.rm, name="韩梅梅", city="=HYPERLINK(1)")
    # when
    header, *rows = _csv_rows(_export(bank.bj_manager, format="csv"))
    # then
    cities = [row[header.index("city")] for row in rows]
    assert "'=HYPERLINK(1)" in cities
    assert "=HYPERLINK(1)" not in cities


def test_pdf_export_embeds_a_chinese_font_and_shows_chinese_text(bank, book):
    # given: a manager working in Chinese
    bank.bj_manager.language = "zh-hans"
    bank.bj_manager.save(update_fields=["language"])
    # when
    response = _export(bank.bj_manager, format="pdf", q="张三丰")
    # then
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = _pdf_text(response)
    assert "朝阳支行" in text  # the branch's Chinese name (C1: not masked)
    assert "张**" in text
    assert "138****8000" in text
    assert "13800138000" not in text and "张三丰" not in text
    fonts = PdfReader(io.BytesIO(response.content)).pages[0]["/Resources"]["/Font"]
    descriptors = [f.get_object()["/DescendantFonts"][0].get_object() for f in fonts.values()]
    assert any(
        "/FontFile2" in d["/FontDescriptor"] or "/FontFile3" in d["/FontDescriptor"]
        for d in descriptors
    )


def test_every_export_is_audited_with_its_reason_and_never_a_value(bank, book):
    # when
    _export(bank.bj_manager, format="csv", lifecycle_stage="prospect", q="13800138000")
    # then
    event = AuditEvent.objects.get(action="customer.export")
    assert (event.actor, event.reason, event.outcome) == (bank.bj_manager, REASON, "allowed")
    assert event.changes == {
        "format": "csv",
        "masked": True,
        "filters": {"query": True, "lifecycle_stage": "prospect"},
        "rows": 1,
        "customers": [book["beijing"].pk],
    }
    assert "13800138000" not in str(event.changes)


def test_export_needs_the_export_permission_and_the_refusal_is_audited(bank, book):
    # when: a relationship manager may see customers but not export them
    response = _export(bank.rm, format="csv")
    # then
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    event = AuditEvent.objects.get(action="customer.export")
    assert (event.actor, event.outcome, event.reason) == (bank.rm, "denied", REASON)


def test_clear_values_need_the_reveal_permission_too(bank, book):
    # when
    analyst = _export(bank.analyst, format="csv", unmasked=True)
    manager = _export(bank.bj_manager, format="csv", unmasked=True)
    # then
    assert analyst.status_code == 403
    assert manager.status_code == 200
    header, *rows = _csv_rows(manager)
    assert [row[1:7] for row in rows] == [
        [
            "张三丰",
            "Individual",
            "Resident ID card",
            "11010519491231002X",
            "'+8613800138000",  # neutralised: Excel would read +86... as a formula
            "sanfeng@example.cn",
        ]
    ]
    allowed = AuditEvent.objects.get(action="customer.export", outcome="allowed")
    assert allowed.changes["masked"] is False


@pytest.mark.parametrize("stranger", ["sh_manager", "marketing"])
def test_out_of_scope_customers_are_never_exported(bank, book, stranger):
    # given: the Shanghai manager sees Shanghai only; marketing sits at head office (sees all)
    expected = {
        "sh_manager": [book["shanghai"].number],
        "marketing": [book["shanghai"].number, book["beijing"].number],
    }[stranger]
    # when
    header, *rows = _csv_rows(_export(getattr(bank, stranger), format="csv"))
    by_mobile = _csv_rows(_export(getattr(bank, stranger), format="csv", q="13800138000"))
    by_branch = _csv_rows(
        _export(getattr(bank, stranger), format="csv", branch_id=bank.chaoyang.pk)
    )
    # then
    assert [row[0] for row in rows] == expected
    if stranger == "sh_manager":
        assert by_mobile == by_branch == [header]


def test_export_input_errors(bank, book, settings):
    # given
    settings.EXPORT_MAX_ROWS = 1
    manager = Api(bank.marketing)
    # when
    no_reason = manager.post("/customers/export", {"format": "csv", "reason": "  "})
    bad_format = manager.post("/customers/export", {"format": "doc", "reason": REASON})
    too_many = manager.post("/customers/export", {"format": "csv", "reason": REASON})
    bad_query = manager.post("/customers/export", {"format": "csv", "reason": REASON, "q": "@"})
    # then
    assert (no_reason.status_code, field_codes(no_reason)) == (422, {"reason": ["invalid"]})
    assert (bad_format.status_code, field_codes(bad_format)) == (
        422,
        {"format": ["invalid_choice"]},
    )
    assert (too_many.status_code, field_codes(too_many)) == (422, {"__all__": ["too_many"]})
    assert (bad_query.status_code, list(field_codes(bad_query))) == (422, ["q"])
    assert not AuditEvent.objects.filter(action="customer.export").exists()


def test_pdf_without_a_chinese_font_answers_503_and_exports_nothing(bank, book, settings):
    # given
    settings.PDF_FONT = "/nonexistent/font.ttf"
    # when
    response = _export(bank.bj_manager, format="pdf")
    # then
    assert response.status_code == 503
    assert response.json()["code"] == "export_unavailable"
    assert "BANKCRM_PDF_FONT" in response.json()["message"]
    assert not AuditEvent.objects.filter(action="customer.export").exists()
