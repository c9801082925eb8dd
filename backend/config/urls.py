from django.contrib import admin
from django.urls import include, path

from backend.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("backend.config.api_urls", namespace="v1")),
    path("admin/", admin.site.urls),
    path("billing/", include("backend.billing.urls")),
    path("payments/", include("backend.payments.urls")),
    path("disputes/", include("backend.disputes.urls")),
    path("reports/", include("backend.analytics.urls")),
    path("pickup-requests/", include("backend.pickup_requests.urls")),
    path("", include("backend.pages.urls")),
]
