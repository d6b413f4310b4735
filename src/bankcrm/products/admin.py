from django.contrib import admin

from bankcrm.org.admin import AuditedAdmin, site
from bankcrm.products.models import Product


@admin.register(Product, site=site)
class ProductAdmin(AuditedAdmin):
    list_display = ["code", "name", "name_en", "type", "currency", "annual_rate", "active"]
    list_filter = ["type", "active", "currency"]
    search_fields = ["code", "name", "name_en"]
