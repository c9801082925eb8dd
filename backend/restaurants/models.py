import uuid
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q

from backend.restaurants import business_numbers


class RestaurantQuerySet(models.QuerySet):
    def visible_to(self, user) -> "RestaurantQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(municipality_id=user.municipality_id)
        if user.is_collector:
            return self.filter(district__haulers=user.hauler_id)
        if user.is_owner:
            return self.filter(owner=user)
        return self.none()

    def accounts_visible_to(self, user) -> "RestaurantQuerySet":
        """Restaurants whose bills, payments and disputes the user may see: as
        `visible_to`, except that a crew's route gives no sight of anyone's money."""
        return self.none() if user.is_collector else self.visible_to(user)


class Restaurant(models.Model):
    """A small restaurant (소형 음식점) that puts food waste out in its own bins."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    municipality = models.ForeignKey("municipalities.Municipality", on_delete=models.PROTECT, related_name="+")
    district = models.ForeignKey("municipalities.District", on_delete=models.PROTECT, related_name="restaurants")
    name = models.CharField(max_length=100)
    business_number = models.CharField(max_length=10, help_text="사업자등록번호, ten digits")
    address = models.CharField(max_length=200)
    lat = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    lng = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    owner = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="restaurants"
    )
    phone = models.CharField(max_length=13, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = RestaurantQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "business_number"], name="business_number_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def business_number_display(self) -> str:
        return business_numbers.formatted(self.business_number)


class BinStatus(models.TextChoices):
    ACTIVE = "active", "사용 중"
    RETIRED = "retired", "사용 중지"


class BinQuerySet(models.QuerySet):
    def visible_to(self, user) -> "BinQuerySet":
        return self.filter(restaurant__in=Restaurant.objects.visible_to(user))

    def active(self) -> "BinQuerySet":
        return self.filter(status=BinStatus.ACTIVE)


class Bin(models.Model):
    """One food-waste bin (전용수거용기) of a restaurant; it carries one tag at a time."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="bins")
    capacity_liters = models.PositiveIntegerField(validators=[MinValueValidator(1)])
    label = models.CharField(max_length=50, help_text='e.g. "주방 1"')
    status = models.CharField(max_length=16, choices=BinStatus.choices, default=BinStatus.ACTIVE)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = BinQuerySet.as_manager()

    class Meta:
        ordering = ["restaurant__name", "label"]
        constraints = [
            models.CheckConstraint(name="bin_capacity_positive", condition=Q(capacity_liters__gt=0)),
        ]

    def __str__(self) -> str:
        return f"{self.restaurant.name} {self.label}"

    def max_weight_g(self, density_kg_per_l: Decimal) -> int:
        """The heaviest weighing this bin can plausibly produce, in grams."""
        return int(self.capacity_liters * density_kg_per_l * 1000)
