from django.urls import path

from backend.notifications import settings_page, views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("settings/", settings_page.notice_settings, name="settings"),
    path("<uuid:notice_id>/", views.notice_detail, name="detail"),
]
