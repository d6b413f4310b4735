"""Satisfaction figures, hand-computed: CSAT mean and satisfied share, NPS, by staff and month."""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from bankcrm.surveys.models import Survey
from bankcrm.surveys.selectors import (
    MonthSatisfaction,
    Satisfaction,
    satisfaction_by_staff,
    satisfaction_trend,
    surveys_of,
)
from tests import factories
from tests.surveys.support import answered, request_survey


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_satisfaction_by_staff_is_computed_per_rated_staff_member(bank):
    # given: the agent rated 5/10, 4/9, 2/3; the RM 3/7 and (NPS only) –/8, in June 2026
    june = date(2026, 6, 10)
    for csat, nps in [(5, 10), (4, 9), (2, 3)]:
        answered(bank, csat=csat, nps=nps, at=_at(june), staff=bank.agent)
    answered(bank, csat=3, nps=7, at=_at(june), staff=bank.rm)
    answered(bank, csat=None, nps=8, at=_at(june), staff=bank.rm)
    # outside the period, and never answered: not counted
    answered(bank, csat=1, nps=0, at=_at(date(2026, 5, 31), 23, 59), staff=bank.agent)
    request_survey(bank, factories.customer(actor=bank.rm), about_id=7)
    # when
    figures = satisfaction_by_staff(start=date(2026, 6, 1), end=date(2026, 6, 30))
    # then
    assert figures == {
        bank.agent.pk: Satisfaction(responses=3, csat=3.67, csat_satisfied_share=0.6667, nps=33.3),
        bank.rm.pk: Satisfaction(responses=2, csat=3.0, csat_satisfied_share=0.0, nps=0.0),
    }


def test_the_period_is_whole_days_of_the_banks_calendar(bank):
    # given: answers at 23:50 on the last day and 00:10 on the next (Asia/Shanghai)
    answered(bank, csat=5, nps=10, at=_at(date(2026, 6, 30), 23, 50), staff=bank.agent)
    answered(bank, csat=1, nps=0, at=_at(date(2026, 7, 1), 0, 10), staff=bank.agent)
    # when
    figures = satisfaction_by_staff(start=date(2026, 6, 30), end=date(2026, 6, 30))
    # then
    assert figures[bank.agent.pk] == Satisfaction(
        responses=1, csat=5.0, csat_satisfied_share=1.0, nps=100.0
    )


def test_the_trend_has_every_month_and_only_the_viewers_customers(bank):
    # given: answers this month and two months ago for a Beijing customer, one in Shanghai
    today = timezone.localdate()
    this_month = today.replace(day=1)
    two_ago = (this_month - timedelta(days=40)).replace(day=1)
    beijing = factories.customer(actor=bank.rm)
    shanghai = factories.customer(actor=bank.sh_rm)
    answered(bank, csat=4, nps=10, at=_at(this_month), customer=beijing)
    answered(bank, csat=2, nps=5, at=_at(this_month), customer=beijing)
    answered(bank, csat=5, nps=9, at=_at(two_ago + timedelta(days=3)), customer=beijing)
    answered(bank, csat=1, nps=0, at=_at(this_month), customer=shanghai)
    one_ago = (this_month - timedelta(days=1)).replace(day=1)
    # when
    trend = satisfaction_trend(actor=bank.bj_manager, months=3)
    # then
    assert trend == [
        MonthSatisfaction(month=two_ago, responses=1, csat=5.0, nps=100.0),
        MonthSatisfaction(month=one_ago, responses=0, csat=None, nps=None),
        MonthSatisfaction(month=this_month, responses=2, csat=3.0, nps=0.0),
    ]
    shanghai_view = satisfaction_trend(actor=bank.sh_manager, months=3)
    assert [m.responses for m in shanghai_view] == [0, 0, 1]
    assert [m.responses for m in satisfaction_trend(actor=bank.marketing, months=3)] == [0, 0, 0]


def test_surveys_of_a_case(bank, customer):
    # given
    survey = request_survey(bank, customer, about_id=42)
    request_survey(bank, customer, about_id=43)
    # when
    found = list(surveys_of(about_type="case", about_id=42))
    # then
    assert found == [survey]
    assert list(surveys_of(about_type="lead", about_id=42)) == []
    assert Survey.objects.count() == 2
