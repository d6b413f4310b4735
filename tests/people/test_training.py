"""Training: quiz marking and pass mark, completion, the sell gate through the sales services,
course files (types, size, content, permission-checked serving), assignments and the report."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from bankcrm.audit.models import AuditEvent
from bankcrm.people import selectors, services
from bankcrm.people.models import Assignment, Completion, Material, QuizAttempt
from bankcrm.sales import services as sales
from bankcrm.sales.models import ProductLine
from tests import factories
from tests.people.conftest import answers

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


# --- Quiz ----------------------------------------------------------------------------------------


def test_a_quiz_at_the_pass_mark_passes_and_completes_the_course(bank, course):
    # when: 3 of 4 right = 75%, the pass mark
    attempt = services.quiz_submit(actor=bank.rm, course=course, answers=answers(course, wrong=1))
    # then
    assert (attempt.correct, attempt.total, attempt.score, attempt.passed) == (
        3,
        4,
        Decimal("75.00"),
        True,
    )
    completion = Completion.objects.get(course=course, staff=bank.rm)
    assert (completion.score, completion.attempt) == (Decimal("75.00"), attempt)
    assert AuditEvent.objects.filter(action="quiz.submit", object_id=str(course.pk)).count() == 1


def test_a_quiz_below_the_pass_mark_is_recorded_but_completes_nothing(bank, course):
    # when: 2 of 4 right = 50%
    attempt = services.quiz_submit(actor=bank.rm, course=course, answers=answers(course, wrong=2))
    # then
    assert (attempt.score, attempt.passed, attempt.pass_mark) == (Decimal("50.00"), False, 75)
    assert not Completion.objects.filter(course=course, staff=bank.rm).exists()
    assert QuizAttempt.objects.filter(course=course, staff=bank.rm).count() == 1


def test_a_question_with_two_right_answers_needs_both(bank, course):
    # given: question 2 has two correct answers; only one is ticked
    given = answers(course)
    second = course.questions.all()[1]
    given[second.pk] = {second.choices.filter(correct=True).first().pk}
    # when
    attempt = services.quiz_submit(actor=bank.rm, course=course, answers=given)
    # then
    assert (attempt.correct, attempt.passed) == (3, True)


def test_a_failed_attempt_then_a_pass_keep_both_attempts_and_one_completion(bank, course):
    # when
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course, wrong=4))
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course))
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course))
    # then
    assert list(
        QuizAttempt.objects.filter(staff=bank.rm).order_by("pk").values_list("passed", flat=True)
    ) == [False, True, True]
    assert Completion.objects.filter(course=course, staff=bank.rm).count() == 1


def test_every_question_must_be_answered_and_nothing_is_saved_otherwise(bank, course):
    # given
    given = answers(course)
    first = course.questions.first()
    given[first.pk] = set()
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        services.quiz_submit(actor=bank.rm, course=course, answers=given)
    # then
    assert error.value.message_dict == {f"q{first.pk}": ["Answer this question."]}
    assert not QuizAttempt.objects.exists()


def test_an_answer_from_another_question_is_refused(bank, course):
    # given
    given = answers(course)
    first, second = list(course.questions.all()[:2])
    given[first.pk] = {second.choices.first().pk}
    # when / then
    with pytest.raises(ValidationError):
        services.quiz_submit(actor=bank.rm, course=course, answers=given)
    assert not QuizAttempt.objects.exists()


def test_the_quiz_page_marks_and_redirects(client, bank, course):
    # given
    client.force_login(bank.rm)
    data = {f"q{q}": sorted(c) for q, c in answers(course).items()}
    # when
    response = client.post(f"/people/training/{course.pk}/quiz/", data)
    page = client.get(f"/people/training/{course.pk}/").content.decode()
    # then
    assert response.status_code == 302
    assert Completion.objects.filter(course=course, staff=bank.rm).exists()
    assert "100.0%" in page


def test_the_quiz_page_with_an_unanswered_question_answers_400(client, bank, course):
    # given
    client.force_login(bank.rm)
    # when
    response = client.post(f"/people/training/{course.pk}/quiz/", {})
    # then
    assert response.status_code == 400
    assert not QuizAttempt.objects.exists()


def test_a_course_without_quiz_completes_once_every_material_is_opened(client, bank):
    # given
    course = services.course_create(actor=bank.admin, code="WM", title="理财", pass_mark=60)
    text = services.material_add(
        actor=bank.admin, course=course, kind="text", title="一", body="正文"
    )
    client.force_login(bank.rm)
    # when: completing before opening the material is refused
    early = client.post(f"/people/training/{course.pk}/complete/")
    refused = Completion.objects.filter(staff=bank.rm).exists()
    client.get(f"/people/training/materials/{text.pk}/")
    client.post(f"/people/training/{course.pk}/complete/")
    # then
    assert early.status_code == 302
    assert refused is False
    assert Completion.objects.filter(course=course, staff=bank.rm).exists()


# --- The sell gate -------------------------------------------------------------------------------


def test_the_sell_gate_blocks_an_opportunity_until_the_course_is_passed(
    bank, customer, course, fund
):
    # given: the wealth line sells funds
    line = ProductLine.objects.get(code="wealth")

    def open_one():
        return sales.opportunity_create(
            actor=bank.rm,
            customer=customer,
            line=line,
            name="基金定投",
            amount=Decimal("100000"),
            expected_close=timezone.localdate() + timedelta(days=30),
            product=fund,
        )

    # when: before the course, the opportunity is refused with the course named
    with translation.override("en"), pytest.raises(ValidationError) as blocked:
        open_one()
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course, wrong=2))
    with pytest.raises(ValidationError):
        open_one()  # a failed attempt does not open the gate
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course))
    opportunity = open_one()

    # then
    assert blocked.value.message_dict["product"] == [
        f"{bank.rm} may sell Demand deposit only after completing the training course "
        "“Fund sales qualification”."
    ]
    assert opportunity.product == fund
    assert selectors.sell_block_reason(staff=bank.other_rm, product=fund) is not None


def test_an_unpublished_course_does_not_block(bank, course, fund):
    # when
    services.course_update(
        actor=bank.admin,
        course=course,
        version=course.version,
        code=course.code,
        title=course.title,
        pass_mark=course.pass_mark,
        products=[fund],
        required_for=[fund],
        active=False,
    )
    # then
    assert selectors.sell_block_reason(staff=bank.rm, product=fund) is None


# --- Files ---------------------------------------------------------------------------------------


def _upload(bank, course, name="checklist.pdf", content=PDF):
    return services.material_add(
        actor=bank.admin,
        course=course,
        kind="file",
        title="清单",
        upload=SimpleUploadedFile(name, content, content_type="application/pdf"),
    )


def test_a_file_is_stored_under_the_data_directory_and_served_to_staff(
    client, bank, course, settings
):
    # given
    material = _upload(bank, course)
    client.force_login(bank.sh_rm)  # any branch: courses are the bank's
    # when
    response = client.get(f"/people/training/materials/{material.pk}/file/")
    # then
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    path = material.file.path
    assert path.startswith(str(settings.VAR_DIR / "training"))
    assert "checklist" not in path  # stored under a random name
    assert material.file_name == "checklist.pdf"


def test_a_file_is_refused_to_the_anonymous_and_to_a_role_without_the_permission(
    client, bank, course
):
    # given
    material = _upload(bank, course)
    nobody = factories.staff(role="", branch=bank.head, username="norole")
    url = f"/people/training/materials/{material.pk}/file/"
    # when
    anonymous = client.get(url)
    client.force_login(nobody)
    no_role = client.get(url)
    # then
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/login/")
    assert no_role.status_code == 403


def test_a_file_of_an_unpublished_course_is_a_404_except_for_its_keepers(client, bank, course):
    # given
    material = _upload(bank, course)
    course.active = False
    course.save()
    url = f"/people/training/materials/{material.pk}/file/"
    # when
    client.force_login(bank.rm)
    hidden = client.get(url)
    client.force_login(bank.admin)
    keeper = client.get(url)
    # then
    assert hidden.status_code == 404
    assert keeper.status_code == 200


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("run.exe", b"MZ...", "Allowed file types: PDF, PNG, JPG, JPEG, DOCX, PPTX, XLSX, MP4."),
        ("fake.pdf", b"<html>not a pdf</html>", "The file's content does not match its type."),
        ("empty.pdf", b"", "The file is empty."),
    ],
)
def test_a_file_of_the_wrong_type_or_content_is_refused(bank, course, name, content, message):
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _upload(bank, course, name=name, content=content)
    # then
    assert error.value.message_dict == {"file": [message]}
    assert not Material.objects.filter(kind="file").exists()


def test_a_file_over_the_size_limit_is_refused(bank, course, settings):
    # given
    settings.PEOPLE_MATERIAL_MAX_BYTES = 1024 * 1024
    # when
    with translation.override("en"), pytest.raises(ValidationError) as error:
        _upload(bank, course, content=PDF + b"0" * (1024 * 1024))
    # then
    assert error.value.message_dict == {"file": ["The file is larger than 1 MB."]}


def test_only_the_training_keepers_add_materials(bank, course):
    with pytest.raises(PermissionDenied):
        _upload(type("B", (), {"admin": bank.bj_manager})(), course)


# --- Assignments and the report ------------------------------------------------------------------


def test_a_branch_assignment_reaches_its_rms_and_skips_those_already_assigned(bank, course):
    # given
    due = timezone.localdate() + timedelta(days=10)
    services.assignment_create(actor=bank.bj_manager, course=course, due_on=due, staff=[bank.rm])
    # when
    made = services.assignment_create(
        actor=bank.bj_manager, course=course, due_on=due, branch=bank.beijing
    )
    # then: the Chaoyang RMs (rm, rm2), rm already had it
    assert made == 1
    assert set(Assignment.objects.values_list("staff__username", flat=True)) == {"rm", "rm2"}


def test_a_manager_cannot_assign_outside_their_branch(bank, course):
    due = timezone.localdate() + timedelta(days=10)
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=bank.bj_manager, course=course, due_on=due, branch=bank.shanghai
        )
    with pytest.raises(PermissionDenied):
        services.assignment_create(
            actor=bank.bj_manager, course=course, due_on=due, staff=[bank.sh_rm]
        )
    assert not Assignment.objects.exists()


def test_a_team_assignment_and_a_past_due_date(bank, course):
    # given
    from bankcrm.org.models import Team

    team = Team.objects.create(branch=bank.chaoyang, name="财富一组")
    bank.rm.team = team
    bank.rm.save()
    # when
    with translation.override("en"), pytest.raises(ValidationError) as past:
        services.assignment_create(
            actor=bank.bj_manager, course=course, due_on=date(2020, 1, 1), team=team
        )
    made = services.assignment_create(
        actor=bank.bj_manager,
        course=course,
        due_on=timezone.localdate() + timedelta(days=1),
        team=team,
    )
    # then
    assert past.value.message_dict == {"due_on": ["The due date cannot be in the past."]}
    assert made == 1
    assert Assignment.objects.get().source == "team"


def test_the_completion_report_shows_progress_and_overdue_within_scope(bank, course):
    # given: rm completed, rm2 overdue, the Shanghai RM assigned by their own manager
    today = timezone.localdate()
    for manager, people in (
        (bank.bj_manager, [bank.rm, bank.other_rm]),
        (bank.sh_manager, [bank.sh_rm]),
    ):
        services.assignment_create(
            actor=manager, course=course, due_on=today + timedelta(days=5), staff=people
        )
    Assignment.objects.filter(staff=bank.other_rm).update(due_on=today - timedelta(days=1))
    services.quiz_submit(actor=bank.rm, course=course, answers=answers(course))
    # when
    beijing = selectors.completion_report(actor=bank.bj_manager)
    overdue = selectors.completion_report(actor=bank.bj_manager, status="overdue")
    summary = selectors.completion_summary(actor=bank.bj_manager)
    whole_bank = selectors.completion_report(actor=bank.analyst)
    # then
    assert [(a.staff.username, a.completed_at is not None) for a in beijing] == [
        ("rm2", False),
        ("rm", True),
    ]
    assert [a.staff.username for a in overdue] == ["rm2"]
    assert [(s.assigned, s.completed, s.overdue, s.open) for s in summary] == [(2, 1, 1, 0)]
    assert len(whole_bank) == 3
    assert selectors.completion_report(actor=bank.rm) == []


def test_the_report_page_refuses_rms_and_a_foreign_branch_filter(client, bank, course):
    # when
    client.force_login(bank.rm)
    rm = client.get("/people/training/report/")
    client.force_login(bank.bj_manager)
    foreign = client.get(f"/people/training/report/?branch={bank.shanghai.pk}")
    own = client.get(f"/people/training/report/?branch={bank.chaoyang.pk}")
    # then
    assert (rm.status_code, foreign.status_code, own.status_code) == (403, 404, 200)
