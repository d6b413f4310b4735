import pytest

from bankcrm.people import services
from bankcrm.people.models import Course
from bankcrm.products.models import ProductType
from tests import factories
from tests.analytics.conftest import accounts, backend, lake  # noqa: F401 - warehouse fixtures


@pytest.fixture
def fund(db):
    return factories.product(type=ProductType.FUND, code="FUND01")


@pytest.fixture
def course(bank, fund) -> Course:
    """A published course required before selling `fund`: one text, a quiz of four questions
    (the second has two correct answers), pass mark 75%."""
    course = services.course_create(
        actor=bank.admin,
        code="FUND-201",
        title="基金销售资格",
        title_en="Fund sales qualification",
        pass_mark=75,
        products=[fund],
        required_for=[fund],
    )
    services.material_add(
        actor=bank.admin, course=course, kind="text", title="适当性", body="风险等级匹配。"
    )
    for i in range(1, 5):
        services.question_add(
            actor=bank.admin,
            course=course,
            text=f"问题{i}",
            choices=[
                {"text": "对", "correct": True},
                {"text": "也对", "correct": i == 2},
                {"text": "错"},
            ],
        )
    return course


def answers(course: Course, *, wrong: int = 0) -> dict[int, set[int]]:
    """Answers to the quiz, the first `wrong` questions answered wrongly."""
    out = {}
    for n, question in enumerate(course.questions.prefetch_related("choices")):
        choices = list(question.choices.all())
        if n < wrong:
            out[question.pk] = {c.pk for c in choices if not c.correct}
        else:
            out[question.pk] = {c.pk for c in choices if c.correct}
    return out
