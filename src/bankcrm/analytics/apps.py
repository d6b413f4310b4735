from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalyticsConfig(AppConfig):
    name = "bankcrm.analytics"
    label = "analytics"
    verbose_name = _("Analytics")

    def ready(self) -> None:
        # Built-in subscribers of the transaction hook (the customer 360's live balances).
        from bankcrm.analytics import live  # noqa: F401
