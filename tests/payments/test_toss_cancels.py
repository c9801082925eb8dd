"""Officials cancel a Toss payment, whole or in part (console page and API), and the
ledger reverses exactly that; the daily settlement check finds a planted difference
and is quiet otherwise."""

import pytest
from django.utils import timezone

from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.notifications.models import Notice
from backend.payments import settlements
from backend.payments.models import CancelStatus, Payment, PaymentCancel, PaymentOrder, SettlementDifference
from backend.payments.tasks import reconcile_settlements
from tests.billing.conftest import seoul
from tests.payments.toss_flow import pay

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid(client, owner, tariff, old_bin, scan, bill, toss):
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000 KRW
    bill("2026-09")
    invoice = Invoice.objects.get()
    client.force_login(owner)
    client.post(f"/billing/invoices/{invoice.id}/pay/")
    key = pay(client, PaymentOrder.objects.get(), toss)
    client.logout()
    return Payment.objects.get(provider_transaction_id=key)


def balance(payment) -> int:
    return LedgerEntry.objects.filter(restaurant=payment.restaurant).balance_krw()


def test_an_official_cancels_part_then_the_rest_and_the_ledger_reverses_exactly_that(client, official, paid, toss):
    client.force_login(official)
    page = f"/console/payments/{paid.id}/"
    assert client.get(page).status_code == 200
    response = client.post(f"{page}cancel/", {"amount_krw": 3_000, "reason": "중복 수거 요금"})
    assert response.status_code == 302, response.content
    invoice = paid.invoice
    invoice.refresh_from_db()
    assert (invoice.paid_krw, invoice.amount_due_krw, invoice.status) == (10_000, 3_000, InvoiceStatus.ISSUED)
    assert balance(paid) == 3_000
    assert toss.payments[paid.provider_transaction_id]["status"] == "PARTIAL_CANCELED"

    assert client.post(f"{page}cancel/", {"amount_krw": 10_001, "reason": "더 많이"}).status_code == 409
    client.post(f"{page}cancel/", {"amount_krw": 10_000, "reason": "납부 철회"})
    entries = LedgerEntry.objects.filter(restaurant=paid.restaurant, kind=EntryKind.PAYMENT_CANCEL)
    assert sorted(entries.values_list("amount_krw", flat=True)) == [3_000, 10_000]
    assert balance(paid) == 13_000  # owed again, exactly as before the payment
    assert toss.payments[paid.provider_transaction_id]["balanceAmount"] == 0
    assert 'data-testid="cancellable"' in client.get(page).content.decode()


def test_a_cancel_sent_again_after_no_answer_cancels_once(client, official, paid, toss, settings):
    cancel = PaymentCancel.objects.create(payment=paid, amount_krw=13_000, reason="환불", requested_by=official)
    # The first call reached Toss; its answer did not reach us.
    toss.cancel(paid.provider_transaction_id, {"cancelReason": "환불", "cancelAmount": 13_000}, str(cancel.id))
    client.force_login(official)
    client.post(f"/console/payments/{paid.id}/cancel/", {"amount_krw": 13_000, "reason": "환불"})
    cancel.refresh_from_db()
    assert cancel.status == CancelStatus.DONE
    assert LedgerEntry.objects.filter(kind=EntryKind.PAYMENT_CANCEL).count() == 1
    assert len(toss.payments[paid.provider_transaction_id]["cancels"]) == 1


def test_the_cancel_api_is_for_officials(api, owner, official, paid, toss):
    url = f"/api/v1/payments/{paid.id}/cancel/"
    assert api.as_user(owner).post(url, {"amount_krw": 1000, "reason": "x"}, format="json").status_code == 403
    response = api.as_user(official).post(url, {"amount_krw": 13_000, "reason": "전액 취소"}, format="json")
    assert response.status_code == 201 and response.json()["status"] == "done"
    refused = api.as_user(official).post(url, {"amount_krw": 1, "reason": "또"}, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (409, "cancel_exceeds_payment")


def test_the_settlement_check_is_quiet_when_both_sides_agree_and_finds_a_planted_difference(
    client, official, paid, toss
):
    client.force_login(official)
    client.post(f"/console/payments/{paid.id}/cancel/", {"amount_krw": 2_000, "reason": "부분 취소"})
    today = timezone.localdate()
    check = settlements.reconcile_day(day=today)
    assert (check.provider_lines, check.differences.count()) == (2, 0)
    assert not Notice.objects.filter(kind="settlement_differences").exists()

    toss.planted_settlements.append(
        {"paymentKey": "tpk_elsewhere", "orderId": "unknown", "amount": 5_000, "soldDate": str(today), "cancel": None}
    )
    toss.payments[paid.provider_transaction_id]["totalAmount"] = 12_000  # Toss settles another amount
    for _ in range(2):  # checking the day again finds the same, once
        assert reconcile_settlements.apply(kwargs={"day": str(today)}).get() == 2
    # Each official is told once, however often the day is checked.
    told = Notice.objects.filter(kind="settlement_differences")
    assert list(told.values_list("recipient_id", flat=True)) == [official.id]
    assert "2건 차이" in told.get().subject
    found = {(d.kind, d.provider_transaction_id) for d in SettlementDifference.objects.all()}
    assert found == {("missing_here", "tpk_elsewhere"), ("amount_differs", paid.provider_transaction_id)}
    page = client.get("/console/settlements/").content.decode()
    assert page.count('data-testid="difference"') == 2 and f"/console/payments/{paid.id}/" in page


def test_the_settlement_check_counts_our_lines_as_the_gateway_does(client, official, paid, toss):
    """Two partial cancels of one payment are two lines on each side, not one on ours."""
    client.force_login(official)
    for amount in (2_000, 3_000):
        client.post(f"/console/payments/{paid.id}/cancel/", {"amount_krw": amount, "reason": "부분 취소"})
    check = settlements.reconcile_day(day=timezone.localdate())
    assert (check.provider_lines, check.our_lines, check.differences.count()) == (3, 3, 0)


def test_the_payment_page_names_gateway_and_method_in_korean_and_offers_no_card_cancel_for_a_transfer(
    client, official, paid, toss
):
    client.force_login(official)
    page = client.get(f"/console/payments/{paid.id}/").content.decode()
    assert "토스페이먼츠 · 카드" in page and "toss · card" not in page
    Payment.objects.filter(id=paid.id).update(method="virtual_account")
    page = client.get(f"/console/payments/{paid.id}/").content.decode()
    assert "토스페이먼츠 · 가상계좌" in page and "virtual_account" not in page
    assert "/cancel/" not in page and 'data-testid="transfer-refund"' in page
