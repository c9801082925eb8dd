"""Officials' pages for the crews' scales and their weighings, under /console/."""

from django.urls import path

from backend.collection_events import console

app_name = "scales"
urlpatterns = [
    path("scales/", console.scale_list, name="list"),
    path("scales/<uuid:scale_id>/", console.scale_detail, name="detail"),
    path("weighings/", console.weighings, name="weighings"),
]
