"""Whose customers a member of staff's reports count: an analytics `Scope` derived from the
staff member exactly as `customers.selectors.customers_visible_to` scopes the customer list."""

from __future__ import annotations

from bankcrm.analytics.segments import Scope
from bankcrm.org.roles import Scope as StaffScope
from bankcrm.org.selectors import branch_subtree_ids

NOBODY = Scope(branch_ids=())


def scope_of(actor) -> Scope | None:
    """None for the whole bank; a branch subtree; or the RM's own book. Staff who may not see
    customers (or are no longer active: a segment's former owner) see nobody."""
    if (
        not getattr(actor, "is_authenticated", False)
        or not getattr(actor, "is_active", False)
        or not actor.has_perm("customers.view_customer")
    ):
        return NOBODY
    if actor.scope == StaffScope.ALL:
        return None
    if actor.scope == StaffScope.BRANCH_SUBTREE:
        if actor.branch.parent_id is None:
            return None  # head office's subtree is the bank
        return Scope(branch_ids=tuple(sorted(branch_subtree_ids(actor.branch))))
    return Scope(rm_id=actor.pk)


def narrowed(scope: Scope | None, branch) -> Scope | None:
    """The scope narrowed to a branch and its sub-branches (a report's branch filter)."""
    if branch is None:
        return scope
    ids = set(branch_subtree_ids(branch))
    if scope is not None and scope.branch_ids is not None:
        ids &= set(scope.branch_ids)
    return Scope(branch_ids=tuple(sorted(ids)), rm_id=scope.rm_id if scope else None)
