from django.apps import AppConfig


class ScanPhotosConfig(AppConfig):
    name = "backend.scan_photos"
    label = "scan_photos"
