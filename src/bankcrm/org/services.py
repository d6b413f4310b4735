from django.db import transaction

from bankcrm.audit.services import audit_record
from bankcrm.org.models import Branch, Staff


@transaction.atomic
def branch_create(
    *, code: str, name: str, name_en: str = "", parent: Branch | None, city: str = ""
) -> Branch:
    level = Branch.Level.HEAD_OFFICE if parent is None else min(parent.level + 1, 2)
    path = f"{parent.path if parent else '/'}{code}/"
    return Branch.objects.create(
        code=code, name=name, name_en=name_en, parent=parent, level=level, path=path, city=city
    )


@transaction.atomic
def staff_language_set(*, staff: Staff, language: str) -> Staff:
    Staff.objects.filter(pk=staff.pk).update(language=language)
    staff.language = language
    audit_record(
        actor=staff,
        action="staff.language",
        object_type="staff",
        object_id=staff.pk,
        changes={"language": language},
    )
    return staff
