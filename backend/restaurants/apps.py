from django.apps import AppConfig


class RestaurantsConfig(AppConfig):
    name = "backend.restaurants"
    label = "restaurants"
