from django.urls import path, re_path

from backend.crew import views

urlpatterns = [
    path("manifest.webmanifest", views.manifest, name="crew-manifest"),
    path("sw.js", views.service_worker, name="crew-service-worker"),
    # Every other address under /crew/ is one of the app's screens (routed on the phone).
    # The screen is a named group so that the URL reverses whole: the language switch
    # (set_language's translate_url) brings the crew back to the screen they were on.
    re_path(r"^(?P<screen>[a-z]+/?)?$", views.shell, name="crew-app"),
]
