"""Owners' pages for invoices: list, detail with the scans behind each line, pay."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from backend.billing import windows
from backend.billing.models import Invoice, InvoiceLine
from backend.core.errors import DomainError
from backend.payments.providers import get_provider
from backend.payments.services import create_payment_order


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
    return render(request, "billing/invoice_detail.html", {"invoice": windows.with_scans(invoice)})


@login_required
@require_POST
def pay_invoice(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.visible_to(request.user), id=invoice_id)
    try:
        order = create_payment_order(invoice=invoice, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing:invoice-page", invoice_id=invoice.id)
    return redirect(get_provider(order.provider).checkout_url(order))
