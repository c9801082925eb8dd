"""Pricing: pure functions over integer KRW and integer grams. No ORM in here.

Where the sub-won fractions go: a usage line's exact amount is grams × price per kg
÷ 1000, a Decimal with at most three places. The invoice's usage subtotal is the
floor of the exact sum, taken once; it is then shared out to the lines as whole won
by largest remainder, so the lines an owner reads add up to the subtotal exactly and
each is within one won of its exact amount. The total is then truncated down to a
multiple of 10 KRW, as Korean public revenue is, and the dropped part is shown.
"""

from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

GRAMS_PER_KG = 1000
TRUNCATION_UNIT_KRW = 10


def usage_amount(grams: int, price_per_kg_krw: int) -> Decimal:
    """The exact price of `grams` at a price per kg: no rounding at all."""
    return Decimal(grams) * Decimal(price_per_kg_krw) / GRAMS_PER_KG


def floor_won(amount: Decimal) -> int:
    return int(amount.to_integral_value(rounding=ROUND_FLOOR))


def truncate_to_unit(amount_krw: int, unit: int = TRUNCATION_UNIT_KRW) -> int:
    """Drop what is below `unit` KRW (never negative amounts here)."""
    if amount_krw < 0:
        raise ValueError("only non-negative amounts are truncated")
    return amount_krw - amount_krw % unit


def allocate_won(exact_amounts: list[Decimal]) -> list[int]:
    """Whole-won amounts, one per exact amount, that add up to floor(sum(exact)).

    Each starts at its floor; the won left over go one each to the largest
    fractional parts (earliest first on ties), so the result is deterministic.
    """
    floors = [floor_won(amount) for amount in exact_amounts]
    leftover = floor_won(sum(exact_amounts, Decimal(0))) - sum(floors)
    order = sorted(range(len(exact_amounts)), key=lambda i: (-(exact_amounts[i] - floors[i]), i))
    for index in order[:leftover]:
        floors[index] += 1
    return floors


@dataclass(frozen=True, slots=True)
class Usage:
    """Grams collected from one bin and priced at one tariff (one invoice line)."""

    grams: int
    price_per_kg_krw: int
    current_period: bool = True  # False for a late scan of an earlier month

    @property
    def exact(self) -> Decimal:
        return usage_amount(self.grams, self.price_per_kg_krw)


@dataclass(frozen=True, slots=True)
class InvoiceAmounts:
    usage_krw: list[int]  # one per Usage, in order
    usage_exact: Decimal
    base_fees_krw: int
    subtotal_krw: int  # usage + base fees
    minimum_adjustment_krw: int  # added to reach the minimum charge
    credits_krw: int  # negative or zero
    carried_credit_krw: int  # credit larger than the charge, kept for a later invoice (positive)
    truncated_krw: int
    total_krw: int
    credit_lines_krw: list[int] = field(default_factory=list)


def price_invoice(
    *,
    usage: list[Usage],
    active_bins: int,
    base_fee_per_bin_krw: int,
    minimum_charge_krw: int,
    credits_krw: list[int] | None = None,
) -> InvoiceAmounts:
    """One restaurant's invoice for a month.

    subtotal = Σ exact usage (floored once) + base fees; the charge is at least the
    minimum when the restaurant had an active bin (the minimum is compared with this
    month's own charges, not with late lines of earlier months, which were already
    subject to their own month's minimum); credits (positive numbers here, one per
    corrected collection) are subtracted; the total is truncated to 10 KRW. A credit
    larger than the charge leaves a zero total and the rest is carried.
    """
    credits = [int(c) for c in (credits_krw or [])]
    if any(c < 0 for c in credits):
        raise ValueError("credits are given as positive amounts")
    usage_krw = allocate_won([line.exact for line in usage])
    base_fees = active_bins * base_fee_per_bin_krw
    subtotal = sum(usage_krw) + base_fees
    this_month = base_fees + sum(a for a, line in zip(usage_krw, usage, strict=True) if line.current_period)
    minimum_adjustment = max(0, minimum_charge_krw - this_month) if active_bins > 0 else 0
    before_credits = subtotal + minimum_adjustment
    credit_total = sum(credits)
    net = before_credits - credit_total
    carried = max(0, -net)
    payable = max(0, net)
    total = truncate_to_unit(payable)
    return InvoiceAmounts(
        usage_krw=usage_krw,
        usage_exact=sum((line.exact for line in usage), Decimal(0)),
        base_fees_krw=base_fees,
        subtotal_krw=subtotal,
        minimum_adjustment_krw=minimum_adjustment,
        credits_krw=-credit_total,
        carried_credit_krw=carried,
        truncated_krw=payable - total,
        total_krw=total,
        credit_lines_krw=[-c for c in credits],
    )


def credit_for(grams: int, price_per_kg_krw: int) -> int:
    """What a voided, already billed collection gives back: its exact price, floored."""
    return floor_won(usage_amount(grams, price_per_kg_krw))


def pickup_fee_krw(grams: int, price_per_kg_krw: int) -> int:
    """What one pickup of a prepaid restaurant draws from its wallet: its exact price,
    floored to the won (the month's invoice, which truncates its total to 10 KRW,
    then settles the difference)."""
    return floor_won(usage_amount(grams, price_per_kg_krw))
