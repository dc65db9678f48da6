from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "zapros.demo"
    label = "demo"
