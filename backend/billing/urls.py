from django.urls import path

from backend.billing import views

app_name = "billing"
urlpatterns = [
    path("invoices/", views.invoice_list, name="invoice-list"),
    path("invoices/<uuid:invoice_id>/", views.invoice_page, name="invoice-page"),
]
