"""`/open311/v2/`: Open311 GeoReport v2 endpoints (docs/api.md#open311-georeport-v2)."""

from django.urls import path, re_path, register_converter

from backend.open311 import views


class FormatConverter:
    """The answer's format, as the path's extension names it."""

    regex = "json|xml"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(FormatConverter, "open311_format")

app_name = "open311"
urlpatterns = [
    path("discovery.<open311_format:fmt>", views.DiscoveryView.as_view(), name="discovery"),
    path("services.<open311_format:fmt>", views.ServiceListView.as_view(), name="services"),
    path("services/<str:service_code>.<open311_format:fmt>", views.ServiceDefinitionView.as_view(), name="service"),
    path("requests.<open311_format:fmt>", views.RequestsView.as_view(), name="requests"),
    path("requests/<str:service_request_id>.<open311_format:fmt>", views.RequestView.as_view(), name="request"),
    # Anything else under /open311/v2/ (another format, a typo) answers in the spec's error shape.
    re_path(r"^.*$", views.NotFoundView.as_view(), name="not-found"),
]
