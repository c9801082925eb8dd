from django.urls import path

from backend.payments import views

app_name = "payments"
urlpatterns = [
    path("sandbox/<uuid:order_id>/", views.sandbox_checkout, name="sandbox-checkout"),
    path("callback/<str:provider>/", views.provider_callback, name="callback"),
    path("receipts/<uuid:payment_id>/", views.receipt, name="receipt"),
]
