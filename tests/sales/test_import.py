"""Importing leads from CSV and Excel: good rows load (assigned by the rules), each bad row is
reported with its row, column and reason and leaves nothing behind; an unreadable file is
refused as a whole."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook

from bankcrm.audit.models import AuditEvent
from bankcrm.sales.imports import RowReject, leads_import
from bankcrm.sales.models import Lead, LeadActivity

pytestmark = pytest.mark.django_db

CSV = (
    "source,name,mobile,branch,product_line,referrer,referrer_line,event_or_campaign\n"
    "event,钱多多,13800138011,110105,mortgage,,,春季房展会\n"
    "event,,13800138012,110105,mortgage,,,春季房展会\n"
    "walk_in,周到,14012345678,110105,,,,\n"
    "referral,吴用,13800138013,110105,wealth,{referrer},wealth,\n"
    "walk_in,郑和,13800138014,999,,,,\n"
    "campaign,冯唐,13800138015,110105,nosuchline,,,\n"
)


def test_good_rows_load_and_bad_rows_are_reported(bank):
    # given
    content = CSV.format(referrer=bank.sh_rm.employee_number).encode()
    # when
    with translation.override("en"):
        result = leads_import(actor=bank.bj_manager, content=content, filename="expo.csv")
    # then
    assert result.rows == 6
    assert len(result.created) == 2
    assert result.rejects == [
        RowReject(3, "prospect_name", "Name the prospect, or choose an existing customer."),
        RowReject(4, "prospect_mobile", "This mobile number is not valid."),
        RowReject(6, "branch", "No branch with this code that you may use."),
        RowReject(7, "product_line", "No active product line with this code."),
    ]
    leads = Lead.objects.order_by("pk")
    assert [(x.source, x.source_detail, x.referrer) for x in leads] == [
        ("event", "春季房展会", None),
        ("referral", "", bank.sh_rm),
    ]
    assert all(x.assignee in (bank.rm, bank.other_rm) for x in leads)
    assert LeadActivity.objects.count() == 2  # nothing of a bad row was saved
    event = AuditEvent.objects.get(action="lead.import")
    assert event.changes == {"file": "expo.csv", "rows": 6, "created": 2, "rejected_rows": 4}


def test_chinese_headers_and_gb18030_and_excel(bank):
    # given
    csv_gbk = "来源,姓名,手机号,机构\n到店,陈静,13800138021,110105\n".encode("gb18030")
    book = Workbook()
    book.active.append(["source", "name", "mobile", "branch"])
    book.active.append(["walk_in", "林峰", 13800138022, "110105"])
    buffer = io.BytesIO()
    book.save(buffer)
    # when
    from_csv = leads_import(actor=bank.bj_manager, content=csv_gbk, filename="名单.csv")
    from_xlsx = leads_import(actor=bank.bj_manager, content=buffer.getvalue(), filename="a.xlsx")
    # then
    assert (len(from_csv.created), from_csv.rejects) == (1, [])
    assert (len(from_xlsx.created), from_xlsx.rejects) == (1, [])
    assert sorted(Lead.objects.values_list("source", flat=True)) == ["walk_in", "walk_in"]


@pytest.mark.parametrize(
    ("content", "filename"),
    [
        (b"", "empty.csv"),
        (b"name,mobile\nx,y\n", "nocolumns.csv"),
        (b"not a workbook", "broken.xlsx"),
        (b"source,branch\n", "list.pdf"),
    ],
)
def test_an_unreadable_file_is_refused_whole(bank, content, filename):
    with pytest.raises(ValidationError) as caught:
        leads_import(actor=bank.bj_manager, content=content, filename=filename)
    assert list(caught.value.message_dict) == ["file"]
    assert Lead.objects.count() == 0


def test_a_branch_out_of_reach_is_a_bad_row(bank):
    content = b"source,name,mobile,branch\nwalk_in,A,13800138031,310115\n"
    result = leads_import(actor=bank.bj_manager, content=content, filename="x.csv")
    assert [r.column for r in result.rejects] == ["branch"]


def test_the_import_page(client, bank):
    # given
    client.force_login(bank.bj_manager)
    upload = io.BytesIO(CSV.format(referrer="").encode())
    upload.name = "expo.csv"
    # when
    response = client.post(reverse("sales:lead_import"), {"file": upload})
    # then
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="import-rejects"' in page
    assert Lead.objects.count() == 1
    # and an RM may not import
    client.force_login(bank.rm)
    assert client.get(reverse("sales:lead_import")).status_code == 403
