from django.urls import path, re_path

from backend.crew import views

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="crew-manifest"),
    path("sw.js", views.service_worker, name="crew-service-worker"),
    # Every other address under /crew/ is one of the app's screens (routed on the phone).
    re_path(r"^(?:[a-z]+/?)?$", views.shell, name="crew-app"),
]
