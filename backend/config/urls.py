from django.contrib import admin
from django.urls import include, path

from backend.core.views import healthz
from backend.payments.views import pay_invoice

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("api/v1/", include("backend.config.api_urls", namespace="v1")),
    path("admin/", admin.site.urls),
    path("billing/", include("backend.billing.urls")),
    # Paying is payments' work (payments depends on billing, not the reverse); the
    # address stays under the invoice it pays.
    path("billing/invoices/<uuid:invoice_id>/pay/", pay_invoice, name="pay-invoice"),
    path("payments/", include("backend.payments.urls")),
    path("disputes/", include("backend.disputes.urls")),
    path("reports/", include("backend.analytics.urls")),
    path("pickup-requests/", include("backend.pickup_requests.urls")),
    path("", include("backend.pages.urls")),
]

# Django's own error answers: the API's error shape under /api/, Korean-first pages elsewhere.
handler400 = "backend.core.views.bad_request"
handler403 = "backend.core.views.permission_denied"
handler404 = "backend.core.views.page_not_found"
handler500 = "backend.core.views.server_error"
