"""Reference data: the shipped category tree, SLA policies, working week and 2026 holidays; the
system administrator keeps them in the admin (audited); the people app's service figures."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.service.models import CalendarDay, Case, Category, SlaPolicy, WorkingHours
from bankcrm.service.selectors import (
    ServiceQuality,
    service_quality_by_staff,
    work_calendar,
)
from bankcrm.service.services import case_transition
from bankcrm.service.sla import add_business_minutes
from tests.service.conftest import open_case

SH = ZoneInfo("Asia/Shanghai")


def test_the_shipped_reference_data(db):
    top = Category.objects.filter(parent__isnull=True).order_by("position")
    assert [c.name for c in top] == [
        "账户",
        "银行卡",
        "贷款",
        "理财",
        "支付结算",
        "服务态度",
        "收费",
        "电子渠道",
    ]
    assert all(c.name_en for c in Category.objects.all())
    assert SlaPolicy.objects.filter(category__isnull=True).count() == 4
    assert WorkingHours.objects.filter(weekday__gte=5).count() == 0
    # 2026: 33 holidays and 6 adjusted working days (State Council notice)
    assert CalendarDay.objects.filter(date__year=2026, kind="holiday").count() == 33
    assert list(
        CalendarDay.objects.filter(date__year=2026, kind="workday").values_list("date", flat=True)
    ) == [
        date(2026, 1, 4),
        date(2026, 2, 14),
        date(2026, 2, 28),
        date(2026, 5, 9),
        date(2026, 9, 20),
        date(2026, 10, 10),
    ]


def test_the_spring_festival_stops_the_clock(db):
    # given Friday 2026-02-13 17:00 (30 minutes left), 02-14 Saturday 调休, 02-15..23 closed
    calendar = work_calendar()
    start = datetime(2026, 2, 13, 17, 0, tzinfo=SH)
    # then 8 business hours end on the 调休 Saturday; the next hour runs on Tuesday 02-24
    assert add_business_minutes(calendar, start, 30) == datetime(2026, 2, 13, 17, 30, tzinfo=SH)
    assert add_business_minutes(calendar, start, 60) == datetime(2026, 2, 14, 9, 30, tzinfo=SH)
    assert add_business_minutes(calendar, start, 8 * 60) == datetime(2026, 2, 14, 17, 30, tzinfo=SH)
    assert add_business_minutes(calendar, start, 9 * 60) == datetime(2026, 2, 24, 10, 0, tzinfo=SH)


def test_the_administrator_adds_next_years_holiday_in_the_admin(client, bank):
    client.force_login(bank.admin)
    assert client.get("/admin/service/calendarday/").status_code == 200
    response = client.post(
        "/admin/service/calendarday/add/",
        {"date": "2027-01-01", "kind": "holiday", "name": "元旦", "name_en": "New Year's Day"},
    )
    assert response.status_code == 302
    day = CalendarDay.objects.get(date=date(2027, 1, 1))
    assert AuditEvent.objects.filter(action="calendarday.create", object_id=str(day.pk)).exists()
    assert date(2027, 1, 1) in work_calendar().holidays
    # a branch manager cannot
    client.force_login(bank.bj_manager)
    assert client.get("/admin/service/calendarday/", follow=True).status_code == 403


def test_service_quality_by_staff(bank, customer):
    # given two cases of the agent closed this month: one on time, one late; one still open
    now = timezone.now()
    on_time = open_case(bank.agent, customer, kind="request", code="fees-sms")
    late = open_case(bank.agent, customer, kind="request", code="fees-sms")
    open_case(bank.agent, customer, kind="request", code="fees-sms")
    Case.objects.filter(pk=late.pk).update(resolution_due=now - timedelta(hours=1))
    late.refresh_from_db()
    for case, text in ((on_time, "已处理"), (late, "已处理，超时")):
        case_transition(actor=bank.agent, case=case, action="start", version=case.version)
        case_transition(
            actor=bank.agent, case=case, action="resolve", version=case.version, resolution=text
        )
        case_transition(actor=bank.agent, case=case, action="close", version=case.version)
    today = timezone.localdate()
    # when
    quality = service_quality_by_staff(start=today.replace(day=1), end=today)
    # then
    got = quality[bank.agent.pk]
    assert isinstance(got, ServiceQuality)
    assert (got.closed, got.sla_met, got.breached) == (2, 1, 1)
    assert got.first_response_hours_avg is not None and got.first_response_hours_avg >= 0
    assert got.resolution_hours_avg is not None
    assert (
        service_quality_by_staff(start=today - timedelta(days=60), end=today - timedelta(days=40))
        == {}
    )
