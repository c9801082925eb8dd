"""Each restaurant gets a number, its place in the bit strings that count restaurants
served (backend/rollups, docs/reports.md "Restaurants served"): from a sequence, so
that rows inserted in SQL (the register import) get one too, the rows already here in
the order the table holds them. A trigger keeps a number from ever changing: a
restaurant that moved to another bit would be counted twice, or lost."""

from django.db import migrations, models

import backend.restaurants.models

KEPT = """
CREATE FUNCTION restaurants_number_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.number := OLD.number;
  RETURN NEW;
END $$;
CREATE TRIGGER restaurants_number_kept BEFORE UPDATE OF number ON restaurants_restaurant
  FOR EACH ROW EXECUTE FUNCTION restaurants_number_kept();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("restaurants", "0010_restaurant_dong"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE SEQUENCE restaurants_restaurant_number_seq AS bigint",
            "DROP SEQUENCE IF EXISTS restaurants_restaurant_number_seq",
        ),
        migrations.AddField(
            model_name="restaurant",
            name="number",
            field=models.BigIntegerField(
                db_default=backend.restaurants.models.NextRestaurantNumber(), editable=False, unique=True
            ),
        ),
        migrations.RunSQL(
            "ALTER SEQUENCE restaurants_restaurant_number_seq OWNED BY restaurants_restaurant.number",
            migrations.RunSQL.noop,
        ),
        migrations.RunSQL(
            KEPT,
            "DROP TRIGGER restaurants_number_kept ON restaurants_restaurant; DROP FUNCTION restaurants_number_kept();",
        ),
    ]
