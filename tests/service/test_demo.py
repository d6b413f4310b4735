"""The demo seed: cases through the services, in several states, idempotent."""

from bankcrm.service.demo import seed_demo
from bankcrm.service.models import Case
from tests import factories


def test_seed_demo_makes_cases_in_several_states_once(bank):
    # given a few customers in two cities
    for _ in range(12):
        factories.customer(actor=bank.rm)
    for _ in range(8):
        factories.customer(actor=bank.sh_rm)
    factories.staff(role="service_agent", branch=bank.shanghai)
    # when
    summary = seed_demo(seed=7, cases=20)
    again = seed_demo(seed=7, cases=20)
    # then
    assert summary.startswith("service: 20 cases")
    assert again == "service: already seeded"
    assert Case.objects.count() == 20
    statuses = set(Case.objects.values_list("status", flat=True))
    assert Case.Status.CLOSED in statuses
    assert len(statuses) >= 3
    # every case is in its customer's branch, assigned to an agent of the same city
    for case in Case.objects.select_related("assignee__branch", "branch"):
        assert case.branch.path.startswith(case.assignee.branch.path)
    # and closing asked for surveys about the closed cases
    from bankcrm.surveys.models import Survey

    closed = Case.objects.filter(closed_at__isnull=False).count()
    assert Survey.objects.filter(about_type="case").count() >= closed
