"""`/api/v1/`: every route of the API is registered here, so the permission tests
can walk this router and no endpoint escapes them."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from backend.accounts.api import LogoutView, MeView, TokenView
from backend.analytics.api import OpenDataVolumesView, ScanQualityReportView, VolumeReportView
from backend.analytics.reports_api import MoneyReportView, ServiceReportView, TrendsReportView
from backend.billing.api import BillingRunViewSet, InvoiceViewSet, TariffViewSet
from backend.billing.arrears_api import ArrearsRemindView, ArrearsView
from backend.billing.pickups_api import PricedCollectionEventViewSet
from backend.collection_events.api import ScaleViewSet
from backend.disputes.api import DisputeViewSet
from backend.handovers.api import HandoverViewSet
from backend.municipalities.api import DistrictViewSet
from backend.notifications.api import NoticeViewSet
from backend.open311.api import ApiKeyViewSet
from backend.payments.api import (
    LedgerEntryViewSet,
    PaymentOrderViewSet,
    PaymentViewSet,
    RestaurantLedgerViewSet,
    SettlementCheckViewSet,
)
from backend.people.api import (
    AcceptLinkView,
    AcceptResetView,
    InvitationViewSet,
    PasswordResetView,
    UserViewSet,
)
from backend.pickup_requests.api import PickupRequestViewSet
from backend.registers.api import RegisterImportViewSet
from backend.restaurants.api import RestaurantViewSet
from backend.routes.api import CrewDirectoryView, CrewStopsView, HaulerRouteView
from backend.scan_photos.api import ScanPhotoView
from backend.tags.api import BinTagsViewSet, BinViewSet, TagViewSet

router = DefaultRouter()
router.trailing_slash = "/?"  # optional, so that `/tags/{code}/qr.png` reads as a file
router.include_format_suffixes = False
router.register("districts", DistrictViewSet, basename="district")
router.register("restaurants", RestaurantViewSet, basename="restaurant")
router.register(
    r"restaurants/(?P<restaurant_pk>[0-9a-f-]{36})/ledger", RestaurantLedgerViewSet, basename="restaurant-ledger"
)
router.register("bins", BinViewSet, basename="bin")
router.register(r"bins/(?P<bin_pk>[0-9a-f-]{36})/tags", BinTagsViewSet, basename="bin-tags")
router.register("tags", TagViewSet, basename="tag")
router.register("collections", PricedCollectionEventViewSet, basename="collection")
router.register("scales", ScaleViewSet, basename="scale")
router.register("tariffs", TariffViewSet, basename="tariff")
router.register("billing/runs", BillingRunViewSet, basename="billing-run")
router.register("invoices", InvoiceViewSet, basename="invoice")
router.register("payment-orders", PaymentOrderViewSet, basename="payment-order")
router.register("payments", PaymentViewSet, basename="payment")
router.register("settlement-checks", SettlementCheckViewSet, basename="settlement-check")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("disputes", DisputeViewSet, basename="dispute")
router.register("handovers", HandoverViewSet, basename="handover")
router.register("pickup-requests", PickupRequestViewSet, basename="pickup-request")
router.register("register-imports", RegisterImportViewSet, basename="register-import")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("users", UserViewSet, basename="user")
router.register("notices", NoticeViewSet, basename="notice")
router.register("api-keys", ApiKeyViewSet, basename="api-key")

app_name = "v1"
urlpatterns = [
    path("auth/token/", TokenView.as_view(), name="token"),
    path("auth/logout/", LogoutView.as_view(), name="logout"),
    path("me/", MeView.as_view(), name="me"),
    path("invitations/<str:token>/accept/", AcceptLinkView.as_view(), name="invitation-accept"),
    path("password-resets/", PasswordResetView.as_view(), name="password-reset"),
    path("password-resets/<str:token>/accept/", AcceptResetView.as_view(), name="password-reset-accept"),
    path("reports/volume/", VolumeReportView.as_view(), name="report-volume"),
    path("reports/scan-quality/", ScanQualityReportView.as_view(), name="report-scan-quality"),
    path("reports/trends/", TrendsReportView.as_view(), name="report-trends"),
    path("reports/service/", ServiceReportView.as_view(), name="report-service"),
    path("reports/money/", MoneyReportView.as_view(), name="report-money"),
    path("open-data/volumes/", OpenDataVolumesView.as_view(), name="open-data-volumes"),
    path("collections/<uuid:event_id>/photo/", ScanPhotoView.as_view(), name="collection-photo"),
    path("arrears/", ArrearsView.as_view(), name="arrears"),
    path("arrears/remind/", ArrearsRemindView.as_view(), name="arrears-remind"),
    path("crew/stops/", CrewStopsView.as_view(), name="crew-stops"),
    path("crew/directory/", CrewDirectoryView.as_view(), name="crew-directory"),
    path("haulers/<uuid:hauler_id>/route/", HaulerRouteView.as_view(), name="hauler-route"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="v1:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="v1:schema"), name="redoc"),
    *router.urls,
]
