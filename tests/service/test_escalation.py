"""Assignment (least workload) and escalation: by hand, and by the periodic SLA check when a
target is at risk (80 %) or missed."""

from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from bankcrm.audit.models import AuditEvent
from bankcrm.org.roles import Role
from bankcrm.service.models import AssignmentRule, Case, CaseEvent, Category
from bankcrm.service.services import (
    case_assign,
    case_escalate,
    case_transition,
    cases_check_slas,
)
from tests import factories
from tests.service.conftest import open_case

SH = ZoneInfo("Asia/Shanghai")
# Monday 2026-11-23 09:00 local: a working day, a normal week around it.
MONDAY_9 = datetime(2026, 11, 23, 9, 0, tzinfo=SH)


def _opened_monday(bank, customer, **fields) -> Case:
    # card-fraud, normal priority: first response 1 business hour, resolution 8 business hours
    return open_case(bank.agent, customer, opened_at=MONDAY_9, **fields)


def test_targets_are_set_in_business_hours_from_the_category_policy(bank, customer):
    case = _opened_monday(bank, customer)
    assert case.first_response_due == datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    # 8 h = 3 h (09–12) + 4.5 h (13–17:30) + 0.5 h Tuesday
    assert case.resolution_due == datetime(2026, 11, 24, 9, 30, tzinfo=SH)
    # 80 % of 8 h = 6.4 h = 3 h + 3 h 24 min → 16:24 Monday
    assert case.resolution_warn_at == datetime(2026, 11, 23, 16, 24, tzinfo=SH)


def test_a_category_without_a_policy_takes_its_parents_or_the_default(bank, customer):
    # given card-limit (no policy, nor its parent "card") and urgent priority: default 1 h / 8 h
    case = open_case(bank.agent, customer, code="card-limit", priority=4, opened_at=MONDAY_9)
    assert case.first_response_due == datetime(2026, 11, 23, 10, 0, tzinfo=SH)
    assert case.resolution_due == datetime(2026, 11, 24, 9, 30, tzinfo=SH)


def test_new_cases_go_to_the_agent_with_the_fewest_open_cases(bank, customer):
    # given a second agent in Beijing who already has two open cases
    second = factories.staff(role=Role.SERVICE_AGENT, branch=bank.beijing, username="agent2")
    for _ in range(2):
        c = open_case(bank.agent, customer)
        Case.objects.filter(pk=c.pk).update(assignee=second)
    # bank.agent has 0 open now (the two were moved), second has 2
    # when
    first = open_case(bank.rm, customer)
    second_case = open_case(bank.rm, customer)
    # then both go to the less loaded agent until the loads are level
    assert first.assignee == bank.agent
    assert second_case.assignee == bank.agent
    third = open_case(bank.rm, customer)
    assert third.assignee == bank.agent  # 2 vs 2: the lower id wins ties
    fourth = open_case(bank.rm, customer)
    assert fourth.assignee == second


def test_an_assignment_rule_for_the_category_wins(bank, customer):
    # given complaints about wealth products go to a specialist at the Chaoyang sub-branch
    specialist = factories.staff(role=Role.SERVICE_AGENT, branch=bank.chaoyang, username="wm")
    rule = AssignmentRule.objects.create(
        branch=bank.beijing, category=Category.objects.get(code="wealth")
    )
    rule.agents.add(specialist)
    # when
    wealth = open_case(bank.rm, customer, code="wealth-misselling")
    card = open_case(bank.rm, customer, code="card-statement")
    # then: the rule covers the sub-category; without a rule the sub-branch's own agent takes
    assert wealth.assignee == specialist
    assert card.assignee == specialist  # the nearest branch with agents is Chaoyang itself
    # and with no agent at all in the branch line the case stays unassigned
    bank.agent.is_active = False
    bank.agent.save()
    specialist.is_active = False
    specialist.save()
    assert open_case(bank.rm, customer, code="card-statement").assignee is None


