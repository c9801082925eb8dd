"""Collected volume summed per grouping and local day or month, kept current by the database as scans come in
and change status (docs/reports.md): what the volume reports read instead of the scans."""

from django.db import models


class Dimension(models.TextChoices):
    """What a VolumeCell's key names. `ALL` cells hold the whole municipality (key "")."""

    ALL = "all"
    DISTRICT = "district"
    DONG = "dong"  # key: the district's id, a space, and the 동 ("" when the address names none)
    BUSINESS_TYPE = "business_type"
    HAULER = "hauler"  # key: the hauler's id, "" for scans by someone without one
    CREW = "crew"  # key: the collector's (user's) id


class Grain(models.TextChoices):
    DAY = "day"
    MONTH = "month"


class VolumeCell(models.Model):
    """The scans of one local day, or one local month, in one status and one value of one
    grouping (a district, a 동, a business type, a hauler, a crew member, or everything):
    their weight summed in grams and their number.

    One grouping per row, so a report by 동 reads only the 동 cells; months, so a year
    reads twelve rows per key, and days only for the part-months at a range's ends
    (docs/reports.md explains the choice, with the measurements)."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=64, blank=True)
    grain = models.CharField(max_length=8, choices=Grain.choices)
    period = models.DateField(help_text="the local day, or the 1st of the local month")
    status = models.CharField(max_length=16)
    weight_g = models.BigIntegerField(default=0)
    scans = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # The delta upsert's conflict target, and the reports' index (a dimension's
            # cells of a few periods).
            models.UniqueConstraint(
                fields=["municipality", "dimension", "grain", "period", "key", "status"], name="volume_cell"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.key} {self.grain} {self.period} {self.status}: {self.weight_g} g"


class DayBits(models.Field):
    """The days of a year as a PostgreSQL bit string, bit 0 (the leftmost) for 1 January:
    "served on any day of a range" is one AND with the range's mask."""

    def db_type(self, connection) -> str:
        return "bit(366)"

    def get_placeholder(self, value, compiler, connection) -> str:
        # A string of 0s and 1s arrives as text, which PostgreSQL does not cast to bits.
        return "%s::bit(366)"


class RestaurantYear(models.Model):
    """The local days of one local year on which one restaurant had a collection, as bits,
    and those of the year before. They answer "restaurants served" over any range of days
    exactly: distinct restaurants do not add up across days, but a restaurant counts in a
    range when any of its bits falls inside it; one row per restaurant a year covers any
    range within that year and the one before, so such a range is counted over the
    restaurants' rows without grouping by restaurant (docs/reports.md). A restaurant
    served in one year has a row for the next one too (its days there may be none yet).

    District, 동 and business type are copied from the restaurant (kept current when it
    moves) so that the count groups without a join."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.IntegerField(help_text="the local year")
    district = models.ForeignKey(
        "municipalities.District", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    dong = models.CharField(max_length=20, blank=True)
    business_type = models.CharField(max_length=16)
    days = DayBits(help_text="bit n (from the left) set: a collection on local day n + 1 of the year")
    # The year before's days again (its row's `days`), so that a range of up to two years
    # that ends in this year, such as "the last 365 days", is answered by this row alone:
    # a plain count over one row a restaurant, no COUNT(DISTINCT) across two rows.
    days_year_before = DayBits(help_text="the same bits for the year before (that year's row's days)")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["restaurant", "year"], name="restaurant_year")]
        indexes = [models.Index(fields=["municipality", "year"], name="restaurant_year_by_city")]

    def __str__(self) -> str:
        return f"{self.restaurant_id} {self.year}: {self.days.count('1')} days served"
