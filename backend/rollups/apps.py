from django.apps import AppConfig


class RollupsConfig(AppConfig):
    name = "backend.rollups"
    label = "rollups"
