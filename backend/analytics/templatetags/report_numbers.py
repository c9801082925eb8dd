"""`{{ count|thousands }}` → "12,340": counts with thousands separators, no locale."""

from django import template

register = template.Library()


@register.filter
def thousands(count) -> str:
    if count is None or count == "":
        return ""
    return f"{int(count):,}"
