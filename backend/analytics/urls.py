from django.urls import path

from backend.analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.reports, name="reports"),
]
