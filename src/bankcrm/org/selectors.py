from django.db.models import QuerySet
from django.utils import timezone

from bankcrm.org.models import ApiToken, Branch, Staff
from bankcrm.org.roles import Role, Scope


def branch_subtree_ids(branch: Branch) -> list[int]:
    """The ids of a branch and every branch below it (one indexed prefix query)."""
    return list(Branch.objects.filter(path__startswith=branch.path).values_list("id", flat=True))


def branches_visible_to(actor: Staff) -> QuerySet[Branch]:
    if actor.scope == Scope.ALL:
        return Branch.objects.all()
    return Branch.objects.filter(path__startswith=actor.branch.path)


def staff_visible_to(actor: Staff) -> QuerySet[Staff]:
    qs = Staff.objects.filter(is_active=True).select_related("branch")
    if actor.scope == Scope.ALL:
        return qs
    if actor.scope == Scope.BRANCH_SUBTREE:
        return qs.filter(branch__path__startswith=actor.branch.path)
    return qs.filter(pk=actor.pk)


def relationship_managers_visible_to(actor: Staff) -> QuerySet[Staff]:
    return staff_visible_to(actor).filter(role=Role.RELATIONSHIP_MANAGER).order_by("username")


def api_token_active(*, digest: str) -> ApiToken | None:
    """The usable API token with this digest (not revoked, not expired, staff active), or None.

    One indexed query that also loads the staff member and their branch, so the request that
    follows can scope without further reads.
    """
    return (
        ApiToken.objects.select_related("staff__branch")
        .filter(
            digest=digest,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            staff__is_active=True,
        )
        .first()
    )
