"""The officials' review queue of held scans, and the rules that hold them, under /console/."""

from django.urls import path

from backend.collection_events import console

app_name = "review"
urlpatterns = [
    path("review/", console.held_scans, name="held"),
    path("review/rules/", console.hold_rules, name="rules"),
]
