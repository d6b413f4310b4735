import copy

from django.db.models import QuerySet
from django.utils import timezone

from bankcrm.org.models import ApiToken, Branch, Staff
from bankcrm.org.roles import SCOPE, Role, Scope

# How wide each scope is: a narrowed token may only keep or shrink its staff member's scope.
SCOPE_WIDTH = {Scope.OWN_BOOK: 0, Scope.BRANCH_SUBTREE: 1, Scope.ALL: 2}


def branch_subtree_ids(branch: Branch) -> list[int]:
    """The ids of a branch and every branch below it (one indexed prefix query, then kept on
    this Branch object: a request's actor asks for its subtree from every selector it uses)."""
    found = branch.__dict__.get("_subtree_ids")
    if found is None:
        found = branch.__dict__["_subtree_ids"] = list(
            Branch.objects.filter(path__startswith=branch.path).values_list("id", flat=True)
        )
    return found


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
        ApiToken.objects.select_related("staff__branch", "branch")
        .filter(
            digest=digest,
            revoked_at__isnull=True,
            expires_at__gt=timezone.now(),
            staff__is_active=True,
        )
        .first()
    )


def _read_only(*args, **kwargs):
    raise TypeError("A token's narrowed view of a staff member cannot be saved.")


def api_token_actor(token: ApiToken) -> Staff:
    """Who a request carrying `token` acts as: its staff member, or a narrowed view of them.

    A token issued with a role acts with that role's permissions (never more than the staff
    member's: api_token_create checks); one issued with a branch sees that branch and its
    sub-branches only (a whole-bank role becomes a branch scope). The view has the staff
    member's id, so the audit trail names the real person; it cannot be saved.
    """
    staff = token.staff
    if not token.role and token.branch_id is None:
        return staff
    actor = copy.copy(staff)
    # Its own related-object cache: setting the branch must not change the staff object.
    actor._state = copy.copy(staff._state)
    actor._state.fields_cache = dict(staff._state.fields_cache)
    actor.save = _read_only  # type: ignore[method-assign]
    if token.role:
        actor.role = token.role
    scope = SCOPE.get(actor.role, Scope.OWN_BOOK)
    if token.branch_id is not None:
        actor.branch = token.branch
        if scope == Scope.ALL:
            scope = Scope.BRANCH_SUBTREE
    actor.narrowed_scope = scope
    return actor
