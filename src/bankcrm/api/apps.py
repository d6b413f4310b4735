from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "bankcrm.api"
    label = "api"
