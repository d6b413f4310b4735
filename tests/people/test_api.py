"""The read-only people API: performance within the caller's scope, rankings, assignments."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from bankcrm.people import services
from bankcrm.people.models import Assignment, PeriodKind
from bankcrm.people.periods import period_containing
from tests.api_support import Api
from tests.people.conftest import answers


def _targets(bank):
    period = period_containing(PeriodKind.MONTH, timezone.localdate())
    for manager, rm in ((bank.bj_manager, bank.rm), (bank.sh_manager, bank.sh_rm)):
        services.target_set(
            actor=manager, period=period, staff=rm, values={"new_customers": "2"}, versions={}
        )
    return period


def test_an_rm_gets_their_own_row_and_the_rankings(bank, customer):
    # given: the RM gained one customer this month (the fixture), targets of 2 for two RMs
    period = _targets(bank)
    # when
    response = Api(bank.rm).get("/people/performance", {"period": period.key})
    # then
    assert response.status_code == 200
    body = response.json()
    assert [r["staff_id"] for r in body["rows"]] == [bank.rm.pk]
    row = body["rows"][0]
    assert row["actuals"]["new_customers"] == 1
    assert Decimal(row["score"]) == Decimal("50.0")
    assert [(r["rank"], r["staff_id"]) for r in body["ranking"]] == [
        (1, bank.rm.pk),
        (2, bank.sh_rm.pk),
    ]
    assert body["period"] == {
        "key": period.key,
        "kind": "month",
        "start": period.start.isoformat(),
        "end": period.end.isoformat(),
    }


def test_a_branch_manager_gets_their_subtree(bank):
    # when
    body = Api(bank.sh_manager).get("/people/performance").json()
    # then
    assert [r["staff_id"] for r in body["rows"]] == [bank.sh_rm.pk]


def test_performance_is_refused_without_the_permission(bank):
    # when
    response = Api(bank.agent).get("/people/performance")
    # then
    assert response.status_code == 403


def test_a_bad_rank_key_is_an_input_error(bank):
    assert Api(bank.rm).get("/people/performance", {"rank": "salary"}).status_code == 422


def test_assignments_of_the_staff_a_manager_oversees(bank, course):
    # given
    due = timezone.localdate() + timedelta(days=3)
    services.assignment_create(
        actor=bank.bj_manager, course=course, due_on=due, staff=[bank.rm, bank.other_rm]
    )
    services.assignment_create(actor=bank.sh_manager, course=course, due_on=due, staff=[bank.sh_rm])
    Assignment.objects.filter(staff=bank.other_rm).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course))
    # when
    beijing = Api(bank.bj_manager).get("/people/assignments").json()
    overdue = Api(bank.bj_manager).get("/people/assignments", {"status": "overdue"}).json()
    refused = Api(bank.rm).get("/people/assignments")
    # then
    assert [(a["staff_id"], a["overdue"], a["score"]) for a in beijing["items"]] == [
        (bank.other_rm.pk, True, None),
        (bank.rm.pk, False, "100.00"),
    ]
    assert [a["staff_id"] for a in overdue["items"]] == [bank.other_rm.pk]
    assert refused.status_code == 403
