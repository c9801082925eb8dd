from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class Open311Config(AppConfig):
    name = "backend.open311"
    label = "open311"
    verbose_name = pgettext_lazy("section of the admin site", "Open311 API keys")
