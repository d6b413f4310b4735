from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InteractionsConfig(AppConfig):
    name = "bankcrm.interactions"
    label = "interactions"
    verbose_name = _("Interactions and tasks")

    def ready(self) -> None:
        from bankcrm.customers.timeline import register
        from bankcrm.interactions.selectors import timeline_entries

        register("interactions", timeline_entries)
