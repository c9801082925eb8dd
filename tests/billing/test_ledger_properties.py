"""The ledger under any sequence of what happens to a prepaid restaurant's accounts:
pickups (some voided, some synced after their month was billed, the sweep run again
and again), wallet top-ups, invoices, payments online and at the counter,
overpayments, refunds, and the restaurant sold to a new owner (more than once).

After every step, for each owner's account: the balance is the sum of its entries;
every entry is about that owner (their invoice, their payment, a pickup collected
while they owned the restaurant); no pickup is drawn twice; a drawn pickup is settled
by exactly the invoice that bills it, and a pickup given back is one no invoice
billed; and the balance equals what that owner should owe, worked out from their
invoices, the pickups drawn since and the money they paid. A new owner starts at zero."""

import uuid
from datetime import date

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backend.billing import ledger, pricing
from backend.billing.models import BillingAccount, EntryKind, Invoice, InvoiceStatus, LedgerEntry, Tariff
from backend.billing.prepaid import charge_prepaid_pickups, set_billing_mode
from backend.billing.windows import billed_on_many
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.handovers import services as handovers
from backend.payments import services
from backend.payments.models import CounterPayment, Payment, RefundRequest, RefundStatus
from backend.payments.providers import CallbackEvent
from backend.restaurants.models import Bin, OwnershipPeriod, Restaurant
from tests.billing.conftest import seoul

# Every step commits on its own, as in production: billing windows are read by commit
# order, so steps inside one test transaction would not be ordered (decision 0002).
pytestmark = pytest.mark.django_db(transaction=True)

PRICE = 130  # the `tariff` fixture's KRW per kg

steps = st.lists(
    st.one_of(
        st.tuples(st.just("pickup"), st.integers(1, 80_000)),
        st.tuples(st.just("late_pickup"), st.integers(1, 80_000)),  # crew syncs after its month was billed
        st.tuples(st.just("sweep"), st.just(0)),
        st.tuples(st.just("void_last"), st.just(0)),
        st.tuples(st.just("top_up"), st.integers(1, 50_000)),
        st.tuples(st.just("pay"), st.integers(1, 60_000)),
        st.tuples(st.just("counter"), st.integers(1, 30_000)),
        st.tuples(st.just("refund"), st.integers(1, 40_000)),
        st.tuples(st.just("bill"), st.just(0)),
        st.tuples(st.just("sell"), st.just(0)),  # confirmed on the day of the next pickup
    ),
    min_size=1,
    max_size=16,
)


@settings(
    max_examples=25,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=steps)
def test_any_sequence_keeps_the_balance_the_sum_and_draws_each_pickup_once(steps, f, scan, bill):
    # A town of its own per example: one restaurant, its owner, an official, a tariff.
    city = f.MunicipalityFactory()
    official = f.UserFactory(role="official", municipality=city)
    owner = f.UserFactory(role="owner", invited_through=city)
    restaurant = f.RestaurantFactory(district=f.DistrictFactory(municipality=city), owner=owner)
    old_bin = f.BinFactory(restaurant=restaurant)
    Bin.objects.filter(id=old_bin.id).update(created_at=seoul(2025, 1, 1))
    Tariff.objects.create(municipality=city, effective_from=date(2026, 1, 1), price_per_kg_krw=PRICE)
    set_billing_mode(restaurant=restaurant, mode="prepaid", by=official)
    BillingAccount.objects.filter(restaurant=restaurant).update(prepaid_since=seoul(2026, 1, 1))
    month, day = 1, 1  # pickups happen in the month not billed yet; billing moves it on
    owner_since = date(2025, 12, 31)  # the first owner's period has no start
    counters = {}  # counter payment → whose account it is meant for (the clock here is not the story's)
    for kind, amount in steps:
        restaurant.refresh_from_db()
        owner = restaurant.owner
        if kind == "pickup":
            scan(old_bin, seoul(2026, month, day, 6), amount)
            day = min(day + 1, 28)
        elif kind == "late_pickup" and month > 1:
            scan(old_bin, seoul(2026, month - 1, 28, 6), amount)
        elif kind == "sweep":
            charge_prepaid_pickups(restaurant_id=restaurant.id)
            charge_prepaid_pickups(restaurant_id=restaurant.id)  # a retry draws nothing more
        elif kind == "void_last":
            last = CollectionEvent.objects.filter(restaurant=restaurant, status=CollectionStatus.BILLABLE).last()
            if last is not None:
                last.change_status(to=CollectionStatus.VOID, by=official, reason="test")
        elif kind == "top_up":
            order = services.create_top_up_order(restaurant=restaurant, amount_krw=amount, by=owner)
            _paid(order, amount)
        elif kind == "pay":  # by the owner it was billed to, after a sale too
            invoice = next((i for i in Invoice.objects.filter(restaurant=restaurant) if i.is_payable), None)
            if invoice is not None:  # any amount, more than due too: the rest is credit
                _paid(services.create_payment_order(invoice=invoice, by=invoice.owner), amount)
        elif kind == "counter":
            invoice = Invoice.objects.filter(restaurant=restaurant, status=InvoiceStatus.ISSUED).first()
            counter = services.record_counter_payment(
                restaurant=restaurant, amount_krw=amount, method="cash", invoice=invoice, by=official
            )
            counters[counter.id] = invoice.owner_id if invoice is not None else owner.id
        elif kind == "refund":
            wanted = min(amount, services.refundable_krw(restaurant=restaurant, owner=owner))
            if wanted > 0:
                refund = services.request_refund(
                    restaurant=restaurant, amount_krw=wanted, bank_account="국민 123-45", by=owner
                )
                services.decide_refund(refund=refund, approve=True, by=official)
        elif kind == "sell" and date(2026, month, day) > owner_since:
            owner_since = date(2026, month, day)
            buyer = f"buyer-{uuid.uuid4().hex[:12]}@example.org"
            handover = handovers.report_handover(
                by=owner, restaurant=restaurant, kind="sale", proposed_on=owner_since, new_owner_email=buyer
            )
            handover = handovers.confirm_handover(handover=handover, by=official, effective_on=owner_since)
            # The new owner starts at zero, whatever the old one had in credit or owed.
            assert ledger.balance_krw(restaurant.id, handover.new_owner_id) == 0
            assert not LedgerEntry.objects.filter(owner=handover.new_owner).exists()
        elif kind == "bill" and month < 10:
            charge_prepaid_pickups(restaurant_id=restaurant.id)  # the sweep may or may not have run
            bill(f"2026-{month:02d}", municipality=city)
            month, day = month + 1, 1
        _check(restaurant, counters)


