from django.urls import path

from backend.payments import views

app_name = "payments"
urlpatterns = [
    path("sandbox/<uuid:order_id>/", views.sandbox_checkout, name="sandbox-checkout"),
    path("checkout/<uuid:order_id>/", views.checkout, name="checkout"),
    path("return/<str:provider>/", views.payment_return, name="return"),
    path("fail/<str:provider>/", views.payment_fail, name="fail"),
    path("callback/<str:provider>/", views.provider_callback, name="callback"),
    path("receipts/<uuid:payment_id>/", views.receipt, name="receipt"),
    path("wallet/<uuid:restaurant_id>/", views.wallet, name="wallet"),
    path("wallet/<uuid:restaurant_id>/top-up/", views.wallet_top_up, name="wallet-top-up"),
    path("wallet/<uuid:restaurant_id>/refund/", views.wallet_refund, name="wallet-refund"),
]
