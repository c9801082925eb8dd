"""`{{ count|thousands }}` → "12,340": counts with thousands separators, no locale; changes with their sign."""

from decimal import Decimal

from django import template

register = template.Library()


@register.filter
def thousands(count) -> str:
    if count is None or count == "":
        return ""
    return f"{int(count):,}"


@register.filter
def signed_kg(grams) -> str:
    """A change in grams as kilograms with its sign: 2,500 → "+2.500", -1 → "−0.001"."""
    if grams is None:
        return ""
    sign = "+" if grams > 0 else "−" if grams < 0 else ""
    return f"{sign}{Decimal(abs(int(grams))) / 1000:,.3f}"


@register.filter
def signed_percent(percent) -> str:
    """25.0 → "+25.0%"; None (nothing a year earlier to compare with) → ""."""
    if percent is None:
        return ""
    return f"{percent:+.1f}%"
