import uuid
import zoneinfo

from django.core.exceptions import ValidationError
from django.db import models


def validate_time_zone(value: str) -> None:
    try:
        zoneinfo.ZoneInfo(value)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"Unknown time zone {value!r}") from None


class Municipality(models.Model):
    """A city or county (시/군/구) that bills its restaurants: the tenant boundary."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=10, unique=True, help_text="행정표준코드 (administrative code)")
    time_zone = models.CharField(max_length=64, default="Asia/Seoul", validators=[validate_time_zone])
    # Whom an owner calls when a window below has closed (the waste team's desk).
    contact_phone = models.CharField(max_length=20, blank=True, help_text="청소행정과 대표 전화, e.g. 02-2600-6114")
    # How many working days (weekends and public holidays skipped) an owner has to
    # dispute a pickup (from the pickup, or from the invoice that billed it) and to
    # report a missed one (from the day it was missed).
    dispute_window_working_days = models.PositiveSmallIntegerField(default=2)
    missed_pickup_window_working_days = models.PositiveSmallIntegerField(default=2)
    # Prepaid wallets: warn the owner when the credit falls below this, unless the
    # restaurant's account sets its own; empty: the settings' WALLET_LOW_BALANCE_KRW.
    wallet_low_balance_krw = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "municipalities"

    def __str__(self) -> str:
        return self.name

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)

    @property
    def contact(self) -> str:
        """Whom to call, in words, for a message that sends the owner to the phone."""
        return f"{self.name} ({self.contact_phone})" if self.contact_phone else self.name


class DistrictQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DistrictQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        if user.is_collector:
            return self.filter(haulers=user.hauler_id)
        if user.is_owner:
            return self.filter(restaurants__owner=user).distinct()
        return self.none()


class District(models.Model):
    """An administrative district (구/동) inside a municipality; haulers serve districts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="districts")
    name = models.CharField(max_length=100)
    code = models.CharField(max_length=10)

    objects = DistrictQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["municipality", "code"], name="district_code_unique")]

    def __str__(self) -> str:
        return f"{self.municipality.name} {self.name}"


class Hauler(models.Model):
    """The collection contractor (수집·운반 대행업체) hired to serve some districts."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="haulers")
    name = models.CharField(max_length=100)
    districts = models.ManyToManyField(District, related_name="haulers", blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def serves(self, district_id) -> bool:
        return self.districts.filter(id=district_id).exists()
