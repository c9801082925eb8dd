from django.urls import path

from backend.handovers import views

app_name = "handovers"
urlpatterns = [
    path("handover/", views.report, name="report"),
    path("handover/<uuid:handover_id>/cancel/", views.cancel, name="cancel"),
    path("console/handovers/", views.review, name="review"),
    path("console/handovers/<uuid:handover_id>/", views.decide, name="decide"),
]
