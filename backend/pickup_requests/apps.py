from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class PickupRequestsConfig(AppConfig):
    name = "backend.pickup_requests"
    label = "pickup_requests"
    verbose_name = pgettext_lazy("section of the admin site", "Pickup requests")
