from django.apps import AppConfig


class RoutesConfig(AppConfig):
    name = "backend.routes"
    label = "routes"
    verbose_name = "수거 경로 · Routes"
