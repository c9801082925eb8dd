"""Owners' pages for invoices: list, and detail with the scans behind each line (its pay
button posts to payments' `pay_invoice`)."""

from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, render

from backend.billing import ledger, notices, windows
from backend.billing.access import can_see_invoice_notices
from backend.billing.models import Invoice, InvoiceLine
from backend.restaurants.models import Restaurant


@login_required
def invoice_list(request):
    invoices = Invoice.objects.visible_to(request.user).select_related("restaurant")[:200]
    return render(request, "billing/invoice_list.html", {"invoices": invoices})


@login_required
def invoice_page(request, invoice_id):
    """What the QR code on the PDF opens: the bill, the scans behind it, and 'pay'."""
    lines = InvoiceLine.objects.order_by("position")
    invoice = get_object_or_404(
        Invoice.objects.visible_to(request.user).prefetch_related(Prefetch("lines", queryset=lines)), id=invoice_id
    )
    told = notices.told_about(invoice) if can_see_invoice_notices(request.user) else None
    context = {"invoice": windows.with_scans(invoice), "notices": told, "account": _account(request.user, invoice)}
    return render(request, "billing/invoice_detail.html", context)


def _account(user, invoice: Invoice) -> dict | None:
    """The restaurant's account beside its invoice (owed, or credit, and its wallet),
    for those who may see it: not a former owner, whose restaurant it no longer is."""
    if not Restaurant.objects.accounts_visible_to(user).filter(id=invoice.restaurant_id).exists():
        return None
    balance = ledger.balance_krw(invoice.restaurant_id, invoice.owner_id)  # the account it is billed to
    return {"restaurant_id": invoice.restaurant_id, "owed_krw": max(0, balance), "credit_krw": max(0, -balance)}
