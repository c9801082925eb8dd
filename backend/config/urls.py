from django.contrib import admin
from django.urls import include, path

from backend.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("backend.config.api_urls", namespace="v1")),
    path("admin/", admin.site.urls),
    path("", include("backend.pages.urls")),
]
