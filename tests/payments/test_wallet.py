"""The account as owners and officials use it: prepaid draws and their receipts, a
low balance, the invoice of a prepaid month, overpayment as credit, refunds,
counter payments, and the ledger endpoint per role."""

import uuid

import pytest

from backend.billing import ledger
from backend.billing.models import BillingAccount, EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.billing.prepaid import charge_prepaid_pickups, set_billing_mode, set_municipal_low_balance
from backend.collection_events.models import CollectionStatus
from backend.core.errors import DomainError
from backend.notifications.models import Notice
from backend.payments import services
from backend.payments.models import RefundStatus
from backend.payments.providers import CallbackEvent
from tests.billing.conftest import seoul

pytestmark = pytest.mark.django_db


def paid(order, amount):
    return services.record_callback(
        provider_name=order.provider,
        event=CallbackEvent(
            order_id=str(order.id),
            transaction_id=f"tx-{uuid.uuid4()}",
            succeeded=True,
            amount_krw=amount,
            paid_at=seoul(2026, 11, 2),
        ),
    )


@pytest.fixture
def prepaid(old_bin, official):
    restaurant = old_bin.restaurant
    set_billing_mode(restaurant=restaurant, mode="prepaid", by=official)
    BillingAccount.objects.filter(restaurant=restaurant).update(prepaid_since=seoul(2026, 10, 1))
    return restaurant


def top_up(restaurant, owner, amount):
    return paid(services.create_top_up_order(restaurant=restaurant, amount_krw=amount, by=owner), amount)


def test_each_pickup_is_drawn_once_with_a_receipt_and_an_empty_wallet_never_stops_it(tariff, prepaid, old_bin, scan):
    first = scan(old_bin, seoul(2026, 10, 5, 6), 10_000)  # 1,300 KRW
    scan(old_bin, seoul(2026, 10, 6, 6), 20_500)  # 2,665 KRW
    scan(old_bin, seoul(2026, 10, 7, 6), 5_000, status=CollectionStatus.HELD)  # not billable yet: not drawn
    scan(old_bin, seoul(2026, 9, 30, 6), 5_000)  # before the restaurant became prepaid: on the invoice only
    assert charge_prepaid_pickups(restaurant_id=prepaid.id).drawn == 2
    assert charge_prepaid_pickups(restaurant_id=prepaid.id).drawn == 0  # the sweep again: nothing twice
    draws = LedgerEntry.objects.filter(kind=EntryKind.PICKUP_CHARGE)
    assert sorted(draws.values_list("amount_krw", flat=True)) == [1300, 2665]
    assert ledger.balance_krw(prepaid.id, prepaid.owner_id) == 3965  # owed: the debt goes on the next invoice
    receipts = Notice.objects.filter(kind="pickup_charged")
    assert receipts.count() == 2 and "1,300원" in receipts.get(about=str(draws.get(event=first).id)).subject
    assert not Notice.objects.filter(kind="wallet_low").exists()  # it had no credit to fall below


def test_a_low_balance_warns_the_owner_once_when_the_credit_falls_below_the_threshold(
    tariff, prepaid, old_bin, scan, owner, settings
):
    settings.WALLET_LOW_BALANCE_KRW = 10_000
    top_up(prepaid, owner, 12_000)
    scan(old_bin, seoul(2026, 10, 5, 6), 10_000)  # 1,300: credit 10,700
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    assert not Notice.objects.filter(kind="wallet_low").exists()
    scan(old_bin, seoul(2026, 10, 6, 6), 10_000)  # 1,300: credit 9,400 < 10,000
    scan(old_bin, seoul(2026, 10, 7, 6), 10_000)
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    low = Notice.objects.get(kind="wallet_low")
    assert "현재 잔액: 8,100원" in low.body and low.recipient_id == owner.id  # the credit after the sweep


def test_a_voided_pickup_not_yet_invoiced_is_given_back(tariff, prepaid, old_bin, scan, official):
    event = scan(old_bin, seoul(2026, 10, 5, 6), 10_000)
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    event.change_status(to=CollectionStatus.VOID, by=official, reason="wrong bin")
    assert charge_prepaid_pickups(restaurant_id=prepaid.id).reversed == 1
    assert charge_prepaid_pickups(restaurant_id=prepaid.id).reversed == 0
    assert ledger.balance_krw(prepaid.id, prepaid.owner_id) == 0


