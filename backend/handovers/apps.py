from django.apps import AppConfig


class HandoversConfig(AppConfig):
    name = "backend.handovers"
    default_auto_field = "django.db.models.BigAutoField"
