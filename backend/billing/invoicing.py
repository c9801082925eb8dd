"""From a window to invoices: what one restaurant owes for a month, as records.

No queries and no COPY text here: the window's rows come in (billing/selectors.py),
invoice, line and ledger records go out (billing/records.py), and the money is
computed by the pure functions of billing/pricing.py. Reading one invoice line:
`usage_line` below makes a usage or prior-period line from one `UsageRow` — the
scans of one bin at one tariff in one month — and the amount pricing shared out
to it; `base_fee_line`, `minimum_line` and `credit_line` make the others.
"""

import os
from dataclasses import dataclass, field
from decimal import Decimal

from backend.billing import pricing
from backend.billing.models import EntryKind, InvoiceStatus, LineKind
from backend.billing.records import InvoiceLineRecord, InvoiceRecord, LedgerEntryRecord
from backend.billing.selectors import BinInService, ChainHead, CreditRow, Draws, UsageRow, Window
from backend.restaurants.selectors import RestaurantOnInvoice

DESCRIPTION_MAX = 200  # InvoiceLine.description's max_length

# The choices' values, looked up once (an enum member's .value is a property call).
_PAID, _ISSUED = InvoiceStatus.PAID.value, InvoiceStatus.ISSUED.value
_USAGE, _PRIOR_PERIOD, _BASE_FEE = LineKind.USAGE.value, LineKind.PRIOR_PERIOD.value, LineKind.BASE_FEE.value
_MINIMUM, _CREDIT = LineKind.MINIMUM.value, LineKind.CREDIT.value
_CHARGE, _CARRIED_CREDIT = EntryKind.CHARGE.value, EntryKind.CREDIT.value


def new_id() -> str:
    """A new row id: a random version 4 UUID as text, the same 122 random bits and
    the same text as str(uuid.uuid4()), without building the uuid.UUID object.

    Measured (docs/performance.md, 2026-11-30): a run makes ~80,000 ids, and
    str(uuid.uuid4()) costs ~3x as much as this (~4 µs more per id on the shared
    machine): ~0.3 s more Python CPU per run, whose Python is ~1.1 s of CPU."""
    digits = os.urandom(16).hex()
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) & 3] for digit in "0123456789abcdef"}  # RFC 4122 variant bits 10xx


@dataclass(frozen=True, slots=True)
class ChunkTerms:
    """What every invoice of a chunk shares (text as it is stored)."""

    run_id: str | None  # None: a final invoice at a handover, issued outside any run
    municipality_id: str
    municipality_name: str
    time_zone: str
    period: str  # as people read it: 2026-10
    month: str  # the period's first day: 2026-10-01
    base_fee_per_bin_krw: int  # from the tariff in force when the month closes
    minimum_charge_krw: int
    issued_at: str
    due_date: str
    snapshot: str  # the window statement's snapshot
    last_day: str | None = None  # a final invoice: the old owner's last day (YYYY-MM-DD)


@dataclass(slots=True)
class InvoiceDraft:
    """One invoice, its lines in order and its ledger entries, ready to write; for a
    prepaid restaurant, the ledger's pickup draws it settles (their ids)."""

    invoice: InvoiceRecord
    lines: list[InvoiceLineRecord]
    ledger: list[LedgerEntryRecord]
    settles: list[str] = field(default_factory=list)


def draft_invoices(
    restaurants: list[RestaurantOnInvoice],
    window: Window,
    *,
    bins: dict[str, list[BinInService]],
    heads: dict[str, ChainHead],
    balances: dict[str, int],
    labels: dict[str, str],
    terms: ChunkTerms,
    draws: dict[str, Draws] | None = None,
) -> list[InvoiceDraft]:
    """An invoice for each restaurant that had a bin in service, collections to bill
    or credits due; nothing for the others."""
    draws = draws or {}
    drafts = []
    for restaurant in restaurants:
        draft = draft_invoice(
            restaurant,
            usage_rows=window.usage.get(restaurant.id, []),
            credit_rows=window.credits.get(restaurant.id, []),
            bins=bins.get(restaurant.id, []),
            head=heads.get(restaurant.id),
            balance=balances.get(restaurant.id, 0),
            labels=labels,
            terms=terms,
            draws=draws.get(restaurant.id),
        )
        if draft is not None:
            drafts.append(draft)
    return drafts