def test_the_monthly_invoice_of_a_prepaid_restaurant_settles_the_draws_instead_of_billing_them_again(
    tariff, prepaid, old_bin, scan, owner, bill
):
    top_up(prepaid, owner, 10_000)
    scan(old_bin, seoul(2026, 10, 5, 6), 10_000)  # 1,300
    scan(old_bin, seoul(2026, 10, 6, 6), 20_500)  # 2,665
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    assert ledger.balance_krw(prepaid.id, prepaid.owner_id) == -6035
    bill("2026-10")
    invoice = Invoice.objects.get()
    # The invoice shows the month (30.5 kg × 130 = 3,965 → 3,960 after truncation), already covered.
    assert (invoice.total_krw, invoice.prepaid_applied_krw, invoice.status) == (3960, 3960, InvoiceStatus.PAID)
    assert set(LedgerEntry.objects.filter(kind=EntryKind.PICKUP_CHARGE).values_list("settled_by", flat=True)) == {
        invoice.id
    }
    # Charged once: 10,000 topped up less the month's 3,960 (the 5 KRW truncated is given back).
    assert ledger.balance_krw(prepaid.id, prepaid.owner_id) == -6040
    assert LedgerEntry.objects.get(kind=EntryKind.CHARGE).amount_krw == -5


def test_an_empty_wallet_leaves_the_drawn_month_owed_on_the_invoice(tariff, prepaid, old_bin, scan, bill):
    scan(old_bin, seoul(2026, 10, 5, 6), 30_500)  # 3,965
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    bill("2026-10")
    invoice = Invoice.objects.get()
    assert (invoice.status, invoice.amount_due_krw) == (InvoiceStatus.ISSUED, 3960)
    assert ledger.balance_krw(prepaid.id, prepaid.owner_id) == 3960  # what the invoice asks for, once


@pytest.mark.django_db(transaction=True)  # two months billed: windows follow commit order
def test_overpaying_a_bill_becomes_credit_the_next_invoice_uses(tariff, old_bin, scan, owner, bill):
    """The issue's case: 999,999 KRW paid against a 56,670 KRW bill."""
    scan(old_bin, seoul(2026, 9, 3, 5), 435_950)  # 435.95 kg × 130 = 56,673.5 → 56,670
    bill("2026-09")
    september = Invoice.objects.get()
    assert september.total_krw == 56_670
    paid(services.create_payment_order(invoice=september, by=owner), 999_999)
    september.refresh_from_db()
    assert september.status == InvoiceStatus.PAID
    assert ledger.balance_krw(september.restaurant_id, owner.id) == -(999_999 - 56_670)  # visible credit
    assert services.refundable_krw(restaurant=september.restaurant, owner=owner) == 943_329
    scan(old_bin, seoul(2026, 10, 3, 5), 100_000)  # 13,000
    bill("2026-10")
    october = Invoice.objects.get(period="2026-10-01")
    assert (october.prepaid_applied_krw, october.status, october.amount_due_krw) == (13_000, InvoiceStatus.PAID, 0)
    assert ledger.balance_krw(september.restaurant_id, owner.id) == -(999_999 - 56_670 - 13_000)


def test_a_refund_is_requested_by_the_owner_and_recorded_when_an_official_approves(tariff, old_bin, owner, official):
    restaurant = old_bin.restaurant
    top_up(restaurant, owner, 50_000)
    with pytest.raises(Exception) as too_much:
        services.request_refund(restaurant=restaurant, amount_krw=50_001, bank_account="국민 1", by=owner)
    assert too_much.value.code == "refund_exceeds_credit"
    refund = services.request_refund(restaurant=restaurant, amount_krw=30_000, bank_account="국민 1", by=owner)
    assert ledger.balance_krw(restaurant.id, owner.id) == -50_000  # nothing moves until an official approves
    with pytest.raises(Exception) as twice:
        services.request_refund(restaurant=restaurant, amount_krw=1, bank_account="국민 1", by=owner)
    assert twice.value.code == "refund_already_requested"
    with pytest.raises(Exception) as no_reason:
        services.decide_refund(refund=refund, approve=False, by=official)
    assert no_reason.value.code == "reason_required"
    services.decide_refund(refund=refund, approve=True, by=official)
    refund.refresh_from_db()
    assert refund.status == RefundStatus.APPROVED
    entry = LedgerEntry.objects.get(kind=EntryKind.REFUND)
    assert (entry.amount_krw, entry.recorded_by_id) == (30_000, official.id)
    assert ledger.balance_krw(restaurant.id, owner.id) == -20_000
    assert Notice.objects.filter(kind="refund_decided", about=str(refund.id)).exists()
    with pytest.raises(Exception) as again:
        services.decide_refund(refund=refund, approve=True, by=official)
    assert again.value.code == "refund_already_decided"


