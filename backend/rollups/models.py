"""Collected volume summed per grouping and local day or month, and the restaurants
served each day as bits, kept current by the database as scans come in and change
status (docs/reports.md): what the volume reports read instead of the scans."""

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


# Restaurants are counted as bits: restaurant number n (Restaurant.number) is bit
# n % CHUNK_BITS (from the left) of chunk n // CHUNK_BITS. Small enough to be stored in
# the row (no TOAST) and cheap to make one bit of; a city of 100,000 restaurants is 25
# chunks (docs/reports.md gives the measurements).
CHUNK_BITS = 4096


class RestaurantBits(models.Field):
    """One chunk of restaurants as a PostgreSQL bit string: "served on any day of a
    range" is an OR of the days' chunks, "and in this district" an AND with the
    district's, and the count is bit_count."""

    def db_type(self, connection) -> str:
        return f"bit({CHUNK_BITS})"

    def get_placeholder(self, value, compiler, connection) -> str:
        # A string of 0s and 1s arrives as text, which PostgreSQL does not cast to bits.
        return f"%s::bit({CHUNK_BITS})"


class ServedDay(models.Model):
    """The restaurants with a weighed collection (billable or held) on one local day, as
    bits by restaurant number: distinct restaurants do not add up across days, but the
    restaurants served in a range are the OR of its days, counted once however many of
    their days fall in it (docs/reports.md, "Restaurants served"). Kept with the
    restaurant's municipality of today (moved with it)."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    day = models.DateField(help_text="the local day")
    chunk = models.IntegerField(help_text="restaurant numbers chunk × CHUNK_BITS onwards")
    restaurants = RestaurantBits(help_text="bit n (from the left): restaurant number chunk × CHUNK_BITS + n")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["municipality", "day", "chunk"], name="served_day")]

    def __str__(self) -> str:
        return f"{self.day} chunk {self.chunk}: {self.restaurants.count('1')} restaurants served"


class GroupRestaurants(models.Model):
    """The restaurants of one district, 동 or business type as they are today, as bits
    by restaurant number: ANDed with the restaurants served, they count a group's. Kept
    current by the database as restaurants are added, move and go."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    dimension = models.CharField(max_length=16, choices=Dimension.choices)
    key = models.CharField(max_length=64, blank=True, help_text="as VolumeCell.key")
    chunk = models.IntegerField()
    restaurants = RestaurantBits()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "dimension", "key", "chunk"], name="group_restaurants")
        ]

    def __str__(self) -> str:
        return f"{self.dimension}={self.key} chunk {self.chunk}: {self.restaurants.count('1')} restaurants"


class DayBits(models.Field):
    """The days of a year as a PostgreSQL bit string: the field of the restaurant years
    that ServedDay replaced, kept for migrations 0005 and 0007 that name it."""

    def db_type(self, connection) -> str:
        return "bit(366)"

    def get_placeholder(self, value, compiler, connection) -> str:
        return "%s::bit(366)"