def draft_invoice(
    restaurant: RestaurantOnInvoice,
    *,
    usage_rows: list[UsageRow],
    credit_rows: list[CreditRow],
    bins: list[BinInService],
    head: ChainHead | None,
    balance: int,
    labels: dict[str, str],
    terms: ChunkTerms,
    draws: Draws | None = None,
) -> InvoiceDraft | None:
    """One restaurant's invoice for the month, lines in this order: usage and
    prior-period lines (by month, date, bin), a base fee per bin in service, the
    minimum-charge adjustment, credits. Its ledger: the charge, and a credit larger
    than the charge carried as a negative entry. None if there is nothing to bill.

    A prepaid restaurant's pickups on this invoice were drawn from its wallet when
    they were recorded (`draws`: those draws). The invoice still shows every line,
    but its ledger charge is the total less what was drawn, so the account is
    charged for each pickup once; what it owes or has left is then worked out as if
    the draws had not happened (`balance - drawn`), exactly as for a postpaid one."""
    if not usage_rows and not bins and not credit_rows:
        return None
    usage = [
        pricing.Usage(row.weight_g, row.price_per_kg_krw, current_period=row.service_period == terms.month)
        for row in usage_rows
    ]
    amounts = pricing.price_invoice(
        usage=usage,
        active_bins=len(bins),
        base_fee_per_bin_krw=terms.base_fee_per_bin_krw,
        minimum_charge_krw=terms.minimum_charge_krw,
        credits_krw=[pricing.credit_for(row.weight_g, row.price_per_kg_krw) for row in credit_rows],
    )
    invoice_id = new_id()
    drawn = draws.total_krw if draws else 0
    prepaid = min(amounts.total_krw, max(0, drawn - balance))  # a credit balance pays first
    paid = amounts.total_krw == prepaid
    invoice = InvoiceRecord(
        id=invoice_id,
        municipality_id=terms.municipality_id,
        restaurant_id=restaurant.id,
        run_id=terms.run_id,
        period=terms.month,
        status=_PAID if paid else _ISSUED,
        municipality_name=terms.municipality_name,
        restaurant_name=restaurant.name,
        restaurant_address=restaurant.address,
        business_number=restaurant.business_number,
        owner_id=restaurant.owner_id,
        owner_name=restaurant.owner_name,
        # The owner's part starts within the month: they took the restaurant over then.
        first_day=restaurant.owner_since_day
        if restaurant.owner_since_day and restaurant.owner_since_day > terms.month
        else None,
        last_day=terms.last_day,
        time_zone=terms.time_zone,
        base_fee_per_bin_krw=terms.base_fee_per_bin_krw,
        minimum_charge_krw=terms.minimum_charge_krw,
        active_bins=len(bins),
        subtotal_krw=amounts.subtotal_krw,
        minimum_adjustment_krw=amounts.minimum_adjustment_krw,
        credits_krw=amounts.credits_krw,
        truncated_krw=amounts.truncated_krw,
        total_krw=amounts.total_krw,
        prepaid_applied_krw=prepaid,
        paid_krw=0,
        issued_at=terms.issued_at,
        due_date=terms.due_date,
        paid_at=terms.issued_at if paid else None,
        snapshot=terms.snapshot,
        window_number=head.window_number + 1 if head else 1,
    )
    lines = [
        *(
            usage_line(invoice_id, row, labels.get(row.bin_id, ""), priced, amount)
            for row, priced, amount in zip(usage_rows, usage, amounts.usage_krw, strict=True)
        ),
        *(base_fee_line(invoice_id, bin, terms) for bin in bins if terms.base_fee_per_bin_krw),
        *([minimum_line(invoice_id, amounts.minimum_adjustment_krw, terms)] if amounts.minimum_adjustment_krw else []),
        *(
            credit_line(invoice_id, row, amount)
            for row, amount in zip(credit_rows, amounts.credit_lines_krw, strict=True)
        ),
    ]
    for position, line in enumerate(lines, start=1):
        line.position = position
        line.description = line.description[:DESCRIPTION_MAX]
    ledger = []
    if amounts.total_krw != drawn:
        memo = f"{terms.period} 청구" + (f" (선불 차감 {drawn:,}원 제외)" if drawn else "")
        ledger.append(_entry(invoice_id, restaurant, _CHARGE, amounts.total_krw - drawn, memo, terms))
    if amounts.carried_credit_krw:
        ledger.append(
            _entry(
                invoice_id,
                restaurant,
                _CARRIED_CREDIT,
                -amounts.carried_credit_krw,
                f"{terms.period} 정정 환급 이월",
                terms,
            )
        )
    return InvoiceDraft(invoice=invoice, lines=lines, ledger=ledger, settles=list(draws.entry_ids) if draws else [])