def test_a_counter_payment_pays_an_invoice_or_the_account_once(tariff, old_bin, scan, bill, official):
    scan(old_bin, seoul(2026, 9, 3, 5), 100_000)  # 13,000
    bill("2026-09")
    invoice = Invoice.objects.get()
    key = uuid.uuid4()
    for _ in range(2):  # the form sent twice
        services.record_counter_payment(
            restaurant=invoice.restaurant,
            amount_krw=13_000,
            method="card",
            invoice=invoice,
            by=official,
            payment_id=key,
        )
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    services.record_counter_payment(restaurant=invoice.restaurant, amount_krw=5_000, method="cash", by=official)
    entries = LedgerEntry.objects.filter(kind=EntryKind.COUNTER_PAYMENT)
    assert sorted(entries.values_list("amount_krw", flat=True)) == [-13_000, -5_000]
    assert ledger.balance_krw(invoice.restaurant_id, invoice.owner_id) == -5_000
    with pytest.raises(Exception) as bad:
        services.record_counter_payment(restaurant=invoice.restaurant, amount_krw=1, method="cheque", by=official)
    assert bad.value.code == "invalid_method"


def test_an_entry_is_never_entered_twice(restaurant):
    first = ledger.post(
        restaurant_id=restaurant.id, owner_id=restaurant.owner_id, kind=EntryKind.TOP_UP, amount_krw=-100, source_id="x"
    )
    again = ledger.post(
        restaurant_id=restaurant.id, owner_id=restaurant.owner_id, kind=EntryKind.TOP_UP, amount_krw=-100, source_id="x"
    )
    assert first is not None and again is None
    assert ledger.balance_krw(restaurant.id, restaurant.owner_id) == -100


# The endpoint, per role.


def url(restaurant):
    return f"/api/v1/restaurants/{restaurant.id}/ledger/"


def test_the_owner_reads_their_ledger_newest_first_with_the_balance(api, owner, restaurant):
    ledger.post(
        restaurant_id=restaurant.id,
        owner_id=restaurant.owner_id,
        kind=EntryKind.TOP_UP,
        amount_krw=-5000,
        source_id="a",
    )
    ledger.post(
        restaurant_id=restaurant.id, owner_id=restaurant.owner_id, kind=EntryKind.REFUND, amount_krw=2000, source_id="b"
    )
    body = api.as_user(owner).get(url(restaurant)).json()
    assert body["balance_krw"] == -3000
    assert [entry["kind"] for entry in body["results"]] == ["refund", "top_up"]


@pytest.mark.parametrize("who", ["official", "owner"])
def test_those_who_see_the_restaurant_see_its_ledger(api, request, restaurant, who):
    assert api.as_user(request.getfixturevalue(who)).get(url(restaurant)).status_code == 200


@pytest.mark.parametrize("who", ["stranger", "other_owner", "collector"])
def test_others_do_not_see_it(api, request, restaurant, who):
    response = api.as_user(request.getfixturevalue(who)).get(url(restaurant))
    assert response.status_code == 404


