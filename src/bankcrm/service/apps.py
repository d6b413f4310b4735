from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceConfig(AppConfig):
    name = "bankcrm.service"
    label = "service"
    verbose_name = _("Service")

    def ready(self) -> None:
        from bankcrm.customers import timeline
        from bankcrm.service.selectors import timeline_entries

        timeline.register("service", timeline_entries)
