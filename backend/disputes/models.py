import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from backend.restaurants.models import Restaurant, owned_by


class DisputeStatus(models.TextChoices):
    OPEN = "open", _("Under review")
    ACCEPTED = "accepted", _("Accepted")
    REJECTED = "rejected", _("Rejected")


class DisputeOutcome(models.TextChoices):
    """What an accepted dispute did to the collection."""

    VOIDED = "voided", _("Collection voided")
    CORRECTED = "corrected", _("Weight corrected")


class DisputeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DisputeQuerySet":
        if user.is_authenticated and user.is_owner:
            # Disputes about the pickups the owner sees: those of their own periods.
            return self.filter(owned_by(user, moment="event__collected_at"))
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))


class Dispute(models.Model):
    """An owner's objection to one collection (이의신청), and the official's decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No database constraint: scans are partitioned by month (docs/architecture.md,
    # "Scans partitioned by month"); PROTECT holds in the ORM.
    event = models.ForeignKey(
        "collection_events.CollectionEvent", on_delete=models.PROTECT, related_name="disputes", db_constraint=False
    )
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    proposed_weight_g = models.PositiveIntegerField(
        null=True, blank=True, help_text="the weight the owner believes right; empty: nothing to weigh or not said"
    )
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)
    outcome = models.CharField(max_length=16, choices=DisputeOutcome.choices, blank=True)
    replacement = models.ForeignKey(
        "collection_events.CollectionEvent",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
        help_text="the corrected weighing that replaced the disputed one",
    )
    # Accepted on an invoiced pickup: what the owner gets back, at the tariff the
    # invoice used, and that invoice's number. The money itself moves through the
    # restaurant's next invoice (a credit line for the void, a prior-period line for a
    # replacement: billing/windows.py), never a second time from here.
    credit_krw = models.IntegerField(null=True, blank=True, help_text="below zero: a correction upwards")
    credited_invoice_number = models.CharField(max_length=32, blank=True)

    objects = DisputeQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["event"], condition=Q(status="open"), name="one_open_dispute_per_event"),
            models.CheckConstraint(
                name="decision_has_who_when_why",
                condition=Q(status="open")
                | Q(decided_by__isnull=False, decided_at__isnull=False) & ~Q(decision_reason=""),
            ),
            models.CheckConstraint(
                name="accepted_has_outcome",
                condition=Q(status="accepted", outcome__in=["voided", "corrected"])
                | ~Q(status="accepted") & Q(outcome=""),
            ),
            models.CheckConstraint(
                name="correction_has_replacement",
                condition=~Q(outcome="corrected") | Q(replacement__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"dispute {self.id} ({self.status})"
