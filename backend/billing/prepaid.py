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
from backend.billing.access import can_set_municipal_low_balance
from backend.billing.models import BillingAccount, BillingMode, EntryKind, LedgerEntry, Tariff
from backend.billing.windows import billed_on_many
from backend.collection_events.models import CollectionEvent, CollectionStatus
from backend.core.errors import DomainError
from backend.municipalities.models import Municipality
from backend.notifications import alimtalk
from backend.notifications.models import NoticeKind
from backend.notifications.services import Message, notify_all
from backend.restaurants.models import Restaurant

MAX_LOW_BALANCE_KRW = 100_000_000


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


def low_balance_threshold(account: BillingAccount | None, municipality: Municipality) -> int:
    """Below which credit the owner is warned: the restaurant's own threshold, else its
    municipality's, else the settings' default."""
    if account is not None and account.low_balance_krw is not None:
        return account.low_balance_krw
    if municipality.wallet_low_balance_krw is not None:
        return municipality.wallet_low_balance_krw
    return settings.WALLET_LOW_BALANCE_KRW


def set_municipal_low_balance(*, municipality: Municipality, low_balance_krw: int | None, by: User) -> Municipality:
    """An official sets the municipality's low-balance threshold for prepaid wallets
    (None: back to the settings' default); a restaurant's own threshold still wins."""
    if not can_set_municipal_low_balance(by, municipality):
        raise DomainError("not_found", _("Not found."), status_code=404)
    if low_balance_krw is not None and not 0 <= low_balance_krw <= MAX_LOW_BALANCE_KRW:
        raise DomainError(
            "invalid_low_balance",
            _("The threshold must be between 0 and 100,000,000 won."),
            fields={"wallet_low_balance_krw": ["0 to 100,000,000"]},
        )
    municipality.wallet_low_balance_krw = low_balance_krw
    municipality.save(update_fields=["wallet_low_balance_krw"])
    return municipality


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
        drawn = _draw(restaurant, since=account)
        given_back = _give_back(restaurant)
        moved = [*drawn, *given_back]
        # Each draw is on the account of whoever owned the restaurant when the pickup
        # was collected (a pickup of the old owner's, synced after a sale, is theirs).
        for owner_id in dict.fromkeys(entry.owner_id for entry in drawn):
            after = ledger.balance_krw(restaurant.id, owner_id)
            before = after - sum(entry.amount_krw for entry in moved if entry.owner_id == owner_id)
            mine = [entry for entry in drawn if entry.owner_id == owner_id]
            _notify(restaurant, account, mine, owner_id=owner_id, before=before, after=after)
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
            owner_id=ledger.owner_at(restaurant.id, event.collected_at),
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
            owner_id=draw.owner_id,  # given back to the account it was drawn from
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
    restaurant: Restaurant,
    account: BillingAccount,
    drawn: list[LedgerEntry],
    *,
    owner_id: int | None,
    before: int,
    after: int,
) -> None:
    """A receipt per draw to the account's owner; a warning when their credit falls
    below the threshold (once per crossing: the notice is about the draw that crossed it)."""
    if owner_id is None or not drawn:
        return
    threshold = low_balance_threshold(account, restaurant.municipality)
    pickups = CollectionEvent.objects.in_bulk([entry.event_id for entry in drawn])  # what each receipt tells of
    messages = []
    balance = before
    for entry in drawn:
        balance += entry.amount_krw
        messages.append(
            Message(
                kind=NoticeKind.PICKUP_CHARGED,
                about=str(entry.id),
                recipient_id=owner_id,
                template="billing/notices/pickup_charged",
                context={
                    "restaurant": restaurant,
                    "entry": entry,
                    "pickup": pickups.get(entry.event_id),
                    "credit_krw": max(0, -balance),
                    "owed_krw": max(0, balance),
                },
                variables={
                    "업소명": restaurant.name,
                    "차감금액": alimtalk.won(entry.amount_krw),
                    "잔액안내": f"다음 청구서에 청구될 금액: {alimtalk.won(balance)}원"
                    if balance > 0
                    else f"남은 잔액: {alimtalk.won(-balance)}원",
                },
            )
        )
        crossed = -(balance - entry.amount_krw) >= threshold > -balance
        if crossed:
            messages.append(
                Message(
                    kind=NoticeKind.WALLET_LOW,
                    about=str(entry.id),
                    recipient_id=owner_id,
                    template="billing/notices/wallet_low",
                    context={"restaurant": restaurant, "credit_krw": max(0, -after), "threshold_krw": threshold},
                    variables={
                        "업소명": restaurant.name,
                        "기준금액": alimtalk.won(threshold),
                        "잔액": alimtalk.won(max(0, -after)),
                    },
                )
            )
    notify_all(messages)
