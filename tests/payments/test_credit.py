"""Credit on the account pays the owner's open invoices at once (billing/credit.py):
the amount asked for on every page and by the payment order is what the credit does
not cover, never money the account already holds."""

import pytest
from django.urls import reverse

from backend.billing import credit, ledger
from backend.billing.models import Invoice, InvoiceStatus
from backend.payments import services
from backend.payments.models import PaymentOrder
from tests.billing.conftest import seoul
from tests.payments.test_wallet import paid, top_up

pytestmark = pytest.mark.django_db


@pytest.fixture
def invoice(tariff, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 9, 3, 5), 275_200)  # 275.2 kg × 130 = 35,776 → 35,770
    bill("2026-09")
    invoice = Invoice.objects.get()
    assert invoice.amount_due_krw == 35_770
    return invoice


def pages(client, owner, invoice) -> dict[str, str]:
    client.force_login(owner)
    return {
        name: client.get(url).content.decode()
        for name, url in {
            "home": reverse("home"),
            "list": reverse("billing:invoice-list"),
            "invoice": reverse("billing:invoice-page", args=[invoice.id]),
        }.items()
    }


def unpaid(home: str) -> str:
    return home[home.index('data-testid="unpaid"') : home.index('id="notices-heading"')]


def test_a_top_up_larger_than_the_open_invoice_pays_it_and_nothing_is_asked_twice(client, owner, invoice):
    top_up(invoice.restaurant, owner, 50_000)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.prepaid_applied_krw, invoice.amount_due_krw) == (InvoiceStatus.PAID, 35_770, 0)
    assert (
        ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == -14_230
    )  # the wallet's credit: what is left over
    shown = pages(client, owner, invoice)
    assert "35,770원" not in unpaid(shown["home"]) and "납부할 청구서가 없습니다" in unpaid(shown["home"])
    assert "남은 잔액 14,230원" in shown["home"]
    assert 'data-testid="amount-due">0원' in shown["invoice"] and "납부하기" not in shown["invoice"]
    with pytest.raises(Exception) as refused:
        services.create_payment_order(invoice=invoice, by=owner)
    assert refused.value.code == "invoice_not_payable"
    # Used once: the next top-up is credit only.
    top_up(invoice.restaurant, owner, 1_000)
    invoice.refresh_from_db()
    assert (
        invoice.prepaid_applied_krw == 35_770 and ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == -15_230
    )


def test_a_smaller_top_up_leaves_the_rest_due_the_same_on_every_page_and_the_payment_order(client, owner, invoice):
    top_up(invoice.restaurant, owner, 10_000)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due_krw) == (InvoiceStatus.ISSUED, 25_770)
    assert ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == 25_770
    shown = pages(client, owner, invoice)
    assert "낼 금액 25,770원" in shown["home"]
    assert "25,770원" in unpaid(shown["home"]) and "35,770원" not in unpaid(shown["home"])
    assert "25,770원" in shown["list"]
    assert 'data-testid="amount-due">25,770원' in shown["invoice"]
    assert "10,000원" in shown["invoice"]  # the credit it used, said on the page
    checkout = client.post(reverse("pay-invoice", args=[invoice.id]))
    order = PaymentOrder.objects.get(invoice=invoice)
    assert order.amount_krw == 25_770
    assert 'value="25770"' in client.get(checkout["Location"]).content.decode()
    paid(order, 25_770)
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID and ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == 0


def test_credit_left_before_this_rule_is_used_when_the_owner_goes_to_pay(client, owner, invoice):
    """A top-up recorded without using the credit (as before): the payment order uses it first."""
    from backend.billing.models import EntryKind

    ledger.post(
        restaurant_id=invoice.restaurant_id,
        kind=EntryKind.TOP_UP,
        amount_krw=-20_000,
        source_id="old",
        owner_id=owner.id,
    )
    order = services.create_payment_order(invoice=invoice, by=owner)
    assert order.amount_krw == 15_770
    invoice.refresh_from_db()
    assert invoice.prepaid_applied_krw == 20_000
    assert credit.unused_credit_krw(invoice.restaurant_id, invoice.owner_id) == 0


def test_a_counter_payment_onto_the_account_pays_the_open_invoice(owner, official, invoice):
    services.record_counter_payment(restaurant=invoice.restaurant, amount_krw=40_000, method="cash", by=official)
    invoice.refresh_from_db()
    assert (
        invoice.status == InvoiceStatus.PAID and ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == -4_230
    )


