from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "backend.analytics"
    label = "analytics"
