"""The restaurant's accounts: the one way to append a ledger entry, and a balance.

Every movement of money is one `LedgerEntry`, signed (positive: the account owes
more; negative: it owes less), keyed by what it comes from (`<kind>:<source id>`,
unique), never edited. An account is a restaurant as held by one owner: a sale
starts the new owner at zero, and the old owner keeps their credit or debt
(docs/decisions/0005-accounts-per-owner.md). The balance is the sum of the
account's entries, read with one SUM (index `ledger_account_time`); nothing caches
it, so it cannot drift (docs/decisions/0004-ledger.md).

Writers that decide from a balance (a refund, a prepaid draw, an invoice) hold
the restaurant's row lock (`lock_account`), which a billing chunk also holds for its
restaurants: decisions about one restaurant's accounts are made one at a time.
"""

import uuid
from datetime import datetime

from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from backend.billing.models import EntryKind, LedgerEntry
from backend.restaurants.models import OwnershipPeriod, Restaurant


def entry_key(kind: str, source_id: object) -> str:
    return f"{kind}:{source_id}"


def lock_account(restaurant_id: uuid.UUID | str) -> Restaurant:
    """Lock the restaurant's row for the rest of the transaction (the billing run
    locks the same rows, in id order)."""
    return Restaurant.objects.select_for_update().get(id=restaurant_id)


def post(
    *,
    restaurant_id: uuid.UUID | str,
    owner_id: int | None,
    kind: EntryKind,
    amount_krw: int,
    source_id: object,
    memo: str = "",
    invoice_id: uuid.UUID | str | None = None,
    payment_id: uuid.UUID | str | None = None,
    event_id: uuid.UUID | str | None = None,
    recorded_by_id: int | None = None,
    at: datetime | None = None,
) -> LedgerEntry | None:
    """Append one entry unless one with the same key (kind, source) exists: returns
    the new entry, or None if it was already there (a retry, a second worker)."""
    if amount_krw == 0:
        raise ValueError("a ledger entry moves money")
    key = entry_key(kind.value, source_id)
    entry = LedgerEntry(
        restaurant_id=restaurant_id,
        owner_id=owner_id,
        kind=kind.value,
        amount_krw=amount_krw,
        key=key,
        memo=memo[:200],
        invoice_id=invoice_id,
        payment_id=payment_id,
        event_id=event_id,
        recorded_by_id=recorded_by_id,
        created_at=at or timezone.now(),
    )
    written = [f for f in LedgerEntry._meta.concrete_fields if f.name != "settled_by"]
    columns = [connection.ops.quote_name(str(f.column)) for f in written]
    values = [f.get_db_prep_save(getattr(entry, f.attname), connection) for f in written]
    table = connection.ops.quote_name(LedgerEntry._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {table} ({", ".join(columns)}) VALUES ({", ".join(["%s"] * len(columns))})
                ON CONFLICT (key) DO NOTHING RETURNING id""",
            values,
        )
        return entry if cursor.fetchone() is not None else None


def balance_krw(restaurant_id: uuid.UUID | str, owner_id: int | None) -> int:
    """What the owner's account at the restaurant owes (positive) or has in credit
    (negative): the sum of its entries."""
    total = LedgerEntry.objects.of_account(restaurant_id=restaurant_id, owner_id=owner_id).aggregate(
        total=Sum("amount_krw")
    )["total"]
    return int(total or 0)


def owner_at(restaurant_id: uuid.UUID | str, moment: datetime) -> int | None:
    """Whose account money about that instant belongs to: the restaurant's owner then."""
    return OwnershipPeriod.owner_at(restaurant_id, moment)
