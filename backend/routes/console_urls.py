"""Officials' pages for the haulers' rounds, under /console/."""

from django.urls import path

from backend.routes import console

app_name = "routes"
urlpatterns = [
    path("routes/", console.hauler_list, name="haulers"),
    path("routes/<uuid:hauler_id>/", console.round_order, name="round"),
]
