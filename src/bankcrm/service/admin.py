"""Service reference data in the admin site (system administrators): the category tree, SLA
policies, the working week, holidays and adjusted working days, assignment rules."""

from django.contrib import admin

from bankcrm.org.admin import AuditedAdmin, site
from bankcrm.service.models import (
    AssignmentRule,
    CalendarDay,
    Category,
    SlaPolicy,
    WorkingHours,
)


@admin.register(Category, site=site)
class CategoryAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "parent", "position", "active"]
    list_filter = ["active", "parent"]
    search_fields = ["code", "name", "name_en"]


@admin.register(SlaPolicy, site=site)
class SlaPolicyAdmin(AuditedAdmin):
    list_display = ["category", "priority", "first_response_hours", "resolution_hours"]
    list_filter = ["priority"]


@admin.register(WorkingHours, site=site)
class WorkingHoursAdmin(AuditedAdmin):
    list_display = ["weekday", "start", "end"]


@admin.register(CalendarDay, site=site)
class CalendarDayAdmin(AuditedAdmin):
    list_display = ["date", "kind", "name", "name_en"]
    list_filter = ["kind"]
    date_hierarchy = "date"


@admin.register(AssignmentRule, site=site)
class AssignmentRuleAdmin(AuditedAdmin):
    list_display = ["branch", "category", "active"]
    list_filter = ["active"]
    filter_horizontal = ["agents"]
