from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "zapros.core"
    label = "core"