def _paid(order, amount):
    services.record_callback(
        provider_name=order.provider,
        event=CallbackEvent(
            order_id=str(order.id),
            transaction_id=f"tx-{uuid.uuid4()}",
            succeeded=True,
            amount_krw=amount,
            paid_at=seoul(2026, 11, 1),
        ),
    )


def _check(restaurant, counters):
    for owner_id in {
        restaurant.owner_id,
        *OwnershipPeriod.objects.filter(restaurant=restaurant).values_list("owner_id", flat=True),
    }:
        _check_account(restaurant, owner_id, counters)
    every = LedgerEntry.objects.filter(restaurant=restaurant)
    held = set(OwnershipPeriod.objects.filter(restaurant=restaurant).values_list("owner_id", flat=True))
    assert {e.owner_id for e in every} <= held
    # Each invoice asks for what its owner's account did not already cover, never less than nothing.
    for invoice in Invoice.objects.filter(restaurant=restaurant):
        assert 0 <= invoice.prepaid_applied_krw <= invoice.total_krw


def _check_account(restaurant: Restaurant, owner_id: int, counters: dict):
    entries = list(LedgerEntry.objects.filter(restaurant=restaurant, owner_id=owner_id))
    balance = ledger.balance_krw(restaurant.id, owner_id)
    assert balance == sum(entry.amount_krw for entry in entries)

    # Every entry is about this owner.
    for entry in entries:
        if entry.kind in (EntryKind.CHARGE, EntryKind.CREDIT) or entry.invoice_id is not None:
            assert entry.invoice.owner_id == owner_id
        elif entry.event_id is not None:
            assert OwnershipPeriod.owner_at(restaurant.id, entry.event.collected_at) == owner_id

    draws = [e for e in entries if e.kind == EntryKind.PICKUP_CHARGE]
    reversals = {e.event_id for e in entries if e.kind == EntryKind.PICKUP_REVERSAL}
    assert len({d.event_id for d in draws}) == len(draws), "a pickup drawn twice"
    assert len(reversals) == len([e for e in entries if e.kind == EntryKind.PICKUP_REVERSAL])
    billed = billed_on_many([d.event_id for d in draws])
    numbers = dict(Invoice.objects.filter(restaurant=restaurant).values_list("id", "number"))
    for draw in draws:
        if draw.settled_by_id is not None:  # settled by the invoice that bills the pickup, never given back
            assert billed.get(draw.event_id) == numbers[draw.settled_by_id]
            assert draw.event_id not in reversals
        elif draw.event_id in reversals:  # given back: voided before any invoice billed it
            assert draw.event_id not in billed and draw.event.status == CollectionStatus.VOID
        else:  # still to be invoiced (or voided, and given back by the next sweep)
            assert draw.event_id not in billed

    # What the owner should owe, worked out without the ledger's invoice entries: their
    # invoices, their pickups drawn since, what they paid (for their invoices, or onto
    # the account while they owned it) and the refunds they asked for.
    theirs = Invoice.objects.filter(restaurant=restaurant, owner_id=owner_id)
    invoiced = theirs.aggregate(t=Sum("total_krw"))["t"] or 0
    carried = sum(-e.amount_krw for e in entries if e.kind == EntryKind.CREDIT)
    pending_draws = sum(
        pricing.pickup_fee_krw(weight_g=d.event.weight_g, price_per_kg_krw=PRICE, held=False, voided=False)
        for d in draws
        if d.settled_by_id is None and d.event_id not in reversals
    )
    paid = sum(
        p.amount_krw
        for p in Payment.objects.filter(restaurant=restaurant).select_related("invoice", "order")
        if (p.invoice.owner_id if p.invoice else p.order.created_by_id) == owner_id
    ) + sum(c.amount_krw for c in CounterPayment.objects.filter(restaurant=restaurant) if counters[c.id] == owner_id)
    refunded = (
        RefundRequest.objects.filter(
            restaurant=restaurant, requested_by_id=owner_id, status=RefundStatus.APPROVED
        ).aggregate(t=Sum("amount_krw"))["t"]
        or 0
    )
    assert balance == invoiced - carried + pending_draws - paid + refunded
