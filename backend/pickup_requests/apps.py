from django.apps import AppConfig


class PickupRequestsConfig(AppConfig):
    name = "backend.pickup_requests"
    label = "pickup_requests"
    verbose_name = "수거 요청 (pickup requests)"
