from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.generic import RedirectView

from backend.accounts.views import LoginView
from backend.pages import owner_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("t/<str:code>", views.tag_page, name="tag-page"),
    path("stops/", views.stops, name="stops"),
    # The owner's pages.
    path("my/bins/", owner_views.my_bins, name="owner-bins"),
    path("my/bins/<uuid:bin_id>/qr.png", owner_views.bin_qr_png, name="owner-bin-qr"),
    path("my/bins/<uuid:bin_id>/label.pdf", owner_views.bin_label_pdf, name="owner-bin-label"),
    path("my/bins/<uuid:bin_id>/report/", owner_views.report_tag, name="owner-tag-report"),
    path("my/pickups/", owner_views.pickups, name="owner-pickups"),
    path("my/pickups/<uuid:event_id>/", owner_views.receipt, name="owner-receipt"),
    # "This is wrong" is the disputes app's form; a link to the receipt's old form still lands there.
    path("my/pickups/<uuid:event_id>/wrong/", RedirectView.as_view(pattern_name="disputes:new", permanent=True)),
]
