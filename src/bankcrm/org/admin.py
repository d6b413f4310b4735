"""The admin site for system administrators: branches, teams, staff, products, tags.

Only a role with `org.manage_staff` gets in (not Django's is_staff flag), and every change made
here is written to the audit trail like any other change.
"""

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from bankcrm.audit.services import audit_record
from bankcrm.org.models import ApiToken, Branch, Staff, Team
from bankcrm.org.services import (
    api_token_revoke,
    mfa_reset,
    staff_deactivate,
    staff_sessions_end,
)


class BankAdminSite(admin.AdminSite):
    site_header = _("bankcrm administration")
    site_title = _("bankcrm administration")
    index_title = _("Reference data and staff")

    def has_permission(self, request):
        user = request.user
        return user.is_active and user.is_authenticated and user.has_perm("org.manage_staff")

    def password_change(self, request, extra_context=None):
        """Our own page: the same rules, audited, and the other sessions end."""
        return redirect("password_change")

    def login(self, request, extra_context=None):
        """One sign-in form for the whole system (lockout and MFA guard it): the staff one.

        A signed-in member of staff without the permission is refused, not asked to sign in
        again.
        """
        if request.user.is_authenticated:
            raise PermissionDenied
        return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


site = BankAdminSite(name="admin")


class AuditedAdmin(admin.ModelAdmin):
    """Records who changed which fields of which object; never the values of passwords."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action=f"{obj._meta.model_name}.{'update' if change else 'create'}",
            object_type=obj._meta.model_name,
            object_id=obj.pk,
            changes={name: None for name in form.changed_data},
        )

    def has_delete_permission(self, request, obj=None):
        return False  # deactivate instead: records keep their history


@admin.register(Branch, site=site)
class BranchAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "level", "parent", "city"]
    search_fields = ["code", "name", "name_en"]
    list_filter = ["level"]
    fields = ["code", "name", "name_en", "parent", "city"]

    def get_readonly_fields(self, request, obj=None):
        # Moving a branch would re-path its whole subtree: a migration job, not a form edit.
        return ["code", "parent"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            parent = obj.parent
            obj.level = Branch.Level.HEAD_OFFICE if parent is None else min(parent.level + 1, 2)
            obj.path = f"{parent.path if parent else '/'}{obj.code}/"
        super().save_model(request, obj, form, change)


@admin.register(Team, site=site)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "branch"]
    search_fields = ["name", "branch__name"]
    autocomplete_fields = ["branch"]


@admin.register(Staff, site=site)
class StaffAdmin(UserAdmin, AuditedAdmin):
    list_display = ["username", "display_name", "employee_number", "role", "branch", "is_active"]
    list_filter = ["role", "is_active", "branch__level"]
    search_fields = ["username", "display_name", "employee_number"]
    autocomplete_fields = ["branch", "team"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        (_("Person"), {"fields": ["display_name", "employee_number", "email", "language"]}),
        (_("Role and scope"), {"fields": ["role", "branch", "team", "is_active"]}),
        (_("History"), {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        (_("Person"), {"fields": ["display_name", "employee_number", "email", "language"]}),
        (_("Role and scope"), {"fields": ["role", "branch", "team"]}),
    ]
    readonly_fields = ["last_login", "date_joined"]
    filter_horizontal: list = []
    actions = ["deactivate", "reset_second_factor"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if change and "role" in form.changed_data:
            # Roles are not personal data: the change is recorded with both values.
            audit_record(
                actor=request.user,
                action="staff.role_change",
                object_type="staff",
                object_id=obj.pk,
                changes={"role": {"from": form.initial.get("role"), "to": obj.role}},
            )
        if change and "is_active" in form.changed_data and not obj.is_active:
            staff_deactivate(staff=obj, actor=request.user)  # ends their sessions now

    def user_change_password(self, request, id, form_url=""):  # noqa: A002 - Django's name
        """An administrator sets a staff member's password: audited, their sessions end."""
        response = super().user_change_password(request, id, form_url)
        if request.method == "POST" and response.status_code == 302:
            staff = Staff.objects.get(pk=id)
            ended = staff_sessions_end(staff=staff)
            audit_record(
                actor=request.user,
                action="staff.password_set",
                object_type="staff",
                object_id=staff.pk,
                changes={"sessions_ended": ended},
            )
        return response

    @admin.action(description=_("Deactivate (sign out everywhere)"), permissions=["change"])
    def deactivate(self, request, queryset):
        staff = [s for s in queryset if s.is_active and s.pk != request.user.pk]
        for member in staff:
            staff_deactivate(staff=member, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d account deactivated.", "%(n)d accounts deactivated.", len(staff))
            % {"n": len(staff)},
            messages.SUCCESS,
        )

    @admin.action(description=_("Reset second factor (lost phone)"), permissions=["change"])
    def reset_second_factor(self, request, queryset):
        for member in queryset:
            mfa_reset(staff=member, actor=request.user)
        self.message_user(
            request,
            _("Done: they set up a new authenticator at their next sign-in."),
            messages.SUCCESS,
        )


@admin.register(ApiToken, site=site)
class ApiTokenAdmin(AuditedAdmin):
    list_display = [
        "name",
        "prefix",
        "staff",
        "role",
        "branch",
        "created_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "staff__username"]
    fields = [
        "name",
        "prefix",
        "staff",
        "role",
        "branch",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    readonly_fields = fields
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False  # issued with `bankcrm create_api_token`, shown once

    @admin.action(description=_("Revoke (stops working at once)"), permissions=["change"])
    def revoke(self, request, queryset):
        tokens = list(queryset.filter(revoked_at__isnull=True))
        for token in tokens:
            api_token_revoke(token=token, actor=request.user)
        self.message_user(
            request,
            ngettext("%(n)d token revoked.", "%(n)d tokens revoked.", len(tokens))
            % {"n": len(tokens)},
            messages.SUCCESS,
        )
