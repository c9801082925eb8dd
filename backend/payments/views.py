"""Paying an invoice from its page, the sandbox provider's checkout page, the providers'
callback endpoint, receipts."""

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend.billing.models import Invoice
from backend.core.errors import DomainError
from backend.payments import services
from backend.payments.models import OrderStatus, Payment, PaymentOrder
from backend.payments.providers import SIGNATURE_HEADER, SandboxProvider, get_provider


@login_required
@require_POST
def pay_invoice(request, invoice_id):
    invoice = get_object_or_404(Invoice.objects.visible_to(request.user), id=invoice_id)
    try:
        order = services.create_payment_order(invoice=invoice, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("billing:invoice-page", invoice_id=invoice.id)
    return redirect(get_provider(order.provider).checkout_url(order))


@login_required
def sandbox_checkout(request, order_id):
    """Stands in for a gateway's payment window: pay (any amount, to try partial and
    excess payments) or fail. Either way the 'provider' then sends a signed callback."""
    order = get_object_or_404(PaymentOrder.objects.visible_to(request.user).select_related("invoice"), id=order_id)
    if request.method == "POST" and order.status == OrderStatus.PENDING:
        provider = SandboxProvider()
        succeeded = request.POST.get("outcome") == "pay"
        try:
            amount = int(request.POST.get("amount") or order.amount_krw)
        except ValueError:
            amount = -1
        if succeeded and amount <= 0:
            messages.error(request, "금액을 확인해 주세요. Check the amount.")
            return redirect("payments:sandbox-checkout", order_id=order.id)
        body = provider.callback_body(
            order_id=order.id,
            transaction_id=f"sbx_{secrets.token_hex(10)}",
            succeeded=succeeded,
            amount_krw=amount if succeeded else 0,
            paid_at=timezone.now(),
            failure_reason="" if succeeded else "카드 승인 거절 (sandbox)",
        )
        # Delivered in-process through the same verification a real callback gets.
        payment = services.handle_callback(
            provider_name=provider.name, body=body, headers={SIGNATURE_HEADER: provider.sign(body)}
        )
        if payment is None:
            messages.error(request, "결제에 실패했습니다. 다시 시도해 주세요. The payment failed.")
            return redirect("billing:invoice-page", invoice_id=order.invoice_id)
        messages.success(request, "납부되었습니다. Payment received.")
        return redirect("payments:receipt", payment_id=payment.id)
    return render(request, "payments/sandbox_checkout.html", {"order": order, "invoice": order.invoice})


@csrf_exempt
@require_POST
def provider_callback(request, provider: str):
    """Server-to-server: the provider tells us about a payment. Signed, replay-safe."""
    try:
        payment = services.handle_callback(provider_name=provider, body=request.body, headers=request.headers)
    except DomainError as error:
        return JsonResponse({"error": error.as_dict()}, status=error.status_code)
    return JsonResponse({"status": "ok", "payment": str(payment.id) if payment else None})


@login_required
def receipt(request, payment_id):
    payment = get_object_or_404(Payment.objects.visible_to(request.user).select_related("invoice"), id=payment_id)
    return render(request, "payments/receipt.html", {"payment": payment, "invoice": payment.invoice})
