from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "bankcrm.common"
    label = "common"
