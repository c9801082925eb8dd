from django.contrib.auth import views as auth_views
from django.urls import path

from backend.accounts.views import LoginView
from backend.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("t/<str:code>", views.tag_page, name="tag-page"),
    path("stops/", views.stops, name="stops"),
]
