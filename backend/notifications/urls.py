from django.urls import path

from backend.notifications import views

app_name = "notices"
urlpatterns = [
    path("", views.notice_list, name="list"),
    path("<uuid:notice_id>/", views.notice_detail, name="detail"),
]
