from django.apps import AppConfig


class TagsConfig(AppConfig):
    name = "backend.tags"
    label = "tags"
