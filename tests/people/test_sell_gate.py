from django.utils import timezone, translation

from bankcrm.people.models import Completion, Course
from bankcrm.people.selectors import sell_block_reason
from tests import factories


def test_a_product_without_required_course_may_be_sold(bank):
    # given
    product = factories.product()

    # when
    reason = sell_block_reason(staff=bank.rm, product=product)

    # then
    assert reason is None


def test_a_required_course_blocks_the_sale_until_completed(bank):
    # given
    product = factories.product(code="FUND01")
    course = Course.objects.create(code="C-FUND", title="基金销售资格", title_en="Fund sales")
    course.required_for.add(product)

    # when
    with translation.override("en"):
        blocked = sell_block_reason(staff=bank.rm, product=product)
    Completion.objects.create(course=course, staff=bank.rm, completed_at=timezone.now())
    allowed = sell_block_reason(staff=bank.rm, product=product)

    # then
    assert blocked == (
        f"{bank.rm} may sell Demand deposit only after completing the training course “Fund sales”."
    )
    assert allowed is None
