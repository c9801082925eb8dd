"""Prepaid restaurants: each billable pickup is drawn from the wallet when it is recorded.

The scan path (collection_events) sits below billing and knows nothing of wallets,
so recording a pickup never waits on, or fails because of, its draw. Draws are made
here, after the scans have committed: by a sweep that a beat task runs every
`PREPAID_SWEEP_SECONDS` (and `manage.py charge_prepaid_pickups`), restaurant by
restaurant, under the restaurant's row lock. A draw is a ledger entry keyed
`pickup_charge:<scan id>` (unique), so a scan sent twice, a retried sweep or two
workers at once can never draw a pickup twice. An empty wallet draws all the same:
the balance goes above zero and the debt is on the next invoice.

The monthly invoice of a prepaid restaurant still lists every pickup; its ledger
charge is its total less the draws of the scans it bills (billing/selectors.py
`prepaid_draws`, billing/invoicing.py), and those draws are marked settled by it.
A scan an invoice has already billed is never drawn (`windows.billed_on_many`), and
a drawn scan voided before any invoice billed it is given back (`pickup_reversal`).
"""

import uuid
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.accounts.models import User
from backend.billing import ledger, pricing
from backend.billing.models import BillingAccount, BillingMode, EntryKind, LedgerEntry, Tariff
from backend.billing.windows import billed_on_many
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.errors import DomainError
from backend.notifications.models import NoticeKind
from backend.notifications.services import Message, notify_all
from backend.restaurants.models import Restaurant


def set_billing_mode(
    *, restaurant: Restaurant, mode: str, by: User, low_balance_krw: int | None = None
) -> BillingAccount:
    """An official chooses how a restaurant pays. Becoming prepaid starts drawing the
    pickups collected from now on; earlier ones stay on the monthly invoice."""
    if mode not in BillingMode.values:
        raise DomainError("invalid_billing_mode", _("Unknown billing mode."))
    with transaction.atomic():
        ledger.lock_account(restaurant.id)
        account, _created = BillingAccount.objects.get_or_create(restaurant=restaurant)
        now = timezone.now()
        if mode == BillingMode.PREPAID and not account.is_prepaid:
            account.prepaid_since = now
        elif mode == BillingMode.POSTPAID:
            account.prepaid_since = None
        account.mode, account.low_balance_krw = mode, low_balance_krw
        account.changed_by, account.changed_at = by, now
        account.save()
    return account


def low_balance_threshold(account: BillingAccount) -> int:
    return account.low_balance_krw if account.low_balance_krw is not None else settings.WALLET_LOW_BALANCE_KRW


@dataclass(frozen=True)
class SweepResult:
    drawn: int
    reversed: int


def charge_prepaid_pickups(*, restaurant_id: uuid.UUID | str) -> SweepResult:
    """Draw the restaurant's billable pickups not drawn yet, and give back draws of
    scans voided before any invoice billed them. One transaction, under the
    restaurant's lock; safe to run any number of times."""
    with transaction.atomic():
        restaurant = ledger.lock_account(restaurant_id)
        account = BillingAccount.objects.filter(restaurant_id=restaurant.id).first()
        if account is None or not account.is_prepaid or account.prepaid_since is None:
            return SweepResult(0, 0)
        before = ledger.balance_krw(restaurant.id)
        drawn = _draw(restaurant, since=account)
        given_back = _give_back(restaurant)
        after = before + sum(entry.amount_krw for entry in drawn) + sum(entry.amount_krw for entry in given_back)
        _notify(restaurant, account, drawn, before=before, after=after)
    return SweepResult(len(drawn), len(given_back))


def sweep_prepaid_pickups() -> SweepResult:
    """Every prepaid restaurant, each in its own transaction (a slow one never holds up the others)."""
    drawn = given_back = 0
    for restaurant_id in (
        BillingAccount.objects.filter(mode=BillingMode.PREPAID)
        .order_by("restaurant_id")
        .values_list("restaurant_id", flat=True)
    ):
        result = charge_prepaid_pickups(restaurant_id=restaurant_id)
        drawn, given_back = drawn + result.drawn, given_back + result.reversed
    return SweepResult(drawn, given_back)


