"""Sales reference data in the admin site (system administrators): product lines with their
ordered stages (default probability, won and lost ends), the pool's rules per branch or for the
whole bank, and the lead assignment rules."""

from django.contrib import admin

from bankcrm.org.admin import AuditedAdmin, site
from bankcrm.sales.models import AssignmentRule, PoolSetting, ProductLine, Stage


class StageInline(admin.TabularInline):
    model = Stage
    extra = 0
    fields = ["position", "code", "name", "name_en", "kind", "probability"]
    ordering = ["position"]

    def has_delete_permission(self, request, obj=None):
        return False  # opportunities keep their history: rename or reorder instead


@admin.register(ProductLine, site=site)
class ProductLineAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "business_line", "active", "position"]
    list_filter = ["business_line", "active"]
    search_fields = ["code", "name", "name_en"]
    inlines = [StageInline]


@admin.register(PoolSetting, site=site)
class PoolSettingAdmin(AuditedAdmin):
    list_display = ["__str__", "return_after_days", "lead_cap", "customer_cap", "pool_customers"]


@admin.register(AssignmentRule, site=site)
class AssignmentRuleAdmin(AuditedAdmin):
    list_display = ["name", "branch", "product_line", "position", "active"]
    list_filter = ["active", "product_line"]
    filter_horizontal = ["rms"]
