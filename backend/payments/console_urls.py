"""Officials' pages for restaurants' accounts, refunds, online payments and their\nsettlements, under /console/."""

from django.urls import path

from backend.payments import console

app_name = "payments-console"
urlpatterns = [
    path("accounts/<uuid:restaurant_id>/", console.account, name="account"),
    path("accounts/<uuid:restaurant_id>/counter-payments/", console.counter_payment, name="counter-payment"),
    path("accounts/<uuid:restaurant_id>/billing-mode/", console.billing_mode, name="billing-mode"),
    path(
        "accounts/<uuid:restaurant_id>/municipal-low-balance/",
        console.municipal_low_balance,
        name="municipal-low-balance",
    ),
    path("refunds/", console.refund_list, name="refunds"),
    path("payments/<uuid:payment_id>/", console.payment, name="payment"),
    path("payments/<uuid:payment_id>/cancel/", console.cancel_payment, name="cancel-payment"),
    path("settlements/", console.settlements, name="settlements"),
    path("refunds/<uuid:refund_id>/decide/", console.decide_refund, name="decide-refund"),
]
