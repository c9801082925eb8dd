from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "backend.people"
    label = "people"
    verbose_name = "업주·작업자 계정 (owners' and crews' accounts)"
