"""Korean business registration numbers (사업자등록번호): ten digits, shown XXX-XX-XXXXX.

The tenth digit is a check digit over the first nine with weights 1 3 7 1 3 7 1 3 5,
plus floor(d9 × 5 / 10), as the National Tax Service defines it.
"""

import re

_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)
_SEPARATORS = re.compile(r"[\s\-]")


def normalize(raw: str) -> str:
    """Digits only: '124-81-00998' → '1248100998'. Raises ValueError if not ten digits."""
    digits = _SEPARATORS.sub("", raw or "")
    if not (len(digits) == 10 and digits.isascii() and digits.isdigit()):
        raise ValueError("a business number has ten digits")
    return digits


def check_digit(first_nine: str) -> int:
    digits = [int(c) for c in first_nine]
    total = sum(d * w for d, w in zip(digits, _WEIGHTS, strict=True)) + (digits[8] * 5) // 10
    return (10 - total % 10) % 10


def is_valid(raw: str) -> bool:
    try:
        digits = normalize(raw)
    except ValueError:
        return False
    return check_digit(digits[:9]) == int(digits[9])


def formatted(digits: str) -> str:
    """'1248100998' → '124-81-00998'; blank stays blank (a restaurant from the licence
    register has no number until its owner or an official adds one)."""
    return f"{digits[:3]}-{digits[3:5]}-{digits[5:]}" if digits else ""