@pytest.mark.django_db(transaction=True)  # two months billed: windows follow commit order
def test_an_overpayment_of_one_invoice_pays_the_next_open_one(owner, invoice, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 3, 5), 100_000)  # 13,000
    bill("2026-10")
    october = Invoice.objects.get(period="2026-10-01")
    assert october.amount_due_krw == 13_000
    paid(services.create_payment_order(invoice=invoice, by=owner), 50_000)
    october.refresh_from_db()
    assert (october.status, october.prepaid_applied_krw, october.amount_due_krw) == (InvoiceStatus.PAID, 13_000, 0)
    assert ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == -1_230


def test_another_owners_credit_never_pays_an_invoice_billed_to_the_owner_before(owner, other_owner, invoice):
    restaurant = invoice.restaurant
    restaurant.owner = other_owner
    restaurant.save(update_fields=["owner"])
    top_up(restaurant, other_owner, 50_000)
    invoice.refresh_from_db()
    assert (invoice.status, invoice.amount_due_krw) == (InvoiceStatus.ISSUED, 35_770)


def test_an_overpayment_shows_its_credit_on_the_receipt_and_the_invoice_page_with_the_wallet(
    client, owner, tariff, old_bin, scan, bill
):
    scan(old_bin, seoul(2026, 9, 3, 5), 1_164_100)  # 1,164.1 kg × 130 = 151,333 → 151,330
    bill("2026-09")
    invoice = Invoice.objects.get()
    assert invoice.total_krw == 151_330
    client.force_login(owner)
    checkout = client.post(reverse("pay-invoice", args=[invoice.id]))
    receipt = client.post(checkout["Location"], {"outcome": "pay", "amount": "200000"}, follow=True).content.decode()
    wallet = reverse("payments:wallet", args=[invoice.restaurant_id])
    assert 'data-testid="credit">48,670원' in receipt
    assert "청구 금액보다 48,670원을 더 내셨습니다" in receipt and wallet in receipt
    page = client.get(reverse("billing:invoice-page", args=[invoice.id])).content.decode()
    assert "남은 잔액 48,670원" in page and wallet in page


def test_a_former_owner_reads_their_invoice_without_the_new_owners_account(client, owner, other_owner, invoice):
    restaurant = invoice.restaurant
    top_up(restaurant, owner, 50_000)
    restaurant.owner = other_owner
    restaurant.save(update_fields=["owner"])
    client.force_login(owner)
    page = client.get(reverse("billing:invoice-page", args=[invoice.id])).content.decode()
    assert 'data-testid="account"' not in page


def test_the_wallet_says_which_way_each_movement_went_in_words(client, owner, invoice):
    from backend.billing.models import EntryKind

    restaurant = invoice.restaurant
    top_up(restaurant, owner, 50_000)
    ledger.post(
        restaurant_id=restaurant.id, kind=EntryKind.REFUND, amount_krw=10_000, source_id="r1", owner_id=owner.id
    )
    client.force_login(owner)
    page = client.get(reverse("payments:wallet", args=[restaurant.id])).content.decode()
    assert "들어온 돈 50,000원" in page  # the top-up
    assert "나간 돈 10,000원" in page and "나간 돈 35,770원" in page  # the refund paid out, the invoice
    assert "−50,000" not in page and "+10,000" not in page
    assert "남은 잔액" in page and "4,230원" in page  # 50,000 in − 35,770 − 10,000 out
    client.cookies["django_language"] = "en"
    page = client.get(reverse("payments:wallet", args=[restaurant.id])).content.decode()
    assert "Added to your account: 50,000 won" in page and "Taken from your account: 10,000 won" in page


def test_an_order_made_before_a_top_up_no_longer_takes_the_old_amount(client, owner, invoice):
    client.force_login(owner)
    checkout = client.post(reverse("pay-invoice", args=[invoice.id]))["Location"]
    top_up(invoice.restaurant, owner, 10_000)  # from another tab: the invoice now asks 25,770
    page = client.get(checkout).content.decode()
    assert "지금 낼 금액은 25,770원입니다" in page and 'value="35770"' not in page
    client.post(checkout, {"outcome": "pay", "amount": "35770"})
    invoice.refresh_from_db()
    assert (invoice.paid_krw, invoice.amount_due_krw) == (0, 25_770)