def test_escalating_by_hand_raises_the_priority_and_notifies_the_branch_manager(
    bank, customer, complaint
):
    # when
    case_escalate(
        actor=bank.agent, case=complaint, version=complaint.version, reason="客户要求行长回电"
    )
    # then
    complaint.refresh_from_db()
    assert complaint.escalation_level == 1
    assert complaint.escalated_to == bank.bj_manager
    assert complaint.priority == 3
    kinds = list(complaint.events.values_list("kind", flat=True))
    assert kinds[-2:] == [CaseEvent.Kind.ESCALATED, CaseEvent.Kind.PRIORITY]
    audit = AuditEvent.objects.get(action="case.escalate")
    assert audit.reason == "客户要求行长回电"
    assert audit.changes["to"] == bank.bj_manager.pk
    # and the manager finds it in their list
    from bankcrm.service.selectors import CaseFilters, case_list

    mine, _next = case_list(actor=bank.bj_manager, filters=CaseFilters(escalated_to_me=True))
    assert [c.pk for c in mine] == [complaint.pk]
    from django.test import Client

    client = Client()
    client.force_login(bank.bj_manager)
    page = client.get("/service/")
    assert page.context["escalated_to_me"] == 1
    assert 'id="escalated-to-me"' in page.content.decode()


def test_escalation_needs_a_reason_the_permission_and_an_open_case(bank, complaint):
    with pytest.raises(ValidationError):
        case_escalate(actor=bank.agent, case=complaint, version=complaint.version, reason=" ")
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        case_escalate(actor=bank.rm, case=complaint, version=complaint.version, reason="x")
    Case.objects.filter(pk=complaint.pk).update(status=Case.Status.CLOSED)
    complaint.refresh_from_db()
    with pytest.raises(ValidationError):
        case_escalate(actor=bank.agent, case=complaint, version=complaint.version, reason="x")
    assert Case.objects.get(pk=complaint.pk).escalation_level == 0


def test_the_check_escalates_a_case_at_risk_once(bank, customer):
    # given a case opened Monday 09:00, acknowledged at once
    case = _opened_monday(bank, customer)
    case_transition(
        actor=bank.agent,
        case=case,
        action="acknowledge",
        version=case.version,
        at=MONDAY_9 + timedelta(minutes=10),
    )
    # when the check runs at 16:30 (80 % used at 16:24) and again at 16:45
    first = cases_check_slas(now=datetime(2026, 11, 23, 16, 30, tzinfo=SH))
    again = cases_check_slas(now=datetime(2026, 11, 23, 16, 45, tzinfo=SH))
    # then
    assert (first.warned, first.response_breached, first.resolution_breached) == (1, 0, 0)
    assert (again.warned, again.response_breached, again.resolution_breached) == (0, 0, 0)
    case.refresh_from_db()
    assert case.sla_warned is True
    assert case.escalation_level == 1
    assert case.escalated_to == bank.bj_manager
    assert case.priority == 2  # a warning does not change the priority
    assert case.events.filter(kind=CaseEvent.Kind.SLA_WARNING).count() == 1
    escalated = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    assert escalated.actor is None
    assert escalated.data["trigger"] == "at_risk"


def test_a_missed_first_response_reassigns_and_raises_the_priority(bank, customer):
    # given two agents; the case's agent has not answered within the hour
    other = factories.staff(role=Role.SERVICE_AGENT, branch=bank.beijing, username="agent2")
    case = _opened_monday(bank, customer)
    assert case.assignee == bank.agent
    version = case.version
    # when the check runs at 10:05
    result = cases_check_slas(now=datetime(2026, 11, 23, 10, 5, tzinfo=SH))
    # then
    assert (result.warned, result.response_breached, result.resolution_breached) == (0, 1, 0)
    case.refresh_from_db()
    assert case.response_breached is True
    assert case.assignee == other
    assert case.priority == 3
    assert case.version > version  # an open page of the old version now gets a conflict
    # high priority targets (0.5 h / 4 h from 10:05) are tighter than the old due time
    assert case.resolution_due == datetime(2026, 11, 23, 15, 5, tzinfo=SH)
    breach = case.events.get(kind=CaseEvent.Kind.SLA_BREACH)
    assert breach.data["target"] == "first_response"
    assert AuditEvent.objects.filter(action="case.escalate", actor_id=None).count() == 1


def test_a_missed_resolution_escalates_to_level_two(bank, customer):
    # given the case answered in time but not resolved by Tuesday 09:30
    case = _opened_monday(bank, customer)
    case_transition(
        actor=bank.agent,
        case=case,
        action="acknowledge",
        version=case.version,
        at=MONDAY_9 + timedelta(minutes=5),
    )
    head_manager = factories.staff(role=Role.BRANCH_MANAGER, branch=bank.head, username="hq")
    # when
    result = cases_check_slas(now=datetime(2026, 11, 24, 10, 0, tzinfo=SH))
    # then
    assert (result.warned, result.response_breached, result.resolution_breached) == (0, 0, 1)
    case.refresh_from_db()
    assert case.resolution_breached is True
    assert case.escalation_level == 2
    assert case.escalated_to == head_manager  # the manager above the branch's
    assert case.priority == 3
    # and resolving it late keeps the breach on record
    case_transition(actor=bank.agent, case=case, action="investigate", version=case.version)
    case_transition(
        actor=bank.agent, case=case, action="resolve", version=case.version, resolution="已退款"
    )
    case.refresh_from_db()
    assert case.resolution_breached is True


