from django.apps import AppConfig


class MunicipalitiesConfig(AppConfig):
    name = "backend.municipalities"
    label = "municipalities"