def test_the_owner_tops_up_through_the_provider(api, owner, restaurant):
    response = api.as_user(owner).post(url(restaurant) + "top-up/", {"amount_krw": 30_000}, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["purpose"] == "top_up"
    assert response.json()["checkout_url"].endswith(f"/payments/sandbox/{response.json()['id']}/")
    too_small = api.as_user(owner).post(url(restaurant) + "top-up/", {"amount_krw": 10}, format="json")
    assert too_small.status_code == 400


def test_only_the_owner_tops_up_or_asks_for_a_refund(api, official, collector, other_owner, restaurant):
    assert api.as_user(official).post(url(restaurant) + "top-up/", {"amount_krw": 30_000}).status_code == 403
    assert api.as_user(collector).post(url(restaurant) + "top-up/", {"amount_krw": 30_000}).status_code == 403
    assert api.as_user(other_owner).post(url(restaurant) + "top-up/", {"amount_krw": 30_000}).status_code == 404


def test_a_refund_request_through_the_api_is_bounded_by_the_credit(api, owner, restaurant):
    ledger.post(
        restaurant_id=restaurant.id,
        owner_id=restaurant.owner_id,
        kind=EntryKind.TOP_UP,
        amount_krw=-5000,
        source_id="a",
    )
    endpoint = url(restaurant) + "refund-requests/"
    too_much = api.as_user(owner).post(endpoint, {"amount_krw": 6000, "bank_account": "농협 1"}, format="json")
    assert (too_much.status_code, too_much.json()["error"]["code"]) == (409, "refund_exceeds_credit")
    ok = api.as_user(owner).post(endpoint, {"amount_krw": 5000, "bank_account": "농협 1"}, format="json")
    assert (ok.status_code, ok.json()["status"]) == (201, "requested")


def test_the_ledger_list_takes_the_same_queries_however_long_the_history(
    api, owner, restaurant, django_assert_max_num_queries
):
    for n in range(60):
        ledger.post(
            restaurant_id=restaurant.id,
            owner_id=restaurant.owner_id,
            kind=EntryKind.TOP_UP,
            amount_krw=-1000,
            source_id=n,
        )
    client = api.as_user(owner)
    with django_assert_max_num_queries(8):
        body = client.get(url(restaurant)).json()
    assert body["count"] == 60 and len(body["results"]) == 50 and body["balance_krw"] == -60_000


# The low-balance threshold: the restaurant's own, else its municipality's, else the settings'.


def test_the_warning_follows_the_municipality_s_threshold_when_the_account_sets_none(
    tariff, prepaid, old_bin, scan, owner, official, settings
):
    settings.WALLET_LOW_BALANCE_KRW = 1_000
    set_municipal_low_balance(municipality=prepaid.municipality, low_balance_krw=20_000, by=official)
    top_up(prepaid, owner, 22_000)
    scan(old_bin, seoul(2026, 10, 5, 6), 10_000)  # 1,300: credit 20,700
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    assert not Notice.objects.filter(kind="wallet_low").exists()
    scan(old_bin, seoul(2026, 10, 6, 6), 10_000)  # 1,300: credit 19,400 < 20,000 (far above the settings' 1,000)
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    low = Notice.objects.get(kind="wallet_low")
    assert "20,000" in low.body and "19,400" in low.body


def test_the_restaurant_s_own_threshold_wins_over_the_municipality_s(
    tariff, prepaid, old_bin, scan, owner, official, settings
):
    set_municipal_low_balance(municipality=prepaid.municipality, low_balance_krw=20_000, by=official)
    set_billing_mode(restaurant=prepaid, mode="prepaid", by=official, low_balance_krw=5_000)
    top_up(prepaid, owner, 22_000)
    scan(old_bin, seoul(2026, 10, 5, 6), 20_000)  # 2,600: credit 19,400, below the municipality's only
    charge_prepaid_pickups(restaurant_id=prepaid.id)
    assert not Notice.objects.filter(kind="wallet_low").exists()


def test_officials_set_the_municipality_s_threshold_on_the_console_account_page(
    client, prepaid, official, owner, stranger
):
    page = f"/console/accounts/{prepaid.id}/"
    client.force_login(official)
    response = client.post(page + "municipal-low-balance/", {"wallet_low_balance_krw": "15000"})
    assert response.status_code == 302
    prepaid.municipality.refresh_from_db()
    assert prepaid.municipality.wallet_low_balance_krw == 15_000
    assert client.get(page).context["threshold_krw"] == 15_000
    bad = client.post(page + "municipal-low-balance/", {"wallet_low_balance_krw": "-1"})
    assert bad.status_code == 400
    client.post(page + "municipal-low-balance/", {"wallet_low_balance_krw": ""})  # empty: back to the default
    prepaid.municipality.refresh_from_db()
    assert prepaid.municipality.wallet_low_balance_krw is None
    client.force_login(stranger)  # another municipality's official
    assert client.post(page + "municipal-low-balance/", {"wallet_low_balance_krw": "1"}).status_code == 404
    client.force_login(owner)
    assert client.post(page + "municipal-low-balance/", {"wallet_low_balance_krw": "1"}).status_code == 403
    prepaid.municipality.refresh_from_db()
    assert prepaid.municipality.wallet_low_balance_krw is None


def test_only_the_municipality_s_own_officials_set_its_threshold(prepaid, stranger, owner):
    for who in (stranger, owner):
        with pytest.raises(DomainError) as refused:
            set_municipal_low_balance(municipality=prepaid.municipality, low_balance_krw=1, by=who)
        assert refused.value.code == "not_found"


def test_a_top_up_by_card_reads_in_korean_in_the_ledger(old_bin, owner):
    order = services.create_top_up_order(restaurant=old_bin.restaurant, amount_krw=10_000, by=owner)
    event = CallbackEvent(
        order_id=str(order.id),
        transaction_id="tx-card",
        succeeded=True,
        amount_krw=10_000,
        paid_at=seoul(2026, 11, 2),
        method="card",
    )
    services.record_callback(provider_name=order.provider, event=event)
    assert LedgerEntry.objects.get(kind=EntryKind.TOP_UP).memo == "선불 충전 (카드)"
