from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    """Old months of scans taken out of the live table, once nothing can change them."""

    name = "backend.archive"
    label = "archive"
