from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SalesConfig(AppConfig):
    name = "bankcrm.sales"
    label = "sales"
    verbose_name = _("Sales")

    def ready(self) -> None:
        from bankcrm.customers.timeline import register
        from bankcrm.sales.selectors import timeline_entries

        register("sales", timeline_entries)
