"""Weights travel as kilograms with up to three decimals and are kept as integer grams."""

import math
import re
from decimal import Decimal

_THOUSAND = Decimal(1000)
_GRAM = Decimal("0.001")

# No bin holds more than this; anything above is a device fault, refused before any arithmetic.
MAX_WEIGHT_G = 10_000_000  # 10 t
# Digits, at most one point, at most three decimals, bounded length. No exponent,
# underscore, space, plus sign, NaN or infinity: `Decimal("1_0")` would read 10 and
# `"1e500000"` would cost seconds of CPU. A minus sign is read, for the caller to
# refuse as out of range, and so is a whole part longer than any weight (like a huge
# JSON number below): "99999999999999" is too heavy, not malformed.
_KG_TEXT = re.compile(r"(-?)([0-9]{1,32})(?:\.([0-9]{1,3}))?")
_MAX_TEXT_LENGTH = 37
_MAX_WHOLE_DIGITS = 8


def kg_to_grams(value: object) -> int:
    """'12.345' or 12.345 → 12345. Raises ValueError for anything but a plain decimal of kilograms.

    A negative JSON number comes back negative, for the caller to refuse as out of range."""
    if type(value) is str:
        match = _KG_TEXT.fullmatch(value) if len(value) <= _MAX_TEXT_LENGTH else None
        if match is None:
            raise ValueError('digits with at most one point and three decimals, e.g. "12.345"')
        sign, whole, decimals = match.groups()
        if len(whole.lstrip("0")) > _MAX_WHOLE_DIGITS:
            return -(MAX_WEIGHT_G + 1) if sign else MAX_WEIGHT_G + 1
        grams = int(whole) * 1000 + int((decimals or "").ljust(3, "0"))
        return -grams if sign else grams
    if isinstance(value, bool) or value is None:
        raise ValueError("a weight is a number of kilograms")
    if isinstance(value, int):
        if abs(value) > MAX_WEIGHT_G:
            return int(math.copysign(MAX_WEIGHT_G + 1, value))
        return value * 1000
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("a weight is a finite number of kilograms")
        if abs(value) * 1000 > MAX_WEIGHT_G:
            return int(math.copysign(MAX_WEIGHT_G + 1, value))
        # repr() is the shortest text that reads back as the same float: 0.1 → '0.1'.
        exact = Decimal(repr(value)) * _THOUSAND
        if exact != exact.to_integral_value():
            raise ValueError("at most three decimals (whole grams)")
        return int(exact)
    raise ValueError("a weight is a number of kilograms")


def grams_to_kg(grams: int) -> Decimal:
    return (Decimal(grams) / _THOUSAND).quantize(_GRAM)
