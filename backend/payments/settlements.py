"""Reconciliation: a day's settlement list at the payment gateway against our ledger.

A pure comparison (`differences`) between two lists of amounts keyed by what moved
(a payment or a cancel, by the gateway's payment key), a reader of our side (the
payments recorded and cancels done in the municipality's local day), and a writer that
stores the day's check and its differences (missing here, missing at the gateway,
amounts differ) and tells the officials. Checking a day again replaces its findings: one
check per day, and nobody is told twice.
"""

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from backend.payments.events import SettlementLine
from backend.payments.models import (
    CancelStatus,
    DifferenceKind,
    Payment,
    PaymentCancel,
    SettlementCheck,
    SettlementDifference,
)
from backend.payments.notices import notify_settlement_differences
from backend.payments.providers import get_provider

Key = tuple[str, str]  # ("payment" | "cancel", the gateway's payment key)
Difference = tuple[str, Key, int | None, int | None]  # kind, key, our amount, their amount


def differences(ours: dict[Key, int], theirs: dict[Key, int]) -> list[Difference]:
    """(kind, key, our amount, their amount) for every key on which the sides disagree."""
    found: list[Difference] = []
    for key in sorted(set(ours) | set(theirs)):
        mine, other = ours.get(key), theirs.get(key)
        if other is None:
            found.append((DifferenceKind.MISSING_AT_PROVIDER.value, key, mine, None))
        elif mine is None:
            found.append((DifferenceKind.MISSING_HERE.value, key, None, other))
        elif mine != other:
            found.append((DifferenceKind.AMOUNT_DIFFERS.value, key, mine, other))
    return found


def previous_local_day(now: datetime | None = None) -> date:
    return timezone.localtime(now or timezone.now(), ZoneInfo(settings.TIME_ZONE)).date() - timedelta(days=1)


def _ours(provider_name: str, day: date) -> tuple[dict[Key, int], dict[Key, str], int]:
    """Our payments and done cancels of the day, summed per key as `_theirs` does, and how
    many rows they are (each a line on the gateway's list too, so the counts compare)."""
    start = datetime.combine(day, time(), ZoneInfo(settings.TIME_ZONE))
    end = start + timedelta(days=1)
    amounts: dict[Key, int] = defaultdict(int)
    orders: dict[Key, str] = {}
    rows = 0
    for payment in Payment.objects.filter(provider=provider_name, paid_at__gte=start, paid_at__lt=end):
        rows += 1
        key = ("payment", payment.provider_transaction_id)
        amounts[key] += payment.amount_krw
        orders[key] = str(payment.order_id)
    cancels = PaymentCancel.objects.filter(
        payment__provider=provider_name, status=CancelStatus.DONE, done_at__gte=start, done_at__lt=end
    ).select_related("payment")
    for cancel in cancels:
        rows += 1
        key = ("cancel", cancel.payment.provider_transaction_id)
        amounts[key] -= cancel.amount_krw
        orders[key] = str(cancel.payment.order_id)
    return dict(amounts), orders, rows


def _theirs(lines: list[SettlementLine]) -> tuple[dict[Key, int], dict[Key, str]]:
    amounts: dict[Key, int] = defaultdict(int)
    orders: dict[Key, str] = {}
    for line in lines:
        key = ("payment" if line.amount_krw > 0 else "cancel", line.transaction_id)
        amounts[key] += line.amount_krw
        orders[key] = line.order_id
    return dict(amounts), orders


def reconcile_day(*, day: date, provider_name: str | None = None) -> SettlementCheck | None:
    """Check one local day; None when the provider keeps no settlement list (the sandbox)."""
    provider = get_provider(provider_name)
    lines = provider.settlements(day)
    if lines is None:
        return None
    ours, our_orders, our_rows = _ours(provider.name, day)
    theirs, their_orders = _theirs(lines)
    found = differences(ours, theirs)
    with transaction.atomic():
        check, _ = SettlementCheck.objects.update_or_create(
            provider=provider.name,
            day=day,
            defaults={"checked_at": timezone.now(), "provider_lines": len(lines), "our_lines": our_rows},
        )
        check.differences.all().delete()
        SettlementDifference.objects.bulk_create(
            SettlementDifference(
                check_run=check,
                kind=kind,
                what=key[0],
                provider_transaction_id=key[1][:100],
                order_id=(our_orders.get(key) or their_orders.get(key) or "")[:64],
                our_amount_krw=mine,
                provider_amount_krw=other,
            )
            for kind, key, mine, other in found
        )
        if found:
            notify_settlement_differences(check=check, count=len(found))
    return check
