"""Weights travel as kilograms with up to three decimals and are kept as integer grams."""

from decimal import Decimal, InvalidOperation

_THOUSAND = Decimal(1000)
_GRAM = Decimal("0.001")


def kg_to_grams(value) -> int:
    """'12.345' or 12.345 → 12345. Raises ValueError for anything finer than a gram."""
    if isinstance(value, bool) or value is None:
        raise ValueError("a weight is a number of kilograms")
    try:
        kilograms = Decimal(str(value)) if isinstance(value, float) else Decimal(value)
    except (InvalidOperation, TypeError):
        raise ValueError("a weight is a number of kilograms") from None
    if not kilograms.is_finite():
        raise ValueError("a weight is a number of kilograms")
    grams = kilograms * _THOUSAND
    if grams != grams.to_integral_value():
        raise ValueError("at most three decimals (whole grams)")
    return int(grams)


def grams_to_kg(grams: int) -> Decimal:
    return (Decimal(grams) / _THOUSAND).quantize(_GRAM)
