"""Searching restaurants by any part of their name or address, fast over a whole city,
without the pg_trgm extension (not every server has it): two columns PostgreSQL keeps
itself (generated, so no code path can forget them) and a GIN index.

- `search_text`: lower(name || ' ' || address), matched with LIKE '%…%' (no per-row lower()).
- `search_bigrams`: its distinct two-character pieces; a query's pieces must all be there
  (`@>`, answered by the index), so LIKE only rechecks the few candidate rows. Two
  characters, not three, because Korean names are searched by two syllables (할매, 순대).

The Django model does not declare them: Restaurant.objects.search() is their only reader.
"""

from django.db import migrations

FORWARD = [
    """
    CREATE FUNCTION restaurant_bigrams(text) RETURNS text[]
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
      SELECT coalesce(array_agg(DISTINCT substr($1, i, 2)), '{}')
        FROM generate_series(1, char_length($1) - 1) AS i
    $$
    """,
    """
    ALTER TABLE restaurants_restaurant
      ADD COLUMN search_text text GENERATED ALWAYS AS (lower(name || ' ' || address)) STORED
    """,
    """
    ALTER TABLE restaurants_restaurant
      ADD COLUMN search_bigrams text[] GENERATED ALWAYS AS (restaurant_bigrams(lower(name || ' ' || address))) STORED
    """,
    "CREATE INDEX restaurant_search_bigrams ON restaurants_restaurant USING gin (search_bigrams)",
]
BACKWARD = [
    "DROP INDEX restaurant_search_bigrams",
    "ALTER TABLE restaurants_restaurant DROP COLUMN search_bigrams",
    "ALTER TABLE restaurants_restaurant DROP COLUMN search_text",
    "DROP FUNCTION restaurant_bigrams(text)",
]


class Migration(migrations.Migration):
    dependencies = [("restaurants", "0004_restaurant_list_order")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
