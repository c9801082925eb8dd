"""`/open311/v2/`: Open311 GeoReport v2 endpoints (docs/api.md#open311-georeport-v2)."""

from django.urls import path, re_path

from backend.open311 import views

app_name = "open311"
urlpatterns = [
    path("discovery.json", views.DiscoveryView.as_view(), name="discovery"),
    path("services.json", views.ServiceListView.as_view(), name="services"),
    path("services/<str:service_code>.json", views.ServiceDefinitionView.as_view(), name="service"),
    path("requests.json", views.RequestsView.as_view(), name="requests"),
    path("requests/<str:service_request_id>.json", views.RequestView.as_view(), name="request"),
    # Anything else under /open311/v2/ (an .xml path, a typo) answers in the spec's error shape.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
