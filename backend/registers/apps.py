from django.apps import AppConfig


class RegistersConfig(AppConfig):
    name = "backend.registers"
    label = "registers"
