"""The auditor's pages: search the trail by staff, customer, action and time, keyset pages,
the chain status and check, and an export of a search that is itself audited."""

import csv
import io
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.audit.services import audit_chain_verify, audit_record
from bankcrm.org.services import auth_event_record


def _seqs(response) -> list[int]:
    import re

    return [
        int(n)
        for n in re.findall(
            r'<td class="text-body-secondary">(\d+)</td>', response.content.decode()
        )
    ]


def test_only_auditors_see_the_trail(client, bank):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.get(reverse("audit:search"))
    # then
    assert response.status_code == 403


def test_search_by_staff_customer_action_outcome_and_time(client, bank, customer):
    # given: entries by several people, one of them about the customer
    auth_event_record(action="auth.login_failed", staff=bank.rm, allowed=False)
    auth_event_record(action="auth.login", staff=bank.rm, allowed=True)
    client.force_login(bank.auditor)
    url = reverse("audit:search")
    about_customer = AuditEvent.objects.filter(customer_id=customer.pk).order_by("-seq")
    by_rm = AuditEvent.objects.filter(actor=bank.rm).order_by("-seq")
    today = timezone.localdate()
    # when
    by_staff = client.get(url, {"staff": "rm"})
    by_employee_number = client.get(url, {"staff": bank.rm.employee_number})
    by_customer = client.get(url, {"customer": customer.number})
    by_action = client.get(url, {"action": "auth.login"})
    by_group = client.get(url, {"action": "auth.", "outcome": "denied"})
    in_range = client.get(url, {"since": today.isoformat(), "until": today.isoformat()})
    before = client.get(url, {"until": (today - timedelta(days=1)).isoformat()})
    unknown = client.get(url, {"customer": "NOPE"}, HTTP_ACCEPT_LANGUAGE="en")
    # then
    assert _seqs(by_staff) == [e.seq for e in by_rm]
    assert _seqs(by_employee_number) == _seqs(by_staff)
    assert _seqs(by_customer) == [e.seq for e in about_customer] and about_customer.exists()
    assert _seqs(by_action) == [AuditEvent.objects.get(action="auth.login", actor=bank.rm).seq]
    assert _seqs(by_group) == [AuditEvent.objects.get(action="auth.login_failed").seq]
    assert len(_seqs(in_range)) == AuditEvent.objects.count()
    assert _seqs(before) == []
    assert _seqs(unknown) == []
    assert "No staff member or customer has that name or number." in unknown.content.decode()
    body = by_customer.content.decode()
    assert customer.number in body
    assert " UTC" in body


def test_pages_follow_the_sequence_without_gaps_or_repeats(client, bank, settings):
    # given: more than a page of entries
    for n in range(120):
        audit_record(actor=bank.admin, action="test.entry", object_type="test", object_id=n)
    client.force_login(bank.auditor)
    # when
    seen, query = [], {"action": "test.entry"}
    response = client.get(reverse("audit:search"), query)
    while True:
        seen += _seqs(response)
        link = response.context["next_query"]
        if not link:
            break
        response = client.get(reverse("audit:search") + "?" + link)
    # then
    expected = list(
        AuditEvent.objects.filter(action="test.entry")
        .order_by("-seq")
        .values_list("seq", flat=True)
    )
    assert seen == expected and len(seen) == 120


def test_the_chain_status_shows_the_last_check_and_a_check_can_be_run(client, bank):
    # given
    client.force_login(bank.auditor)
    before = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # when
    checked = client.post(reverse("audit:verify"), HTTP_ACCEPT_LANGUAGE="en")
    after = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then
    assert 'data-chain="unknown"' in before
    assert checked.status_code == 302
    assert 'data-chain="intact"' in after
    event = AuditEvent.objects.get(action="audit.verify")
    assert event.actor == bank.auditor
    assert event.changes["intact"] is True and event.changes["source"] == "web"