def usage_line(invoice_id: str, row: UsageRow, label: str, usage: pricing.Usage, amount: int) -> InvoiceLineRecord:
    """The scans of one bin at one tariff in one month: grams × price per kg (exact),
    and the whole won pricing gave it. A month other than the invoice's own is a
    prior-period line (late scans of a month already invoiced)."""
    first, last = row.first_date, row.last_date  # YYYY-MM-DD
    kg = f"{row.weight_g // 1000:,}.{row.weight_g % 1000:03d}"  # grams as kg, exactly
    description = (
        f"{label} {first[5:7]}/{first[8:10]}–{last[5:7]}/{last[8:10]} "
        f"{row.collections}회 {kg}kg × {row.price_per_kg_krw:,}원/kg"
    )
    if not usage.current_period:
        description = f"[{row.service_period[:7]} 추가분] {description}"
    return InvoiceLineRecord(
        id=new_id(),
        invoice_id=invoice_id,
        kind=_USAGE if usage.current_period else _PRIOR_PERIOD,
        bin_id=row.bin_id,
        bin_label=label,
        tariff_id=row.tariff_id,
        service_period=row.service_period,
        first_date=first,
        last_date=last,
        collections=row.collections,
        weight_g=row.weight_g,
        price_per_kg_krw=row.price_per_kg_krw,
        exact_amount=usage.exact,
        amount_krw=amount,
        description=description,
    )


def base_fee_line(invoice_id: str, bin: BinInService, terms: ChunkTerms) -> InvoiceLineRecord:
    """A bin in service in the month pays the base fee."""
    return InvoiceLineRecord(
        id=new_id(),
        invoice_id=invoice_id,
        kind=_BASE_FEE,
        bin_id=bin.id,
        bin_label=bin.label,
        service_period=terms.month,
        exact_amount=Decimal(terms.base_fee_per_bin_krw),
        amount_krw=terms.base_fee_per_bin_krw,
        description=f"{bin.label} 기본료 (base fee)",
    )


def minimum_line(invoice_id: str, adjustment_krw: int, terms: ChunkTerms) -> InvoiceLineRecord:
    """What brings the month's own charges up to the minimum charge."""
    return InvoiceLineRecord(
        id=new_id(),
        invoice_id=invoice_id,
        kind=_MINIMUM,
        service_period=terms.month,
        exact_amount=Decimal(adjustment_krw),
        amount_krw=adjustment_krw,
        description=f"최소 요금 {terms.minimum_charge_krw:,}원까지 차액 (up to the minimum charge)",
    )


def credit_line(invoice_id: str, row: CreditRow, amount: int) -> InvoiceLineRecord:
    """A billed scan voided since gives back its exact price, floored (`amount` < 0)."""
    return InvoiceLineRecord(
        id=new_id(),
        invoice_id=invoice_id,
        kind=_CREDIT,
        bin_id=row.bin_id,
        bin_label=row.bin_label,
        service_period=f"{row.local_date[:8]}01",
        first_date=row.local_date,
        last_date=row.local_date,
        collections=1,
        weight_g=-row.weight_g,
        price_per_kg_krw=row.price_per_kg_krw,
        exact_amount=Decimal(amount),
        amount_krw=amount,
        description=f"{row.bin_label} {row.local_date} 수거 취소 정정 (청구서 {row.billed_on})",
        credited_event_id=row.event_id,
    )


def _entry(
    invoice_id: str, restaurant: RestaurantOnInvoice, kind: str, amount_krw: int, memo: str, terms: ChunkTerms
) -> LedgerEntryRecord:
    return LedgerEntryRecord(
        id=new_id(),
        restaurant_id=restaurant.id,
        owner_id=restaurant.owner_id,
        kind=kind,
        amount_krw=amount_krw,
        invoice_id=invoice_id,
        memo=memo,
        created_at=terms.issued_at,
        key=f"{kind}:{invoice_id}",
    )
