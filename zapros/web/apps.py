from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "zapros.web"
    label = "web"
