from django.contrib import admin
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from backend.accounts.views import set_language
from backend.analytics.views import my_comparison, open_data_page
from backend.core.views import healthz
from backend.payments.views import pay_invoice


class FaviconRedirect(RedirectView):
    """Resolved per request: the static file's (hashed, in production) URL."""

    permanent = True

    def get_redirect_url(self, *args, **kwargs) -> str:
        return static("pages/favicon.svg")


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # The language switch on every page posts here: Django's set_language view, which
    # also keeps a signed-in person's choice on their account (accounts/views.py).
    path("i18n/setlang/", set_language, name="set_language"),
    # Browsers ask for /favicon.ico whatever the page links: answer with the static icon.
    path("favicon.ico", FaviconRedirect.as_view()),
    path("api/v1/", include("backend.config.api_urls", namespace="v1")),
    # Open311 GeoReport v2 for other apps (backend/open311, docs/api.md).
    path("open311/v2/", include("backend.open311.urls")),
    path("admin/", admin.site.urls),
    path("billing/", include("backend.billing.urls")),
    # Officials' pages for tariffs, billing runs and scales.
    path("console/", include("backend.billing.console_urls")),
    path("console/", include("backend.payments.console_urls")),
    path("console/", include("backend.collection_events.console_urls")),
    path("console/", include("backend.collection_events.review_urls")),
    # Paying is payments' work (payments depends on billing, not the reverse); the
    # address stays under the invoice it pays.
    path("billing/invoices/<uuid:invoice_id>/pay/", pay_invoice, name="pay-invoice"),
    path("payments/", include("backend.payments.urls")),
    path("disputes/", include("backend.disputes.urls")),
    path("reports/", include("backend.analytics.urls")),
    path("my/comparison/", my_comparison, name="my-comparison"),
    # The open data: for anyone, no sign-in (its downloads: /api/v1/open-data/volumes/).
    path("open-data/", open_data_page, name="open-data"),
    path("console/", include("backend.console.urls")),
    path("console/", include("backend.routes.console_urls")),
    path("pickup-requests/", include("backend.pickup_requests.urls")),
    path("", include("backend.handovers.urls")),
    path("registers/", include("backend.registers.urls")),
    # The crew's installable web app (its screens are drawn on the phone).
    path("crew/", include("backend.crew.urls")),
    path("notices/", include("backend.notifications.urls")),
    path("", include("backend.people.urls")),
    path("", include("backend.pages.urls")),
]

# Django's own error answers: the API's error shape under /api/, Korean-first pages elsewhere.
handler400 = "backend.core.views.bad_request"
handler403 = "backend.core.views.permission_denied"
handler404 = "backend.core.views.page_not_found"
handler500 = "backend.core.views.server_error"
