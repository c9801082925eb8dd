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
