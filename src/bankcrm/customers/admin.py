from django.contrib import admin

from bankcrm.customers.models import Tag
from bankcrm.org.admin import AuditedAdmin, site


@admin.register(Tag, site=site)
class TagAdmin(AuditedAdmin):
    list_display = ["name", "name_en"]
    search_fields = ["name", "name_en"]
