"""Credit on an owner's account at a restaurant pays their open invoices there at once.

The ledger nets everything (docs/decisions/0004-ledger.md): an issued invoice's charge
is in the balance, and so is a top-up, an overpayment or a payment at the counter
onto the account. So while the account holds credit, an open invoice is already paid
for in the ledger's eyes, and asking the owner for its amount again would take the
money twice. `use_credit` records on each open invoice what the credit covers
(`prepaid_applied_krw`, as the billing run does when it issues an invoice against a
credit; no money moves, so there is no ledger entry), oldest due date first, and an
invoice it covers whole is paid. Every amount an owner is asked for (home, invoice
list and page, the payment order) is then the invoice's `amount_due_krw`.

The credit not yet used by any invoice is what the balance does not explain:

    unused = Σ due of open invoices + draws no invoice has settled yet − balance

(a draw of a prepaid pickup is a debt the next invoice takes over; a drawn pickup
given back cancels its draw, so neither changes the unused credit). Using it lowers the first term by what it uses, so
running it again uses nothing: safe after every payment, and at every payment order.
Each owner has their own account at a restaurant (docs/decisions/0005-accounts-per-owner.md):
the current owner's credit pays only the invoices billed to them, so one owner's money
never pays another's bill.
"""

import uuid

from django.db.models import Q, Sum
from django.utils import timezone

from backend.billing import ledger
from backend.billing.models import EntryKind, Invoice, InvoiceStatus, LedgerEntry
from backend.restaurants.models import Restaurant

OPEN = (InvoiceStatus.ISSUED, InvoiceStatus.OVERDUE)


def _open_invoices(restaurant_id: uuid.UUID | str, owner_id: int | None) -> list[Invoice]:
    return list(
        Invoice.objects.select_for_update()
        .filter(restaurant_id=restaurant_id, owner_id=owner_id, status__in=OPEN)
        .order_by("due_date", "number")
    )


def _unsettled_draws_krw(restaurant_id: uuid.UUID | str, owner_id: int | None) -> int:
    total = (
        LedgerEntry.objects.of_account(restaurant_id=restaurant_id, owner_id=owner_id)
        .filter(Q(kind=EntryKind.PICKUP_CHARGE, settled_by__isnull=True) | Q(kind=EntryKind.PICKUP_REVERSAL))
        .aggregate(total=Sum("amount_krw"))["total"]
    )
    return int(total or 0)


def unused_credit_krw(
    restaurant_id: uuid.UUID | str, owner_id: int | None, *, open_invoices: list[Invoice] | None = None
) -> int:
    """Credit on the owner's account that no invoice has used yet."""
    invoices = _open_invoices(restaurant_id, owner_id) if open_invoices is None else open_invoices
    due = sum(invoice.amount_due_krw for invoice in invoices)
    balance = ledger.balance_krw(restaurant_id, owner_id)
    return max(0, due + _unsettled_draws_krw(restaurant_id, owner_id) - balance)


def use_credit(restaurant_id: uuid.UUID | str) -> list[Invoice]:
    """Let the current owner's unused credit pay their open invoices, oldest due first.
    The caller holds the restaurant's lock (`ledger.lock_account`) in a transaction.
    Returns the invoices it changed."""
    owner_id = Restaurant.objects.filter(id=restaurant_id).values_list("owner_id", flat=True).first()
    if owner_id is None:
        return []
    invoices = _open_invoices(restaurant_id, owner_id)
    if not invoices:
        return []
    credit = unused_credit_krw(restaurant_id, owner_id, open_invoices=invoices)
    changed = []
    now = timezone.now()
    for invoice in invoices:
        if credit <= 0:
            break
        if invoice.amount_due_krw <= 0:
            continue
        used = min(credit, invoice.amount_due_krw)
        invoice.apply_credit(amount_krw=used, at=now)
        credit -= used
        changed.append(invoice)
    return changed
