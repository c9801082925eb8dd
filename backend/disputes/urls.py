from django.urls import path

from backend.disputes import views

app_name = "disputes"
urlpatterns = [
    path("", views.my_disputes, name="mine"),
    path("new/<uuid:event_id>/", views.new_dispute, name="new"),
    path("review/", views.review, name="review"),
    path("review/<uuid:dispute_id>/", views.decide, name="decide"),
    path("review/held/<uuid:event_id>/", views.decide_held, name="decide-held"),
]
