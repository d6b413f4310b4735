from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "bankcrm.surveys"
    label = "surveys"
    verbose_name = _("Satisfaction surveys")

    def ready(self) -> None:
        from bankcrm.customers import timeline
        from bankcrm.surveys.selectors import timeline_entries

        timeline.register("surveys", timeline_entries)
