"""Paying an invoice from its page, the sandbox provider's checkout page, a gateway's
checkout (method, return, failure), the providers' callback endpoint, receipts."""

import secrets
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from backend.accounts.access import is_owner
from backend.billing import ledger
from backend.billing.models import BillingAccount, Invoice, LedgerEntry
from backend.core.errors import DomainError
from backend.core.middleware import CONTENT_SECURITY_POLICY
from backend.payments import services
from backend.payments.access import account_holder_id, can_top_up
from backend.payments.forms import RefundForm, TopUpForm
from backend.payments.models import OrderStatus, Payment, PaymentOrder, RefundRequest
from backend.payments.providers import SIGNATURE_HEADER, SandboxProvider, get_provider
from backend.restaurants.models import Restaurant

WALLET_PAGE_SIZE = 20


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
    order = get_object_or_404(
        PaymentOrder.objects.visible_to(request.user).select_related("invoice", "restaurant"), id=order_id
    )
    if request.method == "POST" and order.status == OrderStatus.PENDING and not _stale(order):
        provider = SandboxProvider()
        succeeded = request.POST.get("outcome") == "pay"
        try:
            amount = int(request.POST.get("amount") or order.amount_krw)
        except ValueError:
            amount = -1
        if succeeded and amount <= 0:
            messages.error(request, _("Check the amount."))
            return redirect("payments:sandbox-checkout", order_id=order.id)
        body = provider.callback_body(
            order_id=order.id,
            transaction_id=f"sbx_{secrets.token_hex(10)}",
            succeeded=succeeded,
            amount_krw=amount if succeeded else 0,
            paid_at=timezone.now(),
            failure_reason="" if succeeded else "카드 승인 거절 (sandbox)",
        )
        # Delivered in-process through the same verification a real callback gets; what
        # it refuses (an amount no payment can have, say) is said on the checkout page.
        try:
            payment = services.handle_callback(
                provider_name=provider.name, body=body, headers={SIGNATURE_HEADER: provider.sign(body)}
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("payments:sandbox-checkout", order_id=order.id)
        if payment is None:
            messages.error(request, _("The payment failed. Please try again."))
            if order.invoice_id is None:
                return redirect("payments:wallet", restaurant_id=order.restaurant_id)
            return redirect("billing:invoice-page", invoice_id=order.invoice_id)
        messages.success(request, _("Payment received."))
        return redirect("payments:receipt", payment_id=payment.id)
    context = {"order": order, "invoice": order.invoice, "stale": _stale(order)}
    return render(request, "payments/sandbox_checkout.html", context)


CHECKOUT_METHODS = ("card", "virtual_account")


def _order_page(request, order, *, error: DomainError | None = None, status: int = 200, csp_origin: str = ""):
    context = {
        "order": order,
        "invoice": order.invoice,
        "error": error,
        "payment": order.payments.first() if order.status == OrderStatus.PAID else None,
        "waiting_transfer": _waiting_transfer(order),
    }
    response = render(request, "payments/checkout.html", context, status=status)
    if csp_origin:
        # The method form's answer is a redirect to the gateway's window: allowed as a
        # form's destination on this page only.
        response["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", f"form-action 'self' {csp_origin}"
        )
    return response


def _waiting_transfer(order: PaymentOrder) -> PaymentOrder | None:
    """Another of this invoice's orders whose virtual account still waits for the owner's
    transfer: said before they pay again, since that transfer would then pay it twice."""
    if order.status != OrderStatus.PENDING or order.invoice_id is None:
        return None
    return (
        PaymentOrder.objects.filter(invoice_id=order.invoice_id, status=OrderStatus.AWAITING_DEPOSIT)
        .exclude(id=order.id)
        .exclude(deposit_due_at__lt=timezone.now())
        .order_by("-created_at")
        .first()
    )


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme in ("http", "https") and parts.netloc else ""


@login_required
def checkout(request, order_id):
    """A gateway's checkout on the owner's phone: choose card or bank transfer (a
    virtual account), then go to the gateway's window, made server-side (no script of
    the gateway's on our pages). After paying, the order's page shows where it stands:
    paid (the receipt), a virtual account to transfer to, or what went wrong."""
    order = get_object_or_404(
        PaymentOrder.objects.visible_to(request.user).select_related("invoice", "restaurant"), id=order_id
    )
    provider = get_provider(order.provider)
    if request.method == "POST":
        method = request.POST.get("method")
        if method not in CHECKOUT_METHODS:
            return _order_page(request, order, error=DomainError("invalid_method", _("Choose how to pay.")), status=400)
        return_url = request.build_absolute_uri(reverse("payments:return", args=[order.provider]))
        fail_url = request.build_absolute_uri(reverse("payments:fail", args=[order.provider]))
        try:
            url = services.start_checkout(order=order, method=method, success_url=return_url, fail_url=fail_url)
        except DomainError as error:
            return _order_page(request, order, error=error, status=error.status_code)
        return redirect(url)
    gateway = getattr(provider, "api_base", "")
    return _order_page(request, order, csp_origin=_origin(gateway))


def _returning_order(request) -> PaymentOrder:
    order_id = services.uuid_or_none(request.GET.get("orderId", ""))
    return get_object_or_404(
        PaymentOrder.objects.visible_to(request.user).select_related("invoice", "restaurant"), id=order_id
    )


@login_required
def payment_return(request, provider: str):
    """The gateway sends the owner back here (`successUrl?paymentKey=&orderId=&amount=`):
    confirm with the gateway, server-side, for the order's own amount. Any number of
    times, in any order with the webhook: one payment."""
    order = _returning_order(request)
    if order.provider != provider:
        raise Http404
    try:
        amount = int(request.GET.get("amount", ""))
    except ValueError:
        amount = -1
    try:
        payment = services.confirm_payment(
            order=order, payment_key=request.GET.get("paymentKey", ""), amount_krw=amount
        )
    except DomainError as error:
        order.refresh_from_db()
        return _order_page(request, order, error=error, status=error.status_code)
    if payment is None:  # a virtual account: the page shows where to transfer
        return redirect("payments:checkout", order_id=order.id)
    messages.success(request, _("Payment received."))
    return redirect("payments:receipt", payment_id=payment.id)


@login_required
def payment_fail(request, provider: str):
    """The gateway sends the owner here when the window was closed or the payment
    refused (`failUrl?code=&message=&orderId=`): the order is closed; a new one starts
    from the invoice."""
    order = _returning_order(request)
    if order.provider != provider:
        raise Http404
    code = request.GET.get("code", "")[:64]
    services.fail_order(order=order, reason=code or "failed")
    order.refresh_from_db()
    if code == "PAY_PROCESS_CANCELED":
        error = DomainError("payment_cancelled_by_owner", _("You closed the payment window; nothing was charged."))
    else:
        error = DomainError("payment_failed", _("The payment did not go through; nothing was charged."))
    return _order_page(request, order, error=error, status=200)


def _stale(order: PaymentOrder) -> bool:
    """An invoice's order made before credit paid (part of) it asks for more than is due now."""
    return order.invoice is not None and order.invoice.amount_due_krw != order.amount_krw


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
    payment = get_object_or_404(
        Payment.objects.visible_to(request.user).select_related("invoice", "restaurant"), id=payment_id
    )
    invoice = payment.invoice
    # More than the invoice asked for: the rest is credit on the account (docs/billing.md).
    over = 0 if invoice is None else max(0, invoice.paid_krw + invoice.prepaid_applied_krw - invoice.total_krw)
    # The account the payment went to (its owner's at the restaurant: docs/decisions/0005).
    holder = LedgerEntry.objects.filter(payment_id=payment.id).values_list("owner_id", flat=True).first()
    context = {
        "payment": payment,
        "invoice": invoice,
        "over_krw": min(payment.amount_krw, over),
        "credit_krw": max(0, -ledger.balance_krw(payment.restaurant_id, holder)),
    }
    return render(request, "payments/receipt.html", context)


def _wallet_restaurant(request, restaurant_id) -> Restaurant:
    """The restaurant's account the user may open: also one an owner sold (their own
    account there, read-only but for asking their credit back)."""
    return get_object_or_404(Restaurant.objects.wallets_visible_to(request.user), id=restaurant_id)


def _render_wallet(request, restaurant, *, top_up_form=None, refund_form=None, status=200):
    holder = account_holder_id(request.user, restaurant)
    entries = Paginator(
        LedgerEntry.objects.of_account(restaurant_id=restaurant.id, owner_id=holder).order_by("-created_at", "-id"),
        WALLET_PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    balance = ledger.balance_krw(restaurant.id, holder)
    account = BillingAccount.objects.filter(restaurant=restaurant).first()
    context = {
        "restaurant": restaurant,
        "balance_krw": balance,
        "owed_krw": max(0, balance),
        "credit_krw": max(0, -balance),
        "prepaid": account is not None and account.is_prepaid,
        "entries": entries,
        "refunds": RefundRequest.objects.filter(restaurant=restaurant, requested_by_id=holder)[:5],
        "can_top_up": can_top_up(request.user, restaurant),
        "can_refund": is_owner(request.user),
        "former_owner": is_owner(request.user) and restaurant.owner_id != request.user.pk,
        "top_up_form": top_up_form or TopUpForm(prefix="top_up"),
        "refund_form": refund_form or RefundForm(prefix="refund"),
    }
    return render(request, "payments/wallet.html", context, status=status)


@login_required
def wallet(request, restaurant_id):
    """The owner's account: what they owe or have in credit, every movement newest
    first, a top-up through the payment provider, and a refund request."""
    return _render_wallet(request, _wallet_restaurant(request, restaurant_id))


@login_required
@require_POST
def wallet_top_up(request, restaurant_id):
    restaurant = get_object_or_404(Restaurant.objects.accounts_visible_to(request.user), id=restaurant_id)
    if not is_owner(request.user):
        messages.error(request, _("Only the owner can top up."))
        return redirect("payments:wallet", restaurant_id=restaurant.id)
    form = TopUpForm(request.POST, prefix="top_up")
    if not form.is_valid():
        return _render_wallet(request, restaurant, top_up_form=form, status=400)
    try:
        order = services.create_top_up_order(
            restaurant=restaurant, amount_krw=form.cleaned_data["amount_krw"], by=request.user
        )
    except DomainError as error:
        form.add_error("amount_krw", error.message)
        return _render_wallet(request, restaurant, top_up_form=form, status=error.status_code)
    return redirect(get_provider(order.provider).checkout_url(order))


@login_required
@require_POST
def wallet_refund(request, restaurant_id):
    restaurant = _wallet_restaurant(request, restaurant_id)
    if not is_owner(request.user):
        messages.error(request, _("Only the owner can ask for a refund."))
        return redirect("payments:wallet", restaurant_id=restaurant.id)
    form = RefundForm(request.POST, prefix="refund")
    if not form.is_valid():
        return _render_wallet(request, restaurant, refund_form=form, status=400)
    try:
        services.request_refund(
            restaurant=restaurant,
            amount_krw=form.cleaned_data["amount_krw"],
            bank_account=form.cleaned_data["bank_account"],
            by=request.user,
        )
    except DomainError as error:
        form.add_error("amount_krw", error.message)
        return _render_wallet(request, restaurant, refund_form=form, status=error.status_code)
    messages.success(request, _("Your refund request is received; an official will review it."))
    return redirect("payments:wallet", restaurant_id=restaurant.id)
