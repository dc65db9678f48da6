from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "zapros.api"
    label = "api"
