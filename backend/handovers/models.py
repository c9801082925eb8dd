import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.restaurants.models import Restaurant


class HandoverKind(models.TextChoices):
    CLOSING = "closing", _("Closing")
    SALE = "sale", _("Sale (new owner)")


class HandoverStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Turned down")
    CANCELLED = "cancelled", _("Withdrawn")


class HandoverQuerySet(models.QuerySet):
    def visible_to(self, user) -> "HandoverQuerySet":
        if user.is_system_admin:
            return self
        if user.is_official:
            return self.filter(restaurant__municipality_id=user.municipality_id)
        if user.is_owner:
            return self.filter(reported_by=user)
        return self.none()


class Handover(models.Model):
    """An owner's report that they close the restaurant or sell it, and the official's
    confirmation with the date (the final invoice, the new owner) or rejection."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    restaurant = models.ForeignKey(Restaurant, on_delete=models.PROTECT, related_name="handovers")
    kind = models.CharField(max_length=16, choices=HandoverKind.choices)
    status = models.CharField(max_length=16, choices=HandoverStatus.choices, default=HandoverStatus.REPORTED)
    reported_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)
    # Closing: the last day open (폐업일). Sale: the new owner's first day.
    proposed_on = models.DateField()
    new_owner_name = models.CharField(max_length=150, blank=True)
    new_owner_email = models.EmailField(blank=True)
    new_owner_phone = models.CharField(max_length=13, blank=True)
    note = models.CharField(max_length=500, blank=True)
    decided_by = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    effective_on = models.DateField(null=True, blank=True)
    decision_reason = models.CharField(max_length=500, blank=True)
    new_owner = models.ForeignKey("accounts.User", null=True, on_delete=models.PROTECT, related_name="+")
    final_invoice = models.ForeignKey("billing.Invoice", null=True, on_delete=models.PROTECT, related_name="+")

    objects = HandoverQuerySet.as_manager()

    class Meta:
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["restaurant"], condition=Q(status="reported"), name="one_reported_handover_per_restaurant"
            ),
            models.CheckConstraint(
                name="confirmed_handover_has_date",
                condition=~Q(status="confirmed") | Q(effective_on__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.restaurant_id} {self.kind} {self.status}"
