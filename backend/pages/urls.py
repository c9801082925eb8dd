from django.contrib.auth import views as auth_views
from django.urls import path

from backend.pages import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("t/<str:code>", views.tag_page, name="tag-page"),
    path("stops/", views.stops, name="stops"),
]
