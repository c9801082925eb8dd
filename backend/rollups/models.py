"""Collected volume summed per local day, kept current by the database as scans come in
and change status (docs/reports.md): what the volume reports read instead of the scans."""

from django.db import models


class DailyVolume(models.Model):
    """The scans of one local day in one (district, business type, hauler, status) cell:
    their weight summed in grams and their number. A scan whose status changes (a held
    scan released, a wrong one voided) moves from one status's row to the other's.

    The keys are copied from the scan's restaurant (district, 업태) and collector
    (hauler) when the scan is stored; foreign keys without constraints, so that an
    ingested batch pays no extra lookups for them."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    district = models.ForeignKey(
        "municipalities.District", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    business_type = models.CharField(max_length=16)
    # Null for a scan recorded by someone without a hauler (an official's manual entry).
    hauler = models.ForeignKey(
        "municipalities.Hauler", on_delete=models.DO_NOTHING, db_constraint=False, null=True, related_name="+"
    )
    day = models.DateField(help_text="the municipality's local day of collected_at")
    status = models.CharField(max_length=16)
    weight_g = models.BigIntegerField(default=0)
    scans = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # The delta upsert's conflict target; a null hauler is one cell, not many.
            models.UniqueConstraint(
                fields=["municipality", "day", "district", "business_type", "hauler", "status"],
                name="daily_volume_cell",
                nulls_distinct=False,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.district_id} {self.business_type} {self.status}: {self.weight_g} g"


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


class RestaurantMonth(models.Model):
    """One restaurant's scans of one local month: weights and counts by status, and the
    local days it had a collection as bits (bit 0: the 1st). The bits answer "restaurants
    served" over any range of days exactly: distinct restaurants do not add up across
    days, but a restaurant counts in a range when any of its bits falls inside it.

    District, 동 and business type are copied from the restaurant (kept current when it
    moves) so that the count groups without a join."""

    municipality = models.ForeignKey(
        "municipalities.Municipality", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    restaurant = models.ForeignKey(
        "restaurants.Restaurant", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    month = models.DateField(help_text="the 1st of the local month")
    district = models.ForeignKey(
        "municipalities.District", on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    dong = models.CharField(max_length=20, blank=True)
    business_type = models.CharField(max_length=16)
    billable_g = models.BigIntegerField(default=0)
    held_g = models.BigIntegerField(default=0)
    collections = models.IntegerField(default=0, help_text="billable and held scans")
    visits_not_collected = models.IntegerField(default=0)
    served_days = models.IntegerField(default=0, help_text="bit n set: a collection on local day n + 1")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["restaurant", "month"], name="restaurant_month")]
        indexes = [models.Index(fields=["municipality", "month"], name="restaurant_month_by_city")]

    def __str__(self) -> str:
        return f"{self.restaurant_id} {self.month:%Y-%m}: {self.billable_g + self.held_g} g"