def _draw(restaurant: Restaurant, *, since: BillingAccount) -> list[LedgerEntry]:
    already = LedgerEntry.objects.filter(restaurant_id=restaurant.id, kind=EntryKind.PICKUP_CHARGE).values("event_id")
    candidates = list(
        CollectionEvent.objects.filter(
            restaurant_id=restaurant.id,
            status=CollectionStatus.BILLABLE,
            weight_g__gt=0,
            collected_at__gte=since.prepaid_since,
        )
        .exclude(id__in=already)
        .order_by("collected_at", "id")
    )
    if not candidates:
        return []
    billed = billed_on_many(event.id for event in candidates)  # on an invoice already: not drawn
    zone = restaurant.municipality.zone
    tariffs: dict[date, Tariff | None] = {}
    entries = []
    for event in candidates:
        if event.id in billed:
            continue
        day = event.collected_at.astimezone(zone).date()
        if day not in tariffs:
            tariffs[day] = Tariff.objects.filter(municipality_id=restaurant.municipality_id).in_force_on(day).first()
        tariff = tariffs[day]
        if tariff is None:  # no price that day: the monthly run does not bill it either
            continue
        fee = pricing.pickup_fee_krw(
            weight_g=event.weight_g, price_per_kg_krw=tariff.price_per_kg_krw, held=False, voided=False
        )
        if not fee:  # nothing to draw (a fee of 0; never None here: not held, and priced)
            continue
        kg = f"{(event.weight_g or 0) / 1000:.1f}"
        entry = ledger.post(
            restaurant_id=restaurant.id,
            kind=EntryKind.PICKUP_CHARGE,
            amount_krw=fee,
            source_id=event.id,
            event_id=event.id,
            memo=f"{day:%m/%d} 수거 {kg}kg × {tariff.price_per_kg_krw:,}원/kg",
        )
        if entry is not None:
            entries.append(entry)
    return entries


def _give_back(restaurant: Restaurant) -> list[LedgerEntry]:
    reversed_events = LedgerEntry.objects.filter(restaurant_id=restaurant.id, kind=EntryKind.PICKUP_REVERSAL).values(
        "event_id"
    )
    draws = (
        LedgerEntry.objects.filter(
            restaurant_id=restaurant.id,
            kind=EntryKind.PICKUP_CHARGE,
            settled_by__isnull=True,
            event__status=CollectionStatus.VOID,
        )
        .exclude(event_id__in=reversed_events)
        .order_by("created_at")
    )
    entries = []
    for draw in draws:
        entry = ledger.post(
            restaurant_id=restaurant.id,
            kind=EntryKind.PICKUP_REVERSAL,
            amount_krw=-draw.amount_krw,
            source_id=draw.event_id,
            event_id=draw.event_id,
            memo=f"수거 취소: {draw.memo}",
        )
        if entry is not None:
            entries.append(entry)
    return entries


def _notify(
    restaurant: Restaurant, account: BillingAccount, drawn: list[LedgerEntry], *, before: int, after: int
) -> None:
    """A receipt per draw; a warning when the credit falls below the threshold (once
    per crossing: the notice is about the draw that crossed it)."""
    if restaurant.owner_id is None or not drawn:
        return
    threshold = low_balance_threshold(account)
    pickups = CollectionEvent.objects.in_bulk([entry.event_id for entry in drawn])  # what each receipt tells of
    messages = []
    balance = before
    for entry in drawn:
        balance += entry.amount_krw
        messages.append(
            Message(
                kind=NoticeKind.PICKUP_CHARGED,
                about=str(entry.id),
                recipient_id=restaurant.owner_id,
                template="billing/notices/pickup_charged",
                context={
                    "restaurant": restaurant,
                    "entry": entry,
                    "pickup": pickups.get(entry.event_id),
                    "credit_krw": max(0, -balance),
                    "owed_krw": max(0, balance),
                },
            )
        )
        crossed = -(balance - entry.amount_krw) >= threshold > -balance
        if crossed:
            messages.append(
                Message(
                    kind=NoticeKind.WALLET_LOW,
                    about=str(entry.id),
                    recipient_id=restaurant.owner_id,
                    template="billing/notices/wallet_low",
                    context={"restaurant": restaurant, "credit_krw": max(0, -after), "threshold_krw": threshold},
                )
            )
    notify_all(messages)
