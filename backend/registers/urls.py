from django.urls import path

from backend.registers import views

app_name = "registers"
urlpatterns = [
    path("", views.upload, name="upload"),
    path("<uuid:import_id>/", views.detail, name="detail"),
    path("<uuid:import_id>/progress/", views.progress, name="progress"),
    path("<uuid:import_id>/confirm/", views.confirm, name="confirm"),
    path("<uuid:import_id>/places/", views.map_place, name="places"),
]
