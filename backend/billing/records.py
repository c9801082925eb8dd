"""What a billing run writes: one record per row, one field per column.

Each record's fields are named after its table's columns (`billing_invoice`,
`billing_invoiceline`, `billing_ledgerentry`); billing/writer.py copies a record's
fields to the columns of the same names, so there is one column list per table:
the record itself. Ids, dates and instants are text, as PostgreSQL prints and
reads them; amounts are integer KRW (a line's `exact_amount` is a Decimal). Fields
typed `Text` hold what users typed (names, addresses, labels) or descriptions that
quote it: the writer escapes them.
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated

Text = Annotated[str, "free text, escaped when written"]


@dataclass(slots=True)
class InvoiceRecord:
    """One restaurant's invoice for one month, with what it copies to stay unchanged."""

    id: str
    municipality_id: str
    restaurant_id: str
    run_id: str | None  # None: a final invoice at a handover, outside any run
    period: str  # YYYY-MM-01
    status: str  # InvoiceStatus
    municipality_name: Text
    restaurant_name: Text
    restaurant_address: Text
    business_number: Text
    owner_id: str | None  # billed to the owner at the time (accounts.User id as text)
    owner_name: Text
    first_day: str | None  # YYYY-MM-DD: part of the month only (a handover), else None
    last_day: str | None
    time_zone: Text
    base_fee_per_bin_krw: int
    minimum_charge_krw: int
    active_bins: int
    subtotal_krw: int
    minimum_adjustment_krw: int
    credits_krw: int  # negative or zero
    truncated_krw: int
    total_krw: int
    prepaid_applied_krw: int
    paid_krw: int
    issued_at: str
    due_date: str
    paid_at: str | None
    snapshot: str  # the window statement's pg_snapshot: what this invoice saw
    window_number: int  # its place in the restaurant's chain of invoices
    number: Text = ""  # given when written, in commit order (billing/writer.py)


@dataclass(slots=True)
class InvoiceLineRecord:
    """One line an owner reads on an invoice. `kind` (LineKind) says which fields matter:
    usage and prior_period lines name a bin, a tariff, dates, collections and grams;
    base_fee a bin; minimum nothing more; credit the one scan it gives back."""

    id: str
    invoice_id: str
    kind: str  # LineKind
    service_period: str  # YYYY-MM-01: the month the collections (or fee) belong to
    exact_amount: Decimal  # grams × price per kg ÷ 1000, before whole-won sharing
    amount_krw: int  # what the owner pays for this line (negative for a credit)
    description: Text
    position: int = 0  # order on the invoice, from 1
    bin_id: str | None = None
    bin_label: Text = ""
    tariff_id: str | None = None
    first_date: str | None = None  # YYYY-MM-DD, local: first and last collection
    last_date: str | None = None
    collections: int = 0
    weight_g: int = 0  # negative for a credit
    price_per_kg_krw: int | None = None
    credited_event_id: str | None = None  # the voided scan a credit line gives back


@dataclass(slots=True)
class LedgerEntryRecord:
    """A movement on the restaurant's account: positive owes, negative is owed."""

    id: str
    restaurant_id: str
    owner_id: str | None  # whose account: the invoice's owner
    kind: str  # EntryKind
    amount_krw: int
    invoice_id: str
    memo: Text
    created_at: str
    key: str  # <kind>:<invoice id>, unique: an invoice's entries are written once
