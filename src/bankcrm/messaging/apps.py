from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessagingConfig(AppConfig):
    name = "bankcrm.messaging"
    label = "messaging"
    verbose_name = _("Messaging")

    def ready(self) -> None:
        from bankcrm.customers import timeline
        from bankcrm.messaging.selectors import timeline_entries

        timeline.register("messaging", timeline_entries)
