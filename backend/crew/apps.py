from django.apps import AppConfig


class CrewConfig(AppConfig):
    name = "backend.crew"
    label = "crew"
