"""Reads of the people app: the sell gate, training, targets and performance (scoped)."""

from django.db.models import QuerySet
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bankcrm.people.models import Completion, Course


def courses_blocking_sale(*, staff, product) -> QuerySet[Course]:
    """The published courses required for `product` that `staff` has not completed."""
    done = Completion.objects.filter(staff_id=staff.pk).values("course_id")
    return (
        Course.objects.filter(active=True, required_for=product)
        .exclude(pk__in=done)
        .order_by("code")
    )


def sell_block_reason(*, staff, product) -> str | None:
    """None if `staff` may sell `product`; else a translated reason naming the course(s) still to
    complete. Called by the sales app when an opportunity is created."""
    missing = list(courses_blocking_sale(staff=staff, product=product))
    if not missing:
        return None
    language = translation.get_language() or "zh-hans"
    lang = "en" if language.startswith("en") else language
    # TRANSLATORS: separator between course names in a list
    names = _(", ").join(f"“{course.display_title(lang)}”" for course in missing)
    return ngettext(
        "%(name)s may sell %(product)s only after completing the training course %(courses)s.",
        "%(name)s may sell %(product)s only after completing the training courses %(courses)s.",
        len(missing),
    ) % {
        "name": str(staff),
        "product": product.display_name(lang),
        "courses": names,
    }
