import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone

from backend.restaurants.models import Restaurant, owned_by


class DisputeStatus(models.TextChoices):
    OPEN = "open", "검토 중"
    ACCEPTED = "accepted", "인정"
    REJECTED = "rejected", "기각"


class DisputeQuerySet(models.QuerySet):
    def visible_to(self, user) -> "DisputeQuerySet":
        if user.is_authenticated and user.is_owner:
            # Disputes about the pickups the owner sees: those of their own periods.
            return self.filter(owned_by(user, moment="event__collected_at"))
        return self.filter(restaurant__in=Restaurant.objects.accounts_visible_to(user))


class Dispute(models.Model):
    """An owner's objection to one collection (이의신청), and the official's decision."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    event = models.ForeignKey("collection_events.CollectionEvent", on_delete=models.PROTECT, related_name="disputes")
    restaurant = models.ForeignKey("restaurants.Restaurant", on_delete=models.PROTECT, related_name="+")
    raised_by = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    status = models.CharField(max_length=16, choices=DisputeStatus.choices, default=DisputeStatus.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    decided_by = models.ForeignKey("accounts.User", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

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
        ]

    def __str__(self) -> str:
        return f"dispute {self.id} ({self.status})"