def test_a_broken_chain_is_shown_as_broken(client, bank, settings):
    # given: an entry edited behind the application's back
    from tests.test_audit_chain import _record, _tamper

    _record(3)
    first = AuditEvent.objects.order_by("seq").first()
    _tamper(("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["edited", first.pk]))
    check = audit_chain_verify(source="cli")
    assert not check.intact and check.first_bad_seq == first.seq
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then
    assert 'data-chain="broken"' in page
    assert "first bad entry" in page


def test_a_long_chain_is_left_to_the_scheduled_check(client, bank, settings):
    # given
    settings.AUDIT_INLINE_VERIFY_MAX = 3
    for n in range(4):
        audit_record(actor=None, action="test.entry", object_type="test", object_id=n)
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    response = client.post(reverse("audit:verify"))
    # then
    assert "bankcrm verify_audit --record" in page
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action="audit.verify").exists()


def test_a_long_chain_checks_the_entries_since_the_last_intact_check(client, bank, settings):
    # given: a long chain whose last full check (the scheduled one) found it intact
    settings.AUDIT_INLINE_VERIFY_MAX = 3
    for n in range(4):
        audit_record(actor=None, action="test.entry", object_type="test", object_id=n)
    full = audit_chain_verify(source="cli")
    for n in range(2):
        audit_record(actor=None, action="test.entry", object_type="test", object_id=n)
    client.force_login(bank.auditor)
    # when
    page = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    client.post(reverse("audit:verify"))
    after = client.get(reverse("audit:search"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # then: only the entries after the full check are read, linked to its last entry
    assert "Check now" in page
    event = AuditEvent.objects.filter(action="audit.verify").order_by("-seq").first()
    assert event.changes["intact"] is True
    assert event.changes["from_seq"] == full.entries + 1  # the full check's own entry onwards
    assert 'data-chain="intact"' in after
    assert f"new entries {full.entries + 1}–" in after and "last full check" in after


def test_a_check_since_the_last_one_finds_a_broken_link_after_it(bank, settings):
    # given: an intact check, then new entries, one of which is edited
    from tests.test_audit_chain import _tamper

    audit_record(actor=None, action="test.entry", object_type="test", object_id=1)
    audit_chain_verify(source="cli")
    audit_record(actor=None, action="test.entry", object_type="test", object_id=2)
    audit_record(actor=None, action="test.entry", object_type="test", object_id=3)
    edited = AuditEvent.objects.order_by("-seq")[1]
    _tamper(("UPDATE audit_auditevent SET reason = %s WHERE id = %s", ["edited", edited.pk]))
    # when
    check = audit_chain_verify(source="web", since_last=True)
    # then
    assert not check.intact and check.first_bad_seq == edited.seq


def test_exporting_a_search_needs_a_reason_and_is_audited(client, bank, customer):
    # given
    client.force_login(bank.auditor)
    # when
    refused = client.post(reverse("audit:export"), {"format": "csv", "reason": ""})
    response = client.post(
        reverse("audit:export"),
        {"format": "csv", "reason": "quarterly review", "customer": customer.number},
    )
    # then
    assert refused.status_code == 302
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    expected = AuditEvent.objects.filter(customer_id=customer.pk).exclude(action="audit.export")
    assert len(rows) == 1 + expected.count()
    assert {r[6] for r in rows[1:]} == {customer.number}
    export = AuditEvent.objects.get(action="audit.export")
    assert export.actor == bank.auditor
    assert export.reason == "quarterly review"
    assert export.changes["rows"] == expected.count()
    assert export.changes["filters"]["customer_id"] == customer.pk
    # no protected value of the customer appears in the file
    assert "13800138000" not in response.content.decode("utf-8-sig")


def test_the_excel_export_opens(client, bank):
    # given
    auth_event_record(action="auth.login", staff=bank.rm, allowed=True)
    client.force_login(bank.auditor)
    # when
    response = client.post(reverse("audit:export"), {"format": "xlsx", "reason": "inspection"})
    # then
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(1, 1).value and sheet.max_row >= 2


def test_auditors_have_the_nav_entry_others_do_not(client, bank):
    # given
    client.force_login(bank.auditor)
    auditor_page = client.get("/").content.decode()
    client.force_login(bank.rm)
    rm_page = client.get("/").content.decode()
    # then
    assert reverse("audit:search") in auditor_page
    assert reverse("audit:search") not in rm_page


def test_the_scheduled_command_records_its_result(bank):
    # when
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("verify_audit", "--record", stdout=out)
    # then
    assert "intact" in out.getvalue()
    event = AuditEvent.objects.get(action="audit.verify")
    assert event.actor is None and event.changes["source"] == "cli"
    assert event.changes["entries"] == event.seq - 1
