from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PickupRequestsConfig(AppConfig):
    name = "backend.pickup_requests"
    label = "pickup_requests"
    verbose_name = _("Pickup requests")
