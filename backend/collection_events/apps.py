from django.apps import AppConfig


class CollectionEventsConfig(AppConfig):
    name = "backend.collection_events"
    label = "collection_events"