def test_the_sla_clock_does_not_run_over_the_weekend(bank, customer):
    # given a case opened Friday 2026-11-20 at 17:00 (30 minutes before closing)
    friday = datetime(2026, 11, 20, 17, 0, tzinfo=SH)
    case = open_case(bank.agent, customer, opened_at=friday)
    # then its first response (1 business hour) is due Monday 09:30
    assert case.first_response_due == datetime(2026, 11, 23, 9, 30, tzinfo=SH)
    # and a check on Sunday finds nothing late
    result = cases_check_slas(now=datetime(2026, 11, 22, 12, 0, tzinfo=SH))
    assert (result.warned, result.response_breached, result.resolution_breached) == (0, 0, 0)


def test_reassigning_by_a_branch_manager(bank, customer, complaint):
    other = factories.staff(role=Role.SERVICE_AGENT, branch=bank.beijing, username="agent2")
    case_assign(actor=bank.bj_manager, case=complaint, assignee=other, version=complaint.version)
    complaint.refresh_from_db()
    assert complaint.assignee == other
    # an agent of another branch cannot see the case, so cannot take it
    stranger = factories.staff(role=Role.SERVICE_AGENT, branch=bank.shanghai, username="sh_ag")
    with pytest.raises(ValidationError):
        case_assign(
            actor=bank.bj_manager, case=complaint, assignee=stranger, version=complaint.version
        )
    # and an agent may not reassign
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        case_assign(actor=bank.agent, case=complaint, assignee=other, version=complaint.version)


def test_the_command_and_the_self_renewing_task(bank, customer, django_capture_on_commit_callbacks):
    from django_tasks_db.models import DBTaskResult

    from bankcrm.service.tasks import sla_check_schedule, sla_check_scheduled

    # given a case whose first response is long overdue
    open_case(bank.agent, customer, opened_at=timezone.now() - timedelta(days=10))
    # when the command runs
    out = StringIO()
    call_command("check_slas", stdout=out)
    # then
    assert "1" in out.getvalue()
    assert Case.objects.get().response_breached is True
    # when the schedule starts and its first link runs
    with django_capture_on_commit_callbacks(execute=True):
        schedule = sla_check_schedule(interval_seconds=600)
    queued = DBTaskResult.objects.get(task_path__endswith="sla_check_scheduled")
    assert queued.args_kwargs["args"] == [str(schedule.chain)]
    with django_capture_on_commit_callbacks(execute=True):
        result = sla_check_scheduled.call(str(schedule.chain))
    # then it checked (nothing new) and queued the next link ten minutes on
    assert result == {"warned": 0, "response_breached": 0, "resolution_breached": 0}
    following = DBTaskResult.objects.exclude(pk=queued.pk).get(
        task_path__endswith="sla_check_scheduled"
    )
    assert 590 <= (following.run_after - timezone.now()).total_seconds() <= 600
    # and a restart supersedes the old chain
    with django_capture_on_commit_callbacks(execute=False):
        sla_check_schedule(interval_seconds=600)
    assert sla_check_scheduled.call(str(schedule.chain)) == {"superseded": True}


def test_system_events_read_in_the_readers_language(bank, customer):
    # given a case escalated by the check while the server spoke English
    from django.utils import translation

    from bankcrm.service.templatetags.service_ui import event_detail

    case = _opened_monday(bank, customer)
    with translation.override("en"):
        cases_check_slas(now=datetime(2026, 11, 23, 10, 5, tzinfo=SH))
    escalated = case.events.get(kind=CaseEvent.Kind.ESCALATED)
    priority = case.events.get(kind=CaseEvent.Kind.PRIORITY)
    # when read in English and in Chinese, then each reads in its own language
    with translation.override("en"):
        assert event_detail(escalated) == "First response target missed: reassigned."
        assert event_detail(priority) == "High"
    with translation.override("zh-hans"):
        assert event_detail(priority) == "高"
