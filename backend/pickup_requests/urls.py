from django.urls import path

from backend.pickup_requests import views

app_name = "pickup_requests"
urlpatterns = [
    path("", views.my_requests, name="mine"),
    path("<uuid:request_id>/cancel/", views.cancel, name="cancel"),
    path("<uuid:request_id>/done/", views.done, name="done"),
    path("review/", views.review, name="review"),
    path("review/<uuid:request_id>/", views.decide, name="decide"),
]
