from django.apps import AppConfig


class DisputesConfig(AppConfig):
    name = "backend.disputes"
    label = "disputes"
