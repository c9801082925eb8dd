from django.urls import path

from backend.analytics import report_pages, views

app_name = "analytics"
urlpatterns = [
    path("", views.reports, name="reports"),
    path("trends/", report_pages.trends_page, name="trends"),
    path("service/", report_pages.service_page, name="service"),
    path("money/", report_pages.money_page, name="money"),
]
