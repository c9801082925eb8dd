from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for `make run` (the `seed_demo` command). It sits above every other
    app: it may use them all, and nothing imports it."""

    name = "backend.demo"
    label = "demo"
