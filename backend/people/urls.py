from django.urls import path

from backend.people import views

app_name = "people"
urlpatterns = [
    path("console/people/", views.people_list, name="list"),
    path("console/people/invite/owner/", views.invite_owner, name="invite-owner"),
    path("console/people/invite/crew/", views.invite_crew, name="invite-crew"),
    path("console/people/<int:user_id>/deactivate/", views.deactivate, name="deactivate"),
    path("console/people/undeliverable/", views.undeliverable, name="undeliverable"),
    path("console/people/undeliverable/<uuid:delivery_id>/resend/", views.resend, name="resend"),
    path("welcome/<str:token>/", views.welcome, name="welcome"),
    path("password-reset/", views.reset_request, name="reset-request"),
    path("password-reset/<str:token>/", views.reset, name="reset"),
]
