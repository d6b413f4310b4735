"""People pages: course authoring (create, edit, stale version), constant queries of the
training lists, the People entry, the demo seed."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from bankcrm.people import services
from bankcrm.people.models import Course
from tests import factories
from tests.people.conftest import answers


def test_a_course_is_created_and_edited_on_its_page(client, bank, fund):
    # given
    client.force_login(bank.admin)
    data = {
        "code": "INS-101",
        "title": "保险销售",
        "title_en": "Insurance sales",
        "pass_mark": "70",
        "required_for": [fund.pk],
        "active": "on",
    }
    # when
    created = client.post("/people/training/new/", data)
    course = Course.objects.get(code="INS-101")
    edited = client.post(
        f"/people/training/{course.pk}/edit/",
        {**data, "title": "保险销售资格", "version": course.version},
    )
    stale = client.post(
        f"/people/training/{course.pk}/edit/", {**data, "title": "旧的", "version": 1}
    )
    # then
    course.refresh_from_db()
    assert (created.status_code, edited.status_code, stale.status_code) == (302, 302, 400)
    assert (course.title, course.version) == ("保险销售资格", 2)
    assert list(course.required_for.all()) == [fund]


def test_a_bad_course_names_the_fields(client, bank):
    # given
    client.force_login(bank.admin)
    # when
    with translation.override("en"):
        response = client.post("/people/training/new/", {"code": "", "title": "x", "pass_mark": 0})
    # then
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"code", "pass_mark"}
    assert not Course.objects.exists()


def test_a_branch_manager_may_not_author_courses(client, bank, course):
    # given
    client.force_login(bank.bj_manager)
    # when
    response = client.post(
        f"/people/training/{course.pk}/questions/new/", {"text": "?", "choice1": "a"}
    )
    # then
    assert response.status_code == 403
    assert course.questions.count() == 4


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_catalogue_and_the_report_cost_the_same_queries_for_more_rows(client, bank, course):
    # given
    client.force_login(bank.bj_manager)
    due = timezone.localdate() + timedelta(days=5)
    services.assignment_create(actor=bank.bj_manager, course=course, due_on=due, staff=[bank.rm])
    urls = ["/people/training/", "/people/training/report/"]
    for url in urls:
        client.get(url)
    few = [_queries(client, url) for url in urls]
    # when: more courses, staff, assignments and attempts
    for i in range(4):
        extra = services.course_create(actor=bank.admin, code=f"C{i}", title="课", pass_mark=50)
        services.material_add(actor=bank.admin, course=extra, kind="text", title="一", body="x")
        rm = factories.staff(role="relationship_manager", branch=bank.chaoyang)
        services.assignment_create(actor=bank.bj_manager, course=extra, due_on=due, staff=[rm])
        services.assignment_create(actor=bank.bj_manager, course=course, due_on=due, staff=[rm])
        services.quiz_submit(actor=rm, course=course, answers=answers(course, wrong=i % 2))
    many = [_queries(client, url) for url in urls]
    # then
    assert few == many


def test_the_people_entry_sends_each_role_to_its_page(client, bank):
    # when
    found = {}
    for user in (bank.rm, bank.bj_manager, bank.agent):
        client.force_login(user)
        response = client.get("/people/", follow=True)
        found[user.username] = response.redirect_chain[-1][0]
    # then
    assert found == {
        "rm": "/people/performance/me/",
        "bjmgr": "/people/performance/",
        "agent": "/people/training/",
    }


def test_the_demo_seed_runs_once(bank):
    # given: the demo's products
    from bankcrm.people.demo import seed_demo
    from bankcrm.products.models import ProductType

    factories.product(type=ProductType.FUND, code="FD-BOND")
    # when
    first = seed_demo(seed=1)
    again = seed_demo(seed=1)
    # then
    assert first.startswith("people: 3 courses")
    assert again == "people: already seeded"
    gated = Course.objects.get(code="FUND-201")
    assert gated.required_for.count() == 1
    assert gated.materials.filter(kind="file").count() == 1


def test_the_target_grid_can_be_narrowed_to_a_branch_of_the_subtree(client, bank):
    # given
    client.force_login(bank.bj_manager)
    # when
    narrowed = client.get(f"/people/targets/?branch={bank.chaoyang.pk}").content.decode()
    foreign = client.get(f"/people/targets/?branch={bank.pudong.pk}")
    # then
    assert f'id="staff-{bank.rm.pk}"' in narrowed
    assert f'id="staff-{bank.sh_rm.pk}"' not in narrowed
    assert foreign.status_code == 404


def test_the_refresh_command_stores_the_snapshots(bank, lake):
    # given
    from io import StringIO

    from django.core.management import call_command

    from bankcrm.people.models import AumSnapshot

    out = StringIO()
    # when
    with translation.override("en"):
        call_command("refresh_performance", "--period", "2024-02", stdout=out)
    # then
    assert out.getvalue() == "2024-02: the warehouse has no balances for this period.\n"
    assert AumSnapshot.objects.get().computed_at is not None
