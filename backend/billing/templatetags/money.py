"""`{{ amount|won }}` → "12,340": integer KRW with thousands separators, no locale."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def won(amount) -> str:
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}"


@register.filter
def kg(grams) -> str:
    """Grams as kilograms with three places: 12,340 g → "12.340"."""
    if grams is None:
        return ""
    return f"{Decimal(int(grams)) / 1000:,.3f}"
