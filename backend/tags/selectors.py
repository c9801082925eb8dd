"""Reading tags as SQL, for set-based readers in apps above this one (billing's runs)."""

from django.db import connection

from backend.tags.models import Tag


def tag_revoked_since_sql(bin_expr: str, since: str) -> str:
    """True if a tag of the bin `bin_expr` was revoked at `since` or later (a bin
    retired in a period had its tags revoked then)."""
    tags = connection.ops.quote_name(Tag._meta.db_table)
    return f"EXISTS (SELECT 1 FROM {tags} t WHERE t.bin_id = {bin_expr} AND t.revoked_at >= {since})"
