"""Officials' pages for tariffs and billing runs, under /console/."""

from django.urls import path

from backend.billing import console

app_name = "billing-console"
urlpatterns = [
    path("tariffs/", console.tariff_list, name="tariffs"),
    path("tariffs/<uuid:tariff_id>/", console.tariff_detail, name="tariff"),
    path("tariffs/<uuid:tariff_id>/close/", console.close_tariff, name="close-tariff"),
    path("billing/", console.run_list, name="runs"),
    path("billing/runs/<uuid:run_id>/", console.run_detail, name="run"),
]
