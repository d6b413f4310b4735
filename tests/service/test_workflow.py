"""Case workflows: every allowed and forbidden step, complaint closure rules, reopening."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from bankcrm.audit.models import AuditEvent
from bankcrm.common.errors import ConflictError
from bankcrm.service.models import Case, CaseEvent
from bankcrm.service.services import TRANSITIONS, case_transition
from bankcrm.surveys.models import Survey
from tests.service.conftest import open_case

S = Case.Status
ACTIONS = ["start", "acknowledge", "investigate", "resolve", "visit", "close", "reopen"]
ALLOWED = {
    "complaint": {
        ("registered", "acknowledge"): "acknowledged",
        ("acknowledged", "investigate"): "investigating",
        ("investigating", "resolve"): "resolved",
        ("resolved", "visit"): "visited",
        ("visited", "close"): "closed",
        ("resolved", "reopen"): "investigating",
        ("visited", "reopen"): "investigating",
        ("closed", "reopen"): "investigating",
    },
    "request": {
        ("open", "start"): "in_progress",
        ("open", "resolve"): "resolved",
        ("in_progress", "resolve"): "resolved",
        ("resolved", "close"): "closed",
        ("resolved", "reopen"): "in_progress",
        ("closed", "reopen"): "in_progress",
    },
}
ALLOWED["question"] = ALLOWED["request"]
STATUSES = {
    "complaint": ["registered", "acknowledged", "investigating", "resolved", "visited", "closed"],
    "request": ["open", "in_progress", "resolved", "closed"],
    "question": ["open", "in_progress", "resolved", "closed"],
}
ARGS = {"resolve": {"resolution": "已退回盗刷款项"}, "reopen": {"reason": "客户来电要求重新处理"}}
ARGS["visit"] = {"visit_outcome": "satisfied", "visit_notes": "客户表示满意"}


def _put(case: Case, status: str) -> Case:
    """Place the case in `status` with what that status implies already recorded."""
    from django.utils import timezone

    values = {"status": status}
    if status in ("resolved", "visited", "closed"):
        values.update(resolution="已处理", resolved_at=timezone.now())
    if status in ("visited", "closed") and case.is_complaint:
        values.update(visit_at=timezone.now(), visit_outcome="satisfied", visit_by=case.opened_by)
    Case.objects.filter(pk=case.pk).update(**values)
    case.refresh_from_db()
    return case


def test_the_table_is_what_the_tests_expect():
    for kind, flow in TRANSITIONS.items():
        got = {(src, t.action): t.target for t in flow for src in t.sources}
        assert got == ALLOWED[kind], kind


@pytest.mark.parametrize(
    ("kind", "status", "action"),
    [(k, s, a) for k, statuses in STATUSES.items() for s in statuses for a in ACTIONS],
)
def test_every_step_from_every_status(bank, customer, kind, status, action):
    # given
    case = _put(open_case(bank.agent, customer, kind=kind), status)
    expected = ALLOWED[kind].get((status, action))
    # when / then
    if expected is None:
        with pytest.raises(ValidationError) as refused:
            case_transition(actor=bank.agent, case=case, action=action, version=case.version)
        assert "action" in refused.value.message_dict
        case.refresh_from_db()
        assert case.status == status
    else:
        case_transition(
            actor=bank.agent, case=case, action=action, version=case.version, **ARGS.get(action, {})
        )
        case.refresh_from_db()
        assert case.status == expected
        event = case.events.order_by("-id").first()
        assert (event.from_status, event.to_status) == (status, expected)


def test_a_complaint_through_its_whole_workflow(bank, customer, complaint):
    # given a complaint just registered
    assert complaint.status == S.REGISTERED
    assert complaint.assignee == bank.agent
    # when it is worked through every step
    for action in ["acknowledge", "investigate", "resolve", "visit", "close"]:
        case_transition(
            actor=bank.agent,
            case=complaint,
            action=action,
            version=complaint.version,
            **ARGS.get(action, {}),
        )
    # then
    complaint.refresh_from_db()
    assert complaint.status == S.CLOSED
    assert complaint.resolution == "已退回盗刷款项"
    assert complaint.visit_outcome == "satisfied"
    assert complaint.visit_by == bank.agent
    assert complaint.first_responded_at is not None
    assert complaint.closed_at is not None
    assert list(complaint.events.values_list("kind", "to_status")) == [
        ("opened", "registered"),
        ("assigned", ""),
        ("transition", "acknowledged"),
        ("transition", "investigating"),
        ("transition", "resolved"),
        ("transition", "visited"),
        ("transition", "closed"),
    ]
    actions = AuditEvent.objects.filter(object_type="case", object_id=str(complaint.pk))
    assert list(actions.order_by("seq").values_list("action", flat=True)) == [
        "case.create",
        "case.acknowledge",
        "case.investigate",
        "case.resolve",
        "case.visit",
        "case.close",
    ]
    # and a satisfaction survey was requested about the case, for the agent and the branch
    survey = Survey.objects.get(about_type="case", about_id=complaint.pk)
    assert (survey.customer_id, survey.staff_id, survey.branch_id) == (
        customer.pk,
        bank.agent.pk,
        bank.chaoyang.pk,
    )


def test_a_complaint_cannot_close_without_a_recorded_resolution(bank, complaint):
    # given a complaint marked visited but with no resolution on record
    Case.objects.filter(pk=complaint.pk).update(status=S.VISITED, visit_outcome="satisfied")
    complaint.refresh_from_db()
    # when
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        case_transition(actor=bank.agent, case=complaint, action="close", version=complaint.version)
        # then
        assert refused.value.message_dict["resolution"] == [
            "A case cannot close without a recorded resolution."
        ]
    complaint.refresh_from_db()
    assert complaint.status == S.VISITED
    assert complaint.closed_at is None


def test_a_complaint_cannot_close_without_a_recorded_return_visit(bank, complaint):
    # given a resolved complaint: closing straight away is not a step of the workflow
    _put(complaint, "resolved")
    with pytest.raises(ValidationError):
        case_transition(actor=bank.agent, case=complaint, action="close", version=complaint.version)
    # and a "visited" complaint without the visit on record is refused too
    Case.objects.filter(pk=complaint.pk).update(status=S.VISITED)
    complaint.refresh_from_db()
    with pytest.raises(ValidationError) as refused, translation.override("en"):
        case_transition(actor=bank.agent, case=complaint, action="close", version=complaint.version)
    with translation.override("en"):
        assert refused.value.message_dict["visit_outcome"] == [
            "A complaint cannot close without a recorded return visit."
        ]
    assert Case.objects.get(pk=complaint.pk).status == S.VISITED


def test_resolving_needs_a_resolution_and_a_visit_needs_an_outcome(bank, complaint):
    _put(complaint, "investigating")
    with pytest.raises(ValidationError) as refused:
        case_transition(
            actor=bank.agent, case=complaint, action="resolve", version=complaint.version
        )
    assert list(refused.value.message_dict) == ["resolution"]
    _put(complaint, "resolved")
    with pytest.raises(ValidationError) as refused:
        case_transition(
            actor=bank.agent,
            case=complaint,
            action="visit",
            version=complaint.version,
            visit_outcome="great",
        )
    assert list(refused.value.message_dict) == ["visit_outcome"]
    assert Case.objects.get(pk=complaint.pk).status == S.RESOLVED


def test_reopen_on_the_customers_request_needs_a_reason_and_clears_the_resolution(bank, complaint):
    # given a closed complaint
    _put(complaint, "closed")
    # when reopening without a reason
    with pytest.raises(ValidationError) as refused:
        case_transition(
            actor=bank.agent, case=complaint, action="reopen", version=complaint.version
        )
    assert list(refused.value.message_dict) == ["reason"]
    # when with a reason
    case_transition(
        actor=bank.agent,
        case=complaint,
        action="reopen",
        version=complaint.version,
        reason="客户来电称仍有一笔未退回",
    )
    # then it is investigated again, with no resolution or visit on record
    complaint.refresh_from_db()
    assert complaint.status == S.INVESTIGATING
    assert (complaint.resolution, complaint.resolved_at, complaint.visit_at) == ("", None, None)
    assert complaint.closed_at is None
    assert complaint.reopen_count == 1
    event = complaint.events.get(kind=CaseEvent.Kind.REOPENED)
    assert event.detail == "客户来电称仍有一笔未退回"
    assert event.data["previous_resolution"] == "已处理"
    audit = AuditEvent.objects.get(action="case.reopen")
    assert audit.reason == "客户来电称仍有一笔未退回"


def test_a_stale_version_is_refused_and_nothing_changes(bank, complaint):
    # given someone else acknowledged the complaint since it was read
    stale = complaint.version
    case_transition(actor=bank.agent, case=complaint, action="acknowledge", version=stale)
    other_copy = Case.objects.get(pk=complaint.pk)
    other_copy.version = stale
    # when
    with pytest.raises(ConflictError):
        case_transition(actor=bank.agent, case=other_copy, action="investigate", version=stale)
    # then
    assert Case.objects.get(pk=complaint.pk).status == S.ACKNOWLEDGED


def test_a_role_without_the_permission_cannot_move_a_case(bank, complaint):
    with pytest.raises(PermissionDenied):
        case_transition(
            actor=bank.analyst, case=complaint, action="acknowledge", version=complaint.version
        )
    assert Case.objects.get(pk=complaint.pk).status == S.REGISTERED


def test_first_response_is_the_acknowledgement_of_a_complaint(bank, complaint):
    case_transition(
        actor=bank.agent, case=complaint, action="acknowledge", version=complaint.version
    )
    complaint.refresh_from_db()
    assert complaint.first_responded_at is not None
    assert complaint.first_response_minutes is not None
    assert complaint.response_breached is False


def test_a_reply_goes_to_the_customer_through_the_outbox_and_a_note_does_not(
    bank, customer, complaint
):
    # given: the customer takes service messages by SMS
    from bankcrm.messaging.models import Message
    from bankcrm.service.services import case_comment_add
    from tests.messaging.conftest import consent

    consent(bank, customer, "sms")
    # when
    note = case_comment_add(actor=bank.agent, case=complaint, visibility="internal", body="内部")
    reply = case_comment_add(
        actor=bank.agent, case=complaint, visibility="customer", body="您好，已受理。"
    )
    # then: one message, the reply's, queued on SMS and tied to the case
    message = Message.objects.get()
    assert (message.channel, message.purpose, message.status) == ("sms", "service", "queued")
    assert (message.related_type, message.related_id) == ("case", complaint.pk)
    assert message.body == "您好，已受理。"
    assert message.dedupe_key == f"case-reply:{reply.pk}"
    assert note.pk != reply.pk
