from django.urls import path

from backend.handovers import views

app_name = "handovers"
urlpatterns = [
    path("handover/", views.report, name="report"),
    path("console/handovers/", views.review, name="review"),
    path("console/handovers/<uuid:handover_id>/", views.decide, name="decide"),
]
