"""Permissions come from the staff member's role (org/roles.py), not per-user grants."""

from django.contrib.auth.backends import ModelBackend

from bankcrm.org.roles import PERMISSIONS


class RoleBackend(ModelBackend):
    def get_all_permissions(self, user_obj, obj=None):  # noqa: ARG002
        if not user_obj.is_active or user_obj.is_anonymous:
            return set()
        return set(PERMISSIONS.get(getattr(user_obj, "role", ""), frozenset()))

    def get_user_permissions(self, user_obj, obj=None):  # noqa: ARG002
        return self.get_all_permissions(user_obj)

    def get_group_permissions(self, user_obj, obj=None):  # noqa: ARG002
        return set()

    def has_perm(self, user_obj, perm, obj=None):  # noqa: ARG002
        return perm in self.get_all_permissions(user_obj)
