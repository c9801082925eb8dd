from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    ADMIN = "admin", "시스템 관리자"
    OFFICIAL = "official", "공무원"
    COLLECTOR = "collector", "수거 작업자"
    OWNER = "owner", "음식점 업주"


class User(AbstractUser):
    """A person who signs in. What they may see follows from `role` and the one
    organisation it ties them to: an official's municipality, a collector's hauler,
    an owner's restaurants (Restaurant.owner)."""

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.OWNER)
    municipality = models.ForeignKey(
        "municipalities.Municipality", null=True, blank=True, on_delete=models.PROTECT, related_name="officials"
    )
    hauler = models.ForeignKey(
        "municipalities.Hauler", null=True, blank=True, on_delete=models.PROTECT, related_name="collectors"
    )
    phone = models.CharField(max_length=13, blank=True)
    # An owner account made by (or for) a municipality: its officials may attach the owner
    # to their restaurants (backend/accounts/services.py, check_owner_binding).
    invited_through = models.ForeignKey(
        "municipalities.Municipality",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="invited_owners",
        verbose_name="초대한 지자체 · Invited through",
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="official_has_municipality",
                condition=~models.Q(role="official") | models.Q(municipality__isnull=False),
            ),
            models.CheckConstraint(
                name="collector_has_hauler",
                condition=~models.Q(role="collector") | models.Q(hauler__isnull=False),
            ),
        ]

    @property
    def is_official(self) -> bool:
        return self.role == Role.OFFICIAL

    @property
    def is_collector(self) -> bool:
        return self.role == Role.COLLECTOR

    @property
    def is_owner(self) -> bool:
        return self.role == Role.OWNER

    @property
    def is_system_admin(self) -> bool:
        return self.role == Role.ADMIN or self.is_superuser
