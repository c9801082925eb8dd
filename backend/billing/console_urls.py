"""Officials' pages for tariffs, billing runs and arrears, under /console/."""

from django.urls import path

from backend.billing import arrears_console, console

app_name = "billing-console"
urlpatterns = [
    path("tariffs/", console.tariff_list, name="tariffs"),
    path("tariffs/<uuid:tariff_id>/", console.tariff_detail, name="tariff"),
    path("tariffs/<uuid:tariff_id>/close/", console.close_tariff, name="close-tariff"),
    path("billing/", console.run_list, name="runs"),
    path("billing/runs/<uuid:run_id>/", console.run_detail, name="run"),
    path("arrears/", arrears_console.arrears_list, name="arrears"),
    path("arrears/remind/", arrears_console.remind, name="arrears-remind"),
    path("arrears/csv/", arrears_console.arrears_csv, name="arrears-csv"),
]
